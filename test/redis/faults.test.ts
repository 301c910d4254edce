import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createSharelock, type Decision, type Identity, type Options, type Sharelock, type Store } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import { CoreDevice } from '../support/core-device.js';
import { startSilentServer } from '../support/silent-server.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const BUDGET_MS = 200;

interface Logged {
  level: 'warn' | 'error';
  message: string;
}

function setup(store: Store, options: Partial<Options<Identity | null>> = {}): { guard: Sharelock<Identity | null>; logged: Logged[] } {
  const logged: Logged[] = [];
  const guard = createSharelock<Identity | null>({
    secret: SECRET,
    identify: (identity) => identity,
    limits: { devices: 2 },
    store,
    storeTimeoutMs: BUDGET_MS,
    logger: { warn: (message) => logged.push({ level: 'warn', message }), error: (message) => logged.push({ level: 'error', message }) },
    ...options,
  });
  return { guard, logged };
}

/** A new device of `account` (so the verdict cache cannot answer), and how long its decision took. */
async function timedNewDevice(guard: Sharelock<Identity | null>, account: string): Promise<{ decision: Decision; ms: number }> {
  const started = performance.now();
  const decision = await new CoreDevice(guard, { id: account }).open();
  return { decision, ms: performance.now() - started };
}

const checks = (decision: Decision): string[] => decision.verdict.reasons.map((r) => r.check);

describe('sharelock over Redis when Redis fails', function () {
  this.timeout(30_000);

  describe('Redis stopped mid-test, then restarted', () => {
    let redis: RedisServer;
    let client: Redis;

    before(async () => {
      redis = await startRedisServer();
      client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      client.on('error', () => {}); // reconnection errors are the point of this test
    });

    after(async () => {
      client?.disconnect();
      await redis?.stop();
    });

    it('fails open within the budget, counts and logs once, then enforces limits through Redis again by itself', async () => {
      const store = new RedisStore({ client, prefix: 'faults:' });
      const { guard, logged } = setup(store);
      try {
        expect((await timedNewDevice(guard, 'alice')).decision.verdict.kind).to.equal('allow');
        expect((await timedNewDevice(guard, 'alice')).decision.verdict.kind).to.equal('allow');
        expect((await timedNewDevice(guard, 'alice')).decision.verdict.kind).to.equal('challenge');
        // The challenge's insight counters are written in the background; let them land first.
        await guard.insights();

        await redis.stop();
        const timings: number[] = [];
        for (let i = 0; i < 5; i++) {
          const { decision, ms } = await timedNewDevice(guard, i % 2 ? 'alice' : 'bob');
          timings.push(ms);
          expect(decision.verdict.kind).to.equal('allow');
          expect(checks(decision)).to.deep.equal(['store_unavailable']);
          expect(ms).to.be.below(1000);
        }
        console.log(`      Redis down: decisions took ${timings.map((ms) => ms.toFixed(0)).join(', ')} ms (storeTimeoutMs ${BUDGET_MS})`);
        expect(guard.stats().storeFailures).to.equal(5);
        expect(logged.filter((l) => l.level === 'error')).to.have.length(1);
        expect(logged[0]!.message).to.match(/The store failed \(store\.attach\(\)\); applying `storeFailure`/);

        await redis.restart();
        // Nothing is recreated: the same guard, store and client find Redis again once ioredis has
        // reconnected (with backoff). Each probe is a new account, so the cache cannot answer.
        const recoveredAt = performance.now();
        let probes = 0;
        for (;;) {
          const { decision } = await timedNewDevice(guard, `probe-${probes++}`);
          if (!checks(decision).includes('store_unavailable')) break;
          if (performance.now() - recoveredAt > 10_000) throw new Error('the guard did not go back to Redis within 10 s');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        console.log(`      Redis back: decisions used it again after ${(performance.now() - recoveredAt).toFixed(0)} ms (${probes} probes)`);
        expect(logged.filter((l) => l.message === 'The store answers again.')).to.have.length(1);

        // The restarted Redis is empty (no persistence): a new account fills up and is challenged again.
        expect((await timedNewDevice(guard, 'carol')).decision.verdict.kind).to.equal('allow');
        expect((await timedNewDevice(guard, 'carol')).decision.verdict.kind).to.equal('allow');
        expect((await timedNewDevice(guard, 'carol')).decision.verdict.kind).to.equal('challenge');
        expect((await store.listDevices('carol')).filter((d) => d.status === 'attached')).to.have.length(2);
        expect(logged.filter((l) => l.level === 'error')).to.have.length(1);
      } finally {
        await guard.close();
        await store.close();
      }
    });
  });

  describe('a Redis that accepts connections and never answers', () => {
    let silent: Awaited<ReturnType<typeof startSilentServer>>;
    let url: string;

    before(async () => {
      silent = await startSilentServer();
      url = silent.url;
    });

    after(() => silent.close());

    it('finishes every decision within the budget, failing open', async () => {
      const store = RedisStore.fromUrl(url);
      const { guard, logged } = setup(store);
      try {
        for (let i = 0; i < 3; i++) {
          const { decision, ms } = await timedNewDevice(guard, 'alice');
          expect(decision.verdict.kind).to.equal('allow');
          expect(checks(decision)).to.deep.equal(['store_unavailable']);
          expect(ms).to.be.within(BUDGET_MS - 10, 1000);
        }
        expect(silent.connections()).to.be.greaterThan(0); // it did connect, and was left waiting
        expect(guard.stats().storeFailures).to.equal(3);
        expect(logged.filter((l) => l.level === 'error')).to.have.length(1);
        expect(logged[0]!.message).to.include('The store failed');
      } finally {
        await guard.close();
        await store.close();
      }
    });

    it("answers 503 within the budget when storeFailure is 'deny'", async () => {
      const store = RedisStore.fromUrl(url);
      const { guard } = setup(store, { storeFailure: 'deny' });
      try {
        const { decision, ms } = await timedNewDevice(guard, 'alice');
        expect(decision.verdict).to.deep.include({ kind: 'deny', status: 503 });
        expect(checks(decision)).to.deep.equal(['store_unavailable']);
        expect(ms).to.be.below(1000);
      } finally {
        await guard.close();
        await store.close();
      }
    });
  });
});
