import { expect } from 'chai';
import express from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisStore } from '../../src/stores/redis.js';
import type { ScenarioApp } from '../support/adapters/contract.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { Browser, listen, startPersistentRedis, type PersistentRedis } from './support.js';

/**
 * A real redis-server, killed, frozen and slowed by its PID while steady HTTP traffic of several
 * devices of several accounts runs through the Express scenario app on a RedisStore.
 * test/redis/faults.test.ts covers the core alone (a stopped Redis restarted empty, a silent
 * server); this adds the HTTP outcomes per `storeFailure` policy mid-traffic, a slow Redis, a
 * frozen one, and a Redis killed by PID that restarts with its data: nothing acknowledged is lost.
 */
const BUDGET_MS = 250;
/** What a loaded test machine adds to a request on top of the store budget. */
const MARGIN_MS = 500;
const SECONDS = 1000;

interface Sample {
  browser: string;
  route: 'watch' | 'api';
  start: number;
  end: number;
  status: number;
  retryAfter: string | null;
  verdict?: string;
}

interface Window {
  name: string;
  start: number;
  end: number;
}

/** Each browser keeps requesting a page (allow route) and the API (deny route), one request at a time, until stopped. */
function steadyTraffic(browsers: Browser[]): { samples: Sample[]; stop: () => Promise<void> } {
  const samples: Sample[] = [];
  let running = true;
  const loops = browsers.map(async (browser, b) => {
    for (let i = 0; running; i++) {
      const route = i % 2 === 0 ? 'watch' : 'api';
      const start = performance.now();
      const answer = route === 'watch' ? await browser.get(`/watch/${i}`) : await browser.get(`/api/premium/${i}`, { accept: 'application/json' });
      const sample: Sample = { browser: `${browser.account}#${b}`, route, start, end: performance.now(), status: answer.status, retryAfter: answer.headers.get('retry-after') };
      if (route === 'api' && answer.status !== 200) sample.verdict = (JSON.parse(answer.text) as { verdict?: string }).verdict;
      samples.push(sample);
      await sleep(5);
    }
  });
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('faults: Redis slow, hung, killed by PID and restarted under HTTP traffic (Express, RedisStore)', function () {
  this.timeout(60_000);
  let redis: PersistentRedis;

  before(async () => {
    redis = await startPersistentRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it("serves 'allow' routes (200) and refuses 'deny' routes (503, Retry-After) within the budget through each fault, then loses no device and still enforces the limit", async () => {
    const store = RedisStore.fromUrl(redis.url, { prefix: 'faults-http:' });
    const errors: string[] = [];
    const warnings: string[] = [];
    let app: ScenarioApp | undefined;
    try {
      app = await expressScenarioApp(express, {
        store,
        storeTimeoutMs: BUDGET_MS,
        protect: ['/watch/*', { path: '/api/**', methods: ['GET'], storeFailure: 'deny' }, '/kids/**'],
        logger: { warn: (m: string) => void warnings.push(m), error: (m: string) => void errors.push(m) },
      });
      const { guard, clock } = app;
      const base = await listen(app.server);
      const accounts = ['ada', 'ben', 'cy', 'dee'];
      const browsers = accounts.flatMap((account) => [new Browser(base, account), new Browser(base, account)]);
      for (const browser of browsers) expect((await browser.get('/watch/0')).status).to.equal(200);
      const attachedIds = async (account: string) => (await store.listDevices(account)).filter((d) => d.status === 'attached').map((d) => d.id).sort();
      const before = new Map<string, string[]>();
      for (const account of accounts) before.set(account, await attachedIds(account));
      for (const ids of before.values()) expect(ids).to.have.length(2);

      const traffic = steadyTraffic(browsers);
      const windows: Window[] = [];
      const intruders: Array<{ fault: string; browser: Browser; status: number; ms: number }> = [];
      const recoveredAt: number[] = [];
      let probes = 0;

      /** The deny route answers 200 only when the store answered: poll it with new devices until it does. */
      const waitForRecovery = async () => {
        const deadline = performance.now() + 15 * SECONDS;
        while ((await new Browser(base, `probe-${probes++}`).get('/api/premium/1', { accept: 'application/json' })).status !== 200) {
          if (performance.now() > deadline) throw new Error('the app did not use Redis again within 15 s');
          await sleep(20);
        }
        recoveredAt.push(performance.now());
      };

      /**
       * Inject a fault; once it holds, expire every cached verdict (so requests need the store),
       * let a third device of an account arrive, keep the fault `holdMs`, then heal it.
       */
      const fault = async (name: string, inject: () => Promise<void>, holdMs: number, heal: () => Promise<void>) => {
        await sleep(300); // steady traffic on a healthy store first
        await inject();
        await sleep(50);
        clock.advance(31 * SECONDS); // past cache.allowTtlMs: the next request of every device asks the store
        const start = performance.now();
        const intruder = new Browser(base, 'ada');
        const answer = await intruder.get('/watch/1');
        intruders.push({ fault: name, browser: intruder, status: answer.status, ms: answer.ms });
        await sleep(Math.max(0, holdMs - (performance.now() - start)));
        windows.push({ name, start, end: performance.now() });
        await heal();
        await waitForRecovery();
      };

      // Slow: the whole server blocks (DEBUG SLEEP 1.2 s, beyond the 250 ms budget), then answers everything.
      let slept: Promise<void> = Promise.resolve();
      await fault('slow', async () => void (slept = redis.sleep(1.2)), 1000, () => slept);
      // Hung: the process is stopped (SIGSTOP by PID); connections stay open, nothing answers.
      const pid = redis.pid();
      await fault('hung', async () => redis.freeze(), 1000, async () => redis.thaw());
      // Killed: SIGKILL by PID mid-traffic, restarted on the same port and data directory.
      await fault('killed', () => redis.kill(), 800, () => redis.restart());
      expect(redis.pid(), 'a new process').to.not.equal(pid);
      await sleep(300);
      await traffic.stop();

      const { samples } = traffic;
      const within = (w: Window) => samples.filter((s) => s.start >= w.start && s.end <= w.end);
      const report: string[] = [];
      for (const w of windows) {
        const inside = within(w);
        const watch = inside.filter((s) => s.route === 'watch');
        const api = inside.filter((s) => s.route === 'api');
        const slowest = Math.max(...inside.map((s) => s.end - s.start));
        report.push(`${w.name}: ${watch.length} page requests ${summary(watch)}, ${api.length} API requests ${summary(api)}, slowest ${slowest.toFixed(0)} ms`);
        expect(watch.length, `${w.name}: page requests during the fault`).to.be.greaterThan(3);
        expect(api.length, `${w.name}: API requests during the fault`).to.be.greaterThan(3);
        expect(watch.filter((s) => s.status !== 200), `${w.name}: storeFailure 'allow'`).to.deep.equal([]);
        for (const s of api) expect([s.status, s.retryAfter, s.verdict], `${w.name}: storeFailure 'deny'`).to.deep.equal([503, '30', 'deny']);
        expect(slowest, `${w.name}: no request waits past the budget`).to.be.below(BUDGET_MS + MARGIN_MS);
      }
      // Around the faults (requests that straddle an edge) an API request is 200 or 503; a page is always served.
      expect(samples.filter((s) => s.route === 'watch' && s.status !== 200)).to.deep.equal([]);
      expect(samples.filter((s) => s.route === 'api' && !(s.status === 200 || (s.status === 503 && s.retryAfter === '30')))).to.deep.equal([]);
      // Once the store answered again, everything is 200 again until the next fault.
      const healthy = samples.filter((s) => recoveredAt.some((at, i) => s.start >= at && s.start < (windows[i + 1]?.start ?? Infinity) - 400));
      expect(healthy.length).to.be.greaterThan(20);
      expect(healthy.filter((s) => s.status !== 200), 'after recovery').to.deep.equal([]);

      // Fail open during the faults: the third device got the page...
      for (const intruder of intruders) {
        expect([intruder.fault, intruder.status]).to.deep.equal([intruder.fault, 200]);
        expect(intruder.ms, `${intruder.fault}: the intruder's request`).to.be.below(BUDGET_MS + MARGIN_MS);
      }
      // ...and nothing was lost or half-written: the same two devices per account, all still attached,
      // and the limit holds for the intruders (whose queued attach ran late) and for a new device.
      for (const account of accounts) expect(await attachedIds(account), account).to.deep.equal(before.get(account));
      for (const intruder of intruders) {
        const next = await intruder.browser.get('/watch/2');
        expect([intruder.fault, next.status, next.location?.startsWith('/sharelock/challenge/')]).to.deep.equal([intruder.fault, 303, true]);
      }
      for (const account of accounts) expect((await new Browser(base, account).get('/watch/3')).status, `a third device of ${account}`).to.equal(303);
      for (const browser of browsers) expect((await browser.get('/watch/4')).status, 'the devices attached before').to.equal(200);

      const failed = windows.reduce((n, w) => n + within(w).length, 0) + intruders.length;
      const stats = guard.stats();
      expect(stats.storeFailures, 'every request decided during a fault was a counted store failure').to.be.at.least(failed);
      // Logged once per outage, and its end once.
      expect(errors.filter((m) => m.startsWith('The store failed'))).to.have.length(3);
      expect(warnings.filter((m) => m === 'The store answers again.')).to.have.length(3);
      console.log(`      ${report.join('\n      ')}\n      storeFailures ${stats.storeFailures}; ${samples.length} requests in all; devices before and after: ${accounts.map((a) => `${a} ${before.get(a)!.length}`).join(', ')}`);
    } finally {
      await app?.close();
      await store.close();
    }
  });

  it('lets a slow Redis that answers within the budget decide as usual: the third device is challenged, no failure counted', async () => {
    const store = RedisStore.fromUrl(redis.url, { prefix: 'faults-slow:' });
    let app: ScenarioApp | undefined;
    try {
      app = await expressScenarioApp(express, { store, storeTimeoutMs: 1000 });
      const base = await listen(app.server);
      for (let i = 0; i < 2; i++) expect((await new Browser(base, 'eve').get('/watch/1')).status).to.equal(200);
      const slept = redis.sleep(0.3);
      await sleep(30);
      const third = await new Browser(base, 'eve').get('/watch/1');
      await slept;
      expect(third.status).to.equal(303);
      expect(third.ms, 'it waited for the slow store').to.be.within(150, 1000);
      expect(app.guard.stats().storeFailures).to.equal(0);
    } finally {
      await app?.close();
      await store.close();
    }
  });
});

function summary(samples: Sample[]): string {
  const counts = new Map<number, number>();
  for (const s of samples) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return `(${[...counts].map(([status, n]) => `${n}× ${status}`).join(', ')})`;
}
