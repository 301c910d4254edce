import { expect } from 'chai';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { createExampleApp } from '../../examples/express/app.js';
import { Device } from '../../examples/shared/cookie-jar.js';
import type { Conversion, Insights, Store } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import { FakeClock } from '../support/clock.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { listening, type RunningExample } from '../examples/example-contract.js';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

type DevInsights = Insights & { now: string; conversions: Conversion[] };

/** The example on a free port, on the test's clock and store. */
function example(clock: FakeClock, store?: Store): Promise<RunningExample> {
  const { app, guard } = createExampleApp({ ...(store ? { store } : {}), sharelock: { now: clock.now, logger: { warn: () => {}, error: () => {} } } });
  return listening(createServer(app), guard);
}

/**
 * Two devices of `account` watch; a third is challenged on `challengedOn`, which it answers with
 * "Create my own account" on `answeredOn`, then signs up there as `newAccount` (premium, 9.99 EUR).
 */
async function sharerSignsUp(account: string, newAccount: string, challengedOn: RunningExample, answeredOn = challengedOn) {
  for (let n = 0; n < 2; n++) {
    const device = new Device(challengedOn.base);
    await device.login(account);
    expect((await device.request('/watch/1')).status).to.equal(200);
  }
  const third = new Device(challengedOn.base);
  await third.login(account);
  const challenged = await third.request('/watch/1');
  expect(challenged.status).to.equal(303);
  const url = challenged.headers.get('location')!;
  expect(url).to.match(/^\/sharelock\/challenge\//);

  const intro = await third.request(`${answeredOn.base}${url}`);
  expect(await intro.clone().text()).to.include('Create my own account');
  const chose = await third.request(`${answeredOn.base}${url}/new-account`, { form: { _csrf: csrfOf(await intro.text()) } });
  expect([chose.status, chose.headers.get('location')]).to.deep.equal([303, '/signup']);
  expect((await third.request(`${answeredOn.base}/signup`)).status).to.equal(200);
  const signedUp = await third.request(`${answeredOn.base}/signup`, { form: { user: newAccount, plan: 'premium' } });
  expect(signedUp.status).to.equal(200);
  expect(await signedUp.text()).to.include(`Welcome, ${newAccount}`).and.include(`a conversion from the shared account <strong>${account}</strong> (device_count)`);
}

async function devInsights(app: RunningExample, query = ''): Promise<DevInsights> {
  const response = await fetch(`${app.base}/dev/insights${query}`);
  expect(response.status).to.equal(200);
  return (await response.json()) as DevInsights;
}

describe('conversions in the Express example', () => {
  describe('on the memory store', () => {
    let app: RunningExample;
    const clock = new FakeClock();
    before(async () => {
      app = await example(clock);
    });
    after(() => app?.close());

    it('records a challenged visitor who signs up at /signup, with the demo price, and shows it with the challenge funnel at /dev/insights', async () => {
      await sharerSignsUp('shared-acct', 'sam', app);
      const figures = await devInsights(app);
      expect(figures.to).to.equal('2026-01-05');
      expect(figures.totals).to.deep.include({ conversions: 1, conversionsVia: { challenge: 1, kicked: 0, history: 0 }, revenue: { EUR: 9.99 } });
      expect(figures.totals.challenges).to.deep.include({ created: 1, presented: 1, newAccount: 1, verifiedOwner: 0, abandoned: 0, open: 0 });
      expect(figures.totals.byKind.device_limit.created).to.equal(1);
      expect(figures.days.at(-1)).to.deep.include({ day: '2026-01-05', conversions: 1 });
      expect(figures.conversions).to.have.length(1);
      expect(figures.conversions[0]).to.deep.include({ accountId: 'sam', fromAccountId: 'shared-acct', via: 'challenge', challengeKind: 'device_limit', reason: 'device_count', plan: 'premium', revenue: { amount: 9.99, currency: 'EUR' } });
      // What the endpoint shows is what the app's code gets.
      const { conversions: _, now: __, ...insights } = figures;
      expect(insights).to.deep.equal(JSON.parse(JSON.stringify(await app.guard.insights())));
    });

    it('records an ordinary signup as nothing, and answers a bad range with 400', async () => {
      const before = (await devInsights(app)).totals.conversions;
      const visitor = new Device(app.base);
      expect((await visitor.request('/signup', { form: { user: 'newcomer', plan: 'family' } })).status).to.equal(200);
      expect((await devInsights(app)).totals.conversions).to.equal(before);
      expect((await fetch(`${app.base}/dev/insights?from=2026-02-01&to=2026-01-01`)).status).to.equal(400);
      expect((await devInsights(app, '?from=2026-01-04&to=2026-01-05')).days.map((d) => d.day)).to.deep.equal(['2026-01-04', '2026-01-05']);
    });
  });

  describe('on Redis, with two app servers', () => {
    let server: RedisServer;
    let client: Redis;
    const apps: RunningExample[] = [];
    const clock = new FakeClock();
    const prefix = `insights-example-${Date.now()}:`;
    const serverOn = async () => {
      const app = await example(clock, new RedisStore({ client, prefix }));
      apps.push(app);
      return app;
    };

    before(async () => {
      server = await startRedisServer();
      client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    });
    after(async () => {
      await Promise.all(apps.map((app) => app.close()));
      client?.disconnect();
      await server?.stop();
    });

    it('counts a challenge opened on one server and answered, converted and paid on the other the same on both, and after a restart', async () => {
      const [one, two] = [await serverOn(), await serverOn()];
      await sharerSignsUp('shared-redis', 'sam-redis', one, two);
      await sharerSignsUp('shared-redis-2', 'kim-redis', two, one);
      // Each server waits for its own background writes before it reads: let both finish, then read both.
      await Promise.all([one.guard.insights(), two.guard.insights()]);
      const [fromOne, fromTwo] = [await one.guard.insights(), await two.guard.insights()];
      expect(fromOne).to.deep.equal(fromTwo);
      expect(fromOne.totals).to.deep.include({ conversions: 2, revenue: { EUR: 19.98 } });
      expect(fromOne.totals.challenges).to.deep.include({ created: 2, presented: 2, newAccount: 2 });

      // A new server (a restart, a deploy) reads the same figures from Redis.
      const restarted = await serverOn();
      expect(await restarted.guard.insights()).to.deep.equal(await two.guard.insights());
      expect((await devInsights(restarted)).conversions.map((c) => `${c.fromAccountId}→${c.accountId}`)).to.deep.equal(['shared-redis-2→kim-redis', 'shared-redis→sam-redis']);
    });
  });
});
