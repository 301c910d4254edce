import { Analytics } from '@segment/analytics-node';
import Rudder from '@rudderstack/rudder-sdk-node';
import { expect } from 'chai';
import express from 'express';
import Koa from 'koa';
import request from 'supertest';
import type { Options } from '../../src/index.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { fastifyScenarioApp } from '../support/adapters/fastify.js';
import { koaScenarioApp } from '../support/adapters/koa.js';
import { nestScenarioApp } from '../support/adapters/nest.js';
import type { ScenarioApp } from '../support/adapters/contract.js';
import { CHROME_WINDOWS, listen, withIngest, WRITE_KEY } from './support.js';

const ADAPTERS: Record<string, (options?: Partial<Options>) => Promise<ScenarioApp>> = {
  'Express 5': (options) => expressScenarioApp(express, options),
  'Fastify 5': (options) => fastifyScenarioApp(options),
  Koa: (options) => koaScenarioApp(Koa, options),
  'Nest on Fastify': (options) => nestScenarioApp('fastify', options),
};

/** The real clients send real timestamps: these apps run on the real clock. */
const REAL_CLOCK = withIngest({}, { now: () => Date.now() });

/** What a user's browser and phone send through the client: a page view, a screen view, who they are. */
const journey = (account: string) => ({
  identify: { userId: account, traits: { email: `${account}@example.com` } },
  page: { userId: account, anonymousId: `${account}-browser`, name: 'Watch', properties: { url: 'https://shop.example/watch/1?t=30' }, context: { ip: '203.0.113.7', userAgent: CHROME_WINDOWS } },
  screen: { userId: account, anonymousId: `${account}-phone`, name: 'Player', context: { ip: '203.0.113.8', os: { name: 'iOS', version: '17.4' }, device: { id: `${account}-idfv`, manufacturer: 'Apple', model: 'iPhone15,2' } } },
});

async function expectJourneyRecorded(app: ScenarioApp, account: string): Promise<void> {
  const devices = await app.guard.devices(account);
  expect(devices.map((d) => d.type).sort()).to.deep.equal(['computer', 'mobile']);
  const computer = devices.find((d) => d.type === 'computer')!;
  expect(computer).to.include({ status: 'attached', lastIp: '203.0.113.7' });
  expect(computer.id).to.match(/^ingest\./);
  expect(computer.metadata).to.include({ anonymousId: `${account}-browser` });
  const phone = devices.find((d) => d.type === 'mobile')!;
  expect(phone.agent).to.deep.include({ os: 'iOS', model: 'iPhone15,2' });
  expect(Date.now() - phone.lastSeen).to.be.below(60_000);
}

for (const [name, makeApp] of Object.entries(ADAPTERS)) {
  describe(`${name}: the real analytics clients pointed at the ingest endpoint`, () => {
    const apps: ScenarioApp[] = [];
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });
    const start = async () => {
      const app = await makeApp(REAL_CLOCK);
      apps.push(app);
      return { app, base: await listen(app.server) };
    };

    it('@segment/analytics-node (host + path, JSON, Basic auth) attaches devices', async () => {
      const { app, base } = await start();
      const statuses: number[] = [];
      const analytics = new Analytics({ writeKey: WRITE_KEY, host: base, path: '/sharelock/ingest/v1/batch', flushAt: 1, maxRetries: 0 });
      analytics.on('http_response', ({ status }) => void statuses.push(status));
      const { identify, page, screen } = journey('seg-acct');
      analytics.identify(identify);
      analytics.page(page);
      analytics.screen(screen);
      await analytics.closeAndFlush({ timeout: 10_000 });
      expect(statuses).to.deep.equal([200, 200, 200]);
      await expectJourneyRecorded(app, 'seg-acct');
    });

    it('@rudderstack/rudder-sdk-node (dataPlaneUrl, gzip, its form content type) attaches devices', async () => {
      const { app, base } = await start();
      const errors: unknown[] = [];
      const rudder = new Rudder(WRITE_KEY, { dataPlaneUrl: `${base}/sharelock/ingest`, flushAt: 3, flushInterval: 60_000, retryCount: 0, logLevel: 'error', errorHandler: (error) => void errors.push(error) });
      const { identify, page, screen } = journey('rudder-acct');
      rudder.identify(identify);
      rudder.page(page);
      rudder.screen(screen);
      await rudder.flush();
      expect(errors).to.deep.equal([]);
      await expectJourneyRecorded(app, 'rudder-acct');
    });

    it('a client with a wrong write key gets 401 and records nothing', async () => {
      const { app, base } = await start();
      const statuses: number[] = [];
      const analytics = new Analytics({ writeKey: 'wk_wrong_0123456789abcdef', host: base, path: '/sharelock/ingest/v1/batch', flushAt: 1, maxRetries: 0 });
      analytics.on('http_response', ({ status }) => void statuses.push(status));
      analytics.page(journey('intruder').page);
      await analytics.closeAndFlush({ timeout: 10_000 });
      expect(statuses).to.deep.equal([401]);
      expect(await app.guard.devices('intruder')).to.deep.equal([]);
    });

    it("a third device the client reports is challenged like a request, and the account's browsers are judged with it", async () => {
      const { app, base } = await start();
      const verdicts: string[] = [];
      app.guard.on('decision', ({ verdict }) => void verdicts.push(verdict.kind));
      const analytics = new Analytics({ writeKey: WRITE_KEY, host: base, path: '/sharelock/ingest/v1/batch', flushAt: 3, maxRetries: 0 });
      for (const id of ['a', 'b', 'c']) analytics.page({ ...journey('shared').page, anonymousId: id });
      await analytics.closeAndFlush({ timeout: 10_000 });
      expect(verdicts).to.deep.equal(['allow', 'allow', 'challenge']);
      expect((await app.guard.devices('shared')).filter((d) => d.status === 'attached')).to.have.length(2);
      // A browser of that account on a protected route: over the limit too.
      expect((await request(app.server).get('/watch/1').set('x-account', 'shared')).status).to.equal(303);
    });
  });
}
