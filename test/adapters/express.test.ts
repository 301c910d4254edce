import express from 'express';
import express4 from 'express4';
import { expressScenarioApp } from '../support/adapters/express.js';
import { describeAdapterScenarios } from './scenarios.js';

describeAdapterScenarios('Express 5', (options) => expressScenarioApp(express, options));
describeAdapterScenarios('Express 4', (options) => expressScenarioApp(express4 as unknown as typeof express, options));
