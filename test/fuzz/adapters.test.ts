import { expect } from 'chai';
import express from 'express';
import * as fc from 'fast-check';
import Koa from 'koa';
import type { ScenarioApp } from '../support/adapters/contract.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { fastifyScenarioApp } from '../support/adapters/fastify.js';
import { koaScenarioApp } from '../support/adapters/koa.js';
import { nestScenarioApp } from '../support/adapters/nest.js';
import { rawRequest } from '../support/raw-request.js';
import { cookiePair, runs, WINDOWS_UA } from './support.js';
import { target } from './targets.js';

/** Each adapter's real app and router (see `ScenarioApp`), with its own seed. */
const ADAPTERS: [name: string, seed: number, make: () => Promise<ScenarioApp>][] = [
  ['Express 5', 0x5eed_0101, () => expressScenarioApp(express)],
  ['Koa 3', 0x5eed_0102, () => koaScenarioApp(Koa)],
  ['Fastify 5', 0x5eed_0103, () => fastifyScenarioApp()],
  ['Nest on Express', 0x5eed_0104, () => nestScenarioApp('express')],
  ['Nest on Fastify', 0x5eed_0105, () => nestScenarioApp('fastify')],
];
const RUNS = 1000;
const headers = { 'x-account': 'alice', 'user-agent': WINDOWS_UA };
/** What only the protected handlers answer: `playing {id}` (`/watch/:id`) and `kids …` (under `/kids`). */
const PROTECTED_BODY = /^(playing|kids) /;

for (const [name, seed, make] of ADAPTERS) {
  describe(`fuzz: request targets through ${name}'s router`, () => {
    let app: ScenarioApp;
    let over: string;
    let attached: string[];

    before(async () => {
      app = await make();
      // Two devices fill alice's plan of 2; the third is challenged once and keeps its cookie.
      for (let i = 0; i < 2; i++) expect((await rawRequest(app.server, 'GET', '/watch/1', headers)).status).to.equal(200);
      const third = await rawRequest(app.server, 'GET', '/watch/1', headers);
      expect(third.status).to.equal(303);
      over = cookiePair((third.headers['set-cookie'] as string[]).find((c) => c.startsWith('sl_device='))!);
      attached = (await app.guard.devices('alice')).filter((d) => d.status === 'attached').map((d) => d.id);
      expect(attached).to.have.length(2);
    });
    after(() => app.close());

    it(`never serves a protected route to a device over the limit, whatever the request target (${RUNS} targets)`, async () => {
      const overId = app.guard.deviceOf({ headers: { cookie: over } });
      await fc.assert(
        fc.asyncProperty(target, async (t) => {
          const response = await rawRequest(app.server, 'GET', t.target, { ...headers, cookie: over });
          expect(response.status, 'an answer, not a crash').to.be.within(200, 499);
          const served = response.status === 200 && PROTECTED_BODY.test(response.body);
          expect(served, `${t.target.slice(0, 100)} served ${JSON.stringify(response.body.slice(0, 40))}`).to.equal(false);
          // Nothing lost for the account's other devices, nothing gained by this one.
          const devices = await app.guard.devices('alice');
          expect(devices.filter((d) => d.status === 'attached').map((d) => d.id)).to.have.members(attached);
          expect(devices.find((d) => d.id === overId)?.status).not.to.equal('attached');
        }),
        runs(seed, RUNS),
      );
    });
  });
}
