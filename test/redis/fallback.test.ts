import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createSharelock, MemoryStore, SharelockError, type Identity, type Sharelock, type Store } from '../../src/index.js';
import { FallbackStore, RedisStore } from '../../src/stores/redis.js';
import type { ChallengeRecord } from '../../src/model.js';
import type { AttachInput } from '../../src/stores/store.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';
import { startSilentServer } from '../support/silent-server.js';
import { freePort } from '../support/process.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { describeStoreContract } from '../stores/store-contract.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;

let prefixes = 0;
const freshPrefix = (): string => `fallback${++prefixes}:`;

/** Wait until ioredis has reconnected to a restarted server (its backoff, not the store, decides when). */
async function reconnected(client: Redis): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await client.ping().then(() => true, () => false))) {
    if (Date.now() > deadline) throw new Error('Redis did not come back within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The primary, with every call it receives counted; the calls themselves are the real store's. */
function counted(store: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

function attach(accountId: string, deviceId: string, at = T0): AttachInput {
  return { accountId, deviceId, type: 'computer', agent: { browser: 'Firefox' }, access: { at, deviceId }, limits: { devices: 2 }, inactiveBefore: at - 7 * 86_400_000, historySize: 10 };
}

function challenge(overrides: Partial<ChallengeRecord> = {}): ChallengeRecord {
  return {
    id: 'ch-down',
    accountId: 'acct',
    deviceId: 'dev',
    kind: 'device_limit',
    reasons: [],
    status: 'code_sent',
    limits: { devices: 2 },
    device: { type: 'computer', agent: {} },
    contact: { email: 'owner@example.com' },
    attempts: 0,
    createdAt: T0,
    updatedAt: T0,
    expiresAt: T0 + 10 * MINUTE,
    ...overrides,
  };
}

describe('FallbackStore', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let client: Redis;

  before(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {}); // these tests stop Redis on purpose
  });

  after(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  // Healthy means Redis answers: a busy test machine must not push a call past the default 250 ms
  // and into the fallback, where the contract's races would be split between two stores.
  const HEALTHY = { primaryTimeoutMs: 5_000 };
  describeStoreContract('FallbackStore over a healthy Redis', () => new FallbackStore({ ...HEALTHY, primary: new RedisStore({ client, prefix: freshPrefix() }) }), {
    makeCappedStore: (maxDevicesPerAccount) => new FallbackStore({ ...HEALTHY, primary: new RedisStore({ client, prefix: freshPrefix(), maxDevicesPerAccount }) }),
  });

  describe('with Redis unreachable', () => {
    let closedUrl: string;
    before(async () => {
      closedUrl = `redis://127.0.0.1:${await freePort()}`;
    });
    // Nobody listens on the port; without the offline queue every Redis call fails at once.
    const unreachable = (): RedisStore => RedisStore.fromUrl(closedUrl, { redisOptions: { enableOfflineQueue: false, retryStrategy: () => 1000 } });
    describeStoreContract('FallbackStore with Redis unreachable', () => new FallbackStore({ primary: unreachable() }), {
      makeCappedStore: (maxDevicesPerAccount) => new FallbackStore({ primary: unreachable(), fallback: new MemoryStore({ maxDevicesPerAccount }) }),
    });
  });

  describe('Redis stopped and restarted under a sharelock core', () => {
    it('keeps enforcing limits from memory while Redis is down, then uses Redis again after retryAfterMs', async () => {
      const clock = new FakeClock();
      const prefix = freshPrefix();
      const switches: string[] = [];
      const store = new FallbackStore({ primary: new RedisStore({ client, prefix }), now: clock.now, retryAfterMs: 5000, onSwitch: (to) => switches.push(to) });
      const logged: string[] = [];
      const guard: Sharelock<Identity | null> = createSharelock<Identity | null>({
        secret: SECRET,
        identify: (identity) => identity,
        limits: { devices: 2 },
        store,
        now: clock.now,
        logger: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
      });
      const inRedis = new RedisStore({ client, prefix });
      const kinds = async (account: string, count: number): Promise<string[]> => {
        const verdicts: string[] = [];
        for (let i = 0; i < count; i++) verdicts.push((await new CoreDevice(guard, { id: account, email: `${account}@example.com` }).open()).verdict.kind);
        return verdicts;
      };
      try {
        expect(await kinds('alice', 3)).to.deep.equal(['allow', 'allow', 'challenge']);
        expect(await inRedis.listDevices('alice')).to.have.length(2);

        await redis.stop();
        const started = performance.now();
        // Limits still hold, from this process's memory: bob's third device is challenged.
        expect(await kinds('bob', 2)).to.deep.equal(['allow', 'allow']);
        const third = new CoreDevice(guard, { id: 'bob', email: 'bob@example.com' });
        const challenged = await third.open();
        expect(challenged.verdict.kind).to.equal('challenge');
        expect(performance.now() - started).to.be.below(1000);
        expect(challenged.verdict.reasons.map((r) => r.check)).to.not.include('store_unavailable');
        // The trade-off: memory never saw alice's two devices, so her new device gets in.
        expect(await kinds('alice', 1)).to.deep.equal(['allow']);
        expect(switches).to.deep.equal(['fallback']);
        expect(guard.stats().storeFailures).to.equal(0);
        expect(logged).to.deep.equal([]);

        await redis.restart();
        await reconnected(client);
        // Within retryAfterMs of the failure, calls stay on the fallback: dave is not written to Redis.
        expect(await kinds('dave', 1)).to.deep.equal(['allow']);
        expect(await inRedis.listDevices('dave')).to.deep.equal([]);
        clock.advance(5000);
        expect(await kinds('carol', 3)).to.deep.equal(['allow', 'allow', 'challenge']);
        expect(switches).to.deep.equal(['fallback', 'primary']);
        expect(store.usingFallback).to.equal(false);
        // carol is in Redis; what memory learned during the outage is not merged back.
        expect((await inRedis.listDevices('carol')).map((d) => d.status)).to.deep.equal(['attached', 'attached']);
        expect(await inRedis.listDevices('bob')).to.deep.equal([]);

        // bob's challenge, opened during the outage, can still be finished now that Redis is back.
        const id = (challenged.verdict as { challenge: { id: string } }).challenge.id;
        expect(await inRedis.getChallenge(id)).to.equal(undefined);
        expect((await guard.challenges.claimOwnership(id, challenged.deviceId!)).ok).to.equal(true);
        expect(await guard.challenges.verifyCode(id, challenged.deviceId!, '000000')).to.deep.include({ ok: false, error: 'wrong_code' });
        const code = guard.outbox!.latest('bob@example.com')!.code;
        const verified = await guard.challenges.verifyCode(id, challenged.deviceId!, code);
        expect(verified.ok && verified.value.status).to.equal('verified');
      } finally {
        await guard.close();
        await store.close();
      }
    });

    it('finds a challenge opened on the fallback in memory after Redis returns, until a newer one on Redis overrides it', async () => {
      const clock = new FakeClock(T0);
      const prefix = freshPrefix();
      const store = new FallbackStore({ primary: new RedisStore({ client, prefix }), now: clock.now });
      try {
        await redis.stop();
        await store.createChallenge(challenge());
        expect(store.usingFallback).to.equal(true);
        await redis.restart();
        await reconnected(client);
        clock.advance(1000);
        expect(await store.attach(attach('acct', 'other'))).to.have.nested.property('outcome.kind', 'attached');
        expect(store.usingFallback).to.equal(false);

        expect(await store.getChallenge('ch-down')).to.include({ id: 'ch-down', status: 'code_sent' });
        expect(await store.findPendingChallenge('acct', 'dev')).to.include({ id: 'ch-down' });
        expect(await store.recordFailedAttempt('ch-down', 5)).to.include({ attempts: 1 });
        expect(await store.updateChallenge('ch-down', ['code_sent'], { status: 'verified' })).to.include({ status: 'verified' });
        expect(await new RedisStore({ client, prefix }).getChallenge('ch-down')).to.equal(undefined);

        await store.updateChallenge('ch-down', ['verified'], { status: 'code_sent' });
        await store.createChallenge(challenge({ id: 'ch-up', createdAt: T0 + MINUTE, updatedAt: T0 + MINUTE, status: 'created' }));
        expect(await store.findPendingChallenge('acct', 'dev')).to.include({ id: 'ch-up' });
        expect(await store.getChallenge('ch-down')).to.include({ status: 'overridden', updatedAt: T0 + MINUTE });
        expect(await new RedisStore({ client, prefix }).getChallenge('ch-up')).to.include({ status: 'created' });
      } finally {
        await store.close();
      }
    });
  });

  describe('a Redis that never answers', () => {
    let silent: Awaited<ReturnType<typeof startSilentServer>>;
    let url: string;

    before(async () => {
      silent = await startSilentServer();
      url = silent.url;
    });

    after(() => silent.close());

    it('answers from memory after primaryTimeoutMs, leaves the primary alone for retryAfterMs, then tries it once', async () => {
      const clock = new FakeClock(T0);
      const primary = counted(RedisStore.fromUrl(url));
      const store = new FallbackStore({ primary: primary.store, primaryTimeoutMs: 100, retryAfterMs: 1000, now: clock.now });
      try {
        const started = performance.now();
        expect((await store.attach(attach('acct', 'd1'))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        expect(performance.now() - started).to.be.within(90, 1000);
        expect(primary.calls).to.deep.equal(['attach']);

        clock.advance(999);
        expect((await store.attach(attach('acct', 'd2'))).outcome.kind).to.equal('attached');
        expect((await store.attach(attach('acct', 'd3'))).outcome.kind).to.equal('over_limit');
        expect(primary.calls).to.deep.equal(['attach']);

        clock.advance(1);
        // One call retries the primary; calls made meanwhile do not wait on it.
        const retry = store.listDevices('acct');
        expect((await store.listDevices('acct')).map((d) => d.id).sort()).to.deep.equal(['d1', 'd2']);
        expect((await retry).map((d) => d.id).sort()).to.deep.equal(['d1', 'd2']);
        expect(primary.calls).to.deep.equal(['attach', 'listDevices']);
        expect(store.usingFallback).to.equal(true);
      } finally {
        await store.close();
      }
    });
  });

  describe('options', () => {
    it('rejects a missing primary, unknown options and bad durations, naming the option', () => {
      const primary = new MemoryStore();
      const cases: Array<[unknown, string, RegExp]> = [
        [{}, 'SHARELOCK_E_OPTION_INVALID', /`primary` is invalid: got undefined/],
        [{ primary, fallbackStore: new MemoryStore() }, 'SHARELOCK_E_OPTION_UNKNOWN', /no option `fallbackStore`/],
        [{ primary, primaryTimeoutMs: 0 }, 'SHARELOCK_E_OPTION_INVALID', /`primaryTimeoutMs` is invalid: got 0/],
        [{ primary, retryAfterMs: 1.5 }, 'SHARELOCK_E_OPTION_INVALID', /`retryAfterMs` is invalid: got 1\.5/],
        [{ primary, fallback: {} }, 'SHARELOCK_E_OPTION_INVALID', /`fallback` is invalid/],
      ];
      for (const [options, code, message] of cases) {
        expect(() => new FallbackStore(options as never))
          .to.throw(SharelockError, message)
          .with.property('code', code);
      }
    });
  });
});
