import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import Koa from 'koa';
import { createSharelock, type Identity } from '../../src/index.js';
import type { MakeScenarioApp } from '../support/adapters/contract.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { fastifyScenarioApp } from '../support/adapters/fastify.js';
import { koaScenarioApp } from '../support/adapters/koa.js';
import { nestScenarioApp } from '../support/adapters/nest.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

function app(clientHints?: boolean | 'critical') {
  const guard = createSharelock<Identity>({ secret: SECRET, identify: () => ({ id: 'alice' }), ...(clientHints !== undefined ? { clientHints } : {}), logger: { warn: () => {}, error: () => {} } });
  return express().get('/watch', guard.protect(), (_req, res) => {
    res.send('ok');
  });
}

describe('Client Hints option', () => {
  it('asks Chromium browsers for the model and form factor on guarded pages', async () => {
    const res = await request(app(true)).get('/watch').expect(200);
    expect(res.headers['accept-ch']).to.equal('Sec-CH-UA-Model, Sec-CH-UA-Form-Factors');
    expect(res.headers['critical-ch']).to.equal(undefined);
  });

  it("makes them critical with 'critical', so the first page load is retried with them", async () => {
    const res = await request(app('critical')).get('/watch').expect(200);
    expect(res.headers['critical-ch']).to.equal('Sec-CH-UA-Model, Sec-CH-UA-Form-Factors');
  });

  it('adds no header by default', async () => {
    const res = await request(app()).get('/watch').expect(200);
    expect(res.headers['accept-ch']).to.equal(undefined);
  });

  const adapters: Array<[string, MakeScenarioApp]> = [
    ['Express', (o) => expressScenarioApp(express, o)],
    ['Koa', (o) => koaScenarioApp(Koa, o)],
    ['Fastify', (o) => fastifyScenarioApp(o)],
    ['Nest', (o) => nestScenarioApp('express', o)],
  ];
  for (const [name, make] of adapters) {
    it(`sends Accept-CH on the app's own response to a guarded request through ${name}`, async function () {
      this.timeout(20_000);
      const app = await make({ clientHints: 'critical' });
      try {
        const res = await request(app.server).get('/live/1').set('x-account', 'alice').expect(200);
        expect(res.headers['accept-ch']).to.equal('Sec-CH-UA-Model, Sec-CH-UA-Form-Factors');
        expect(res.headers['critical-ch']).to.equal('Sec-CH-UA-Model, Sec-CH-UA-Form-Factors');
      } finally {
        await app.close();
      }
    });
  }

  it('refuses a value it does not know, naming the option', () => {
    expect(() => createSharelock({ secret: SECRET, identify: () => null, clientHints: 'yes' as never })).to.throw(/clientHints/);
    expect(() => createSharelock({ secret: SECRET, identify: () => null, consoleType: 'console' as never })).to.throw(/consoleType.*'tv'/);
  });
});
