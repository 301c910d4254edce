import { expect } from 'chai';
import { Cluster, Redis } from 'ioredis';
import { createServer, type Socket } from 'node:net';
import type { SharelockError } from '../../src/errors.js';
import type { ChallengeRecord } from '../../src/model.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { AttachInput } from '../../src/stores/store.js';
import { withTimeout } from '../../src/stores/timeout.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { describeStoreContract } from './store-contract.js';
import { createSharelock, type Identity, type Sharelock } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

let prefixes = 0;
/** A fresh prefix per store, so tests sharing one server never see each other's keys. */
const freshPrefix = (): string => `test${++prefixes}:`;

function attach(accountId: string, deviceId: string, overrides: Partial<AttachInput> = {}): AttachInput {
  const at = overrides.access?.at ?? T0;
  return {
    accountId,
    deviceId,
    type: 'computer',
    agent: { browser: 'Chrome', browserVersion: '131.0.0.0', os: 'Windows', osVersion: '10' },
    access: { at, deviceId, ip: '203.0.113.10', page: '/courses/typescript/lesson-3', location: { country: 'FR', city: 'Paris', lat: 48.8566, lon: 2.3522, accuracyKm: 20 } },
    limits: { devices: 3 },
    inactiveBefore: at - 7 * DAY,
    historySize: 50,
    ...overrides,
  };
}

function challenge(overrides: Partial<ChallengeRecord> = {}): ChallengeRecord {
  return {
    id: 'ch-1',
    accountId: 'acct',
    deviceId: 'dev',
    kind: 'device_limit',
    reasons: [{ check: 'device_count', observed: 4, threshold: 3 }],
    status: 'created',
    limits: { devices: 3 },
    device: { type: 'mobile', agent: { browser: 'Safari', os: 'iOS' } },
    contact: { email: 'owner@example.com' },
    attempts: 0,
    createdAt: T0,
    updatedAt: T0,
    expiresAt: T0 + 10 * MINUTE,
    ...overrides,
  };
}

/** Resolve once `check` passes, polling every 10 ms; fail after `timeoutMs`. */
async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

describe('RedisStore', () => {
  let server: RedisServer;
  let client: Redis;

  before(async () => {
    server = await startRedisServer();
    client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });

  after(async () => {
    client.disconnect();
    await server?.stop();
  });

  describeStoreContract('RedisStore', () => new RedisStore({ client, prefix: freshPrefix() }), {
    makeCappedStore: (maxDevicesPerAccount) => new RedisStore({ client, prefix: freshPrefix(), maxDevicesPerAccount }),
  });

  describe('keys', () => {
    it('gives every key it writes a TTL, and writes no other keys', async () => {
      const prefix = freshPrefix();
      const store = new RedisStore({ client, prefix });
      await store.attach(attach('acct', 'dev-1'));
      await store.attach(attach('acct', 'dev-2', { metadata: { session: 's1' } }));
      await store.setDeviceStatus('acct', 'dev-2', 'kicked', T0);
      await store.saveProfile('acct', { households: 1 });
      await store.setAccountStatus('suspended-acct', 'suspended');
      await store.setAccountStatus('acct', 'suspended');
      await store.setAccountStatus('acct', 'active');
      await store.createChallenge(challenge({ id: 'ch-1', accountId: 'acct', deviceId: 'dev-3' }));
      await store.createChallenge(challenge({ id: 'ch-2', accountId: 'acct', deviceId: 'dev-3', createdAt: T0 + MINUTE }));
      await store.updateChallenge('ch-2', ['created'], { status: 'code_sent', expiresAt: T0 + 20 * MINUTE });
      await store.recordFailedAttempt('ch-2', 5);
      await store.countHit('acct', 'wrongCodes:dev-3', 60 * MINUTE, T0);
      await store.countHit('acct', 'nothing-counted', 60 * MINUTE, T0, 0);

      const keys = await keysUnder(client, prefix);
      expect(keys).to.deep.equal([`${prefix}ch:{ch-1}`, `${prefix}ch:{ch-2}`, `${prefix}{acct}:c`, `${prefix}{acct}:d`, `${prefix}{acct}:h`, `${prefix}{acct}:n:wrongCodes:dev-3`, `${prefix}{acct}:ns`, `${prefix}{acct}:p`, `${prefix}{suspended-acct}:s`]);
      for (const key of keys) expect(await client.pttl(key), key).to.be.greaterThan(0);
    });

    it('keeps exposures for their ttl in the device\'s slot, and every insights key in one slot for its ttl', async () => {
      const prefix = freshPrefix();
      const store = new RedisStore({ client, prefix });
      await store.recordExposure('dev-1', { at: T0, accountId: 'acct', via: 'challenge', challengeId: 'ch-1' }, 30 * DAY);
      await store.recordExposure('dev-1', { at: T0 + 1, accountId: 'acct', via: 'history' }, DAY); // a shorter ttl never shortens the list's
      const conversion = { at: T0, accountId: 'new:acct', deviceId: 'dev-1', fromAccountId: 'acct', via: 'challenge' as const };
      await store.recordConversion(conversion, '2026-01-05', { cv: 1, 'rev:EUR': 99_900 }, 400 * DAY);
      await store.countDay('2026-01-05', { 'ch:device_limit:created': 1 }, 400 * DAY);
      await store.countDay('2026-01-04', { 'ch:verify:created': 1 }, 399 * DAY);

      const keys = await keysUnder(client, prefix);
      expect(keys).to.deep.equal([`${prefix}dv:{dev-1}`, `${prefix}in:{insights}:cv:dev-1:new%3Aacct`, `${prefix}in:{insights}:d:2026-01-04`, `${prefix}in:{insights}:d:2026-01-05`, `${prefix}in:{insights}:l:2026-01-05`]);
      expect(await client.pttl(`${prefix}dv:{dev-1}`)).to.be.within(30 * DAY - 5000, 30 * DAY);
      for (const key of keys.filter((k) => k.includes('2026-01-05') || k.includes(':cv:'))) expect(await client.pttl(key), key).to.be.within(400 * DAY - 5000, 400 * DAY);
      expect(await client.pttl(`${prefix}in:{insights}:d:2026-01-04`)).to.be.within(399 * DAY - 5000, 399 * DAY);
      const slots = new Set(await Promise.all(keys.filter((k) => k.includes(':in:')).map((k) => client.call('CLUSTER', 'KEYSLOT', k).catch(() => k.replace(/^.*\{(.*)\}.*$/, '$1')))));
      expect(slots.size, 'one slot for every insights key').to.equal(1);
      expect(await client.hgetall(`${prefix}in:{insights}:d:2026-01-05`)).to.deep.equal({ cv: '1', 'rev:EUR': '99900', 'ch:device_limit:created': '1' });
    });

    it('keeps a counter until a minute after its window ends, in its account\'s slot', async () => {
      const prefix = freshPrefix();
      const store = new RedisStore({ client, prefix });
      await store.countHit('acct', 'codesSent', 10 * MINUTE, T0);
      await store.countHit('acct', 'codesSent', 10 * MINUTE, T0 + 4 * MINUTE);
      // 6 minutes of the window left, and a minute for a server whose clock is behind.
      expect(await client.pttl(`${prefix}{acct}:n:codesSent`)).to.be.within(7 * MINUTE - 5000, 7 * MINUTE);
      expect(await client.get(`${prefix}{acct}:n:codesSent`)).to.equal(`2 ${T0 + 10 * MINUTE}`);
    });

    it('keeps an account for the longer of its inactive window and retentionMs, and a challenge until a grace period after it expires', async () => {
      const prefix = freshPrefix();
      const store = new RedisStore({ client, prefix, retentionMs: DAY, challengeGraceMs: 5 * MINUTE });
      await store.attach(attach('acct', 'dev', { inactiveBefore: T0 - 7 * DAY }));
      expect(await client.pttl(`${prefix}{acct}:d`)).to.be.within(7 * DAY - 5000, 7 * DAY);
      await store.attach(attach('acct', 'dev', { inactiveBefore: T0 - MINUTE }));
      expect(await client.pttl(`${prefix}{acct}:h`)).to.be.within(DAY - 5000, DAY);

      await store.createChallenge(challenge());
      expect(await client.pttl(`${prefix}ch:{ch-1}`)).to.be.within(15 * MINUTE - 5000, 15 * MINUTE);
      await store.updateChallenge('ch-1', ['created'], { expiresAt: T0 + 60 * MINUTE });
      expect(await client.pttl(`${prefix}ch:{ch-1}`)).to.be.within(65 * MINUTE - 5000, 65 * MINUTE);
    });

    it('attaches in one round trip', async () => {
      const sent: string[] = [];
      // Record each command the store sends; everything else goes to the real client.
      const counting = new Proxy(client, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            sent.push(String(property));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const store = new RedisStore({ client: counting, prefix: freshPrefix() });
      await store.attach(attach('acct', 'dev-1')); // the first call also loads the script
      sent.length = 0;
      await store.attach(attach('acct', 'dev-2'));
      await store.attach(attach('acct', 'dev-1', { access: { at: T0 + 1, deviceId: 'dev-1' } }));
      expect(sent).to.deep.equal(['evalsha', 'evalsha']);
    });

    it('keeps at most maxDevicesPerAccount devices, forgetting the least recently seen ones whose logout was delivered', async () => {
      const store = new RedisStore({ client, prefix: freshPrefix(), maxDevicesPerAccount: 3 });
      const limits = { devices: 100 };
      for (const [i, id] of ['d1', 'd2', 'd3'].entries()) await store.attach(attach('acct', id, { limits, access: { at: T0 + i, deviceId: id } }));
      await store.setDeviceStatus('acct', 'd1', 'detached', T0);
      await store.attach(attach('acct', 'd4', { limits, access: { at: T0 + 10, deviceId: 'd4' } }));
      expect((await store.listDevices('acct')).map((d) => d.id).sort()).to.deep.equal(['d1', 'd2', 'd3', 'd4']);

      expect((await store.attach(attach('acct', 'd1', { limits, access: { at: T0 + 11, deviceId: 'd1' } }))).outcome.kind).to.equal('logout');
      await store.setDeviceStatus('acct', 'd2', 'kicked', T0 + 12);
      await store.attach(attach('acct', 'd2', { limits, access: { at: T0 + 13, deviceId: 'd2' } })); // its logout, delivered
      await store.attach(attach('acct', 'd5', { limits, access: { at: T0 + 14, deviceId: 'd5' } }));
      // d1 (detached) and d2 (kicked) no longer count and have nothing to deliver: both go.
      const devices = await store.listDevices('acct');
      expect(devices.map((d) => d.id).sort()).to.deep.equal(['d3', 'd4', 'd5']);
    });
  });

  describe('scripts', () => {
    it('recovers when Redis forgets its scripts (SCRIPT FLUSH, restart, failover)', async () => {
      const store = new RedisStore({ client, prefix: freshPrefix() });
      await store.attach(attach('acct', 'dev'));
      await store.createChallenge(challenge({ status: 'code_sent' }));
      await client.script('FLUSH');
      expect((await store.attach(attach('acct', 'dev', { access: { at: T0 + 1, deviceId: 'dev' } }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: false });
      await client.script('FLUSH');
      expect(await store.recordFailedAttempt('ch-1', 5)).to.include({ attempts: 1 });
      await client.script('FLUSH');
      expect(await store.setDeviceStatus('acct', 'dev', 'kicked', T0 + 2)).to.include({ status: 'kicked' });
    });
  });

  describe('the history on a miss', () => {
    /** Each attach reply's history part, [length or -1 for all of it, entries], as Redis sent it. */
    function recordingHistories(target: Redis): { client: Redis; histories: Array<[number, string[]]> } {
      const histories: Array<[number, string[]]> = [];
      const recording = new Proxy(target, {
        get(object, property, receiver) {
          const value: unknown = Reflect.get(object, property, receiver);
          if ((property !== 'evalsha' && property !== 'eval') || typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            const reply = (await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args)) as unknown[];
            if (Array.isArray(reply) && Array.isArray(reply[4])) histories.push(reply[4] as [number, string[]]);
            return reply;
          };
        },
      });
      return { client: recording, histories };
    }
    const visit = (store: RedisStore, accountId: string, i: number, historySize = 50) =>
      store.attach(attach(accountId, 'dev', { historySize, access: { at: T0 + i, deviceId: 'dev', page: `/lesson/${i}` } }));

    it('brings only the accesses added since this process last judged the account, and hands out the whole history', async () => {
      const { client: recording, histories } = recordingHistories(client);
      const store = new RedisStore({ client: recording, prefix: freshPrefix() });
      for (let i = 0; i < 5; i++) await visit(store, 'acct', i);
      const { snapshot } = await visit(store, 'acct', 5);
      expect(snapshot.accesses.map((a) => a.page)).to.deep.equal(['/lesson/0', '/lesson/1', '/lesson/2', '/lesson/3', '/lesson/4', '/lesson/5']);
      expect(histories.map(([length, entries]) => [length, entries.length])).to.deep.equal([[-1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1]]);
      expect(Object.isFrozen(snapshot.accesses[0])).to.equal(true);
      expect(Object.isFrozen(snapshot.accesses[0]!.location)).to.equal(true);
      expect(Object.isFrozen(snapshot.accesses)).to.equal(true);
    });

    it('keeps the whole history, trimmed to historySize, while two app servers append to one account', async () => {
      const second = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        const prefix = freshPrefix();
        const servers = [new RedisStore({ client, prefix }), new RedisStore({ client: second, prefix })];
        for (let i = 0; i < 40; i++) {
          const { snapshot } = await visit(servers[(i * 7) % 3 === 0 ? 1 : 0]!, 'shared', i, 10);
          const expected = Array.from({ length: Math.min(i + 1, 10) }, (_, k) => T0 + i - Math.min(i, 9) + k);
          expect(snapshot.accesses.map((a) => a.at), `visit ${i}`).to.deep.equal(expected);
        }
      } finally {
        second.disconnect();
      }
    });

    it('reads the whole history again after the account is erased, or once the mirror has let the account go', async () => {
      const { client: recording, histories } = recordingHistories(client);
      const store = new RedisStore({ client: recording, prefix: freshPrefix(), mirroredAccesses: 15 });
      for (let i = 0; i < 3; i++) await visit(store, 'erased', i);
      await store.eraseAccount('erased');
      expect((await visit(store, 'erased', 3)).snapshot.accesses.map((a) => a.at)).to.deep.equal([T0 + 3]);
      // Two accounts of 10 accesses each do not fit in 15: each visit finds the other evicted.
      for (let i = 0; i < 10; i++) (await visit(store, 'a', i), await visit(store, 'b', i));
      histories.length = 0;
      const { snapshot } = await visit(store, 'a', 10);
      expect(snapshot.accesses).to.have.length(11);
      expect(histories[0]![0]).to.equal(-1);
    });
  });

  describe('several instances', () => {
    let second: Redis;

    beforeEach(() => {
      second = new Redis(server.url, { maxRetriesPerRequest: 1 });
    });

    afterEach(() => {
      second.disconnect();
    });

    it('lets exactly 3 of 50 devices racing through two connections in', async () => {
      const prefix = freshPrefix();
      const stores = [new RedisStore({ client, prefix }), new RedisStore({ client: second, prefix })];
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % 2]!.attach(attach('race', `racer-${i}`, { access: { at: T0 + i, deviceId: `racer-${i}` } }))),
      );
      expect(results.filter((r) => r.outcome.kind === 'attached')).to.have.length(3);
      const devices = await stores[0]!.listDevices('race');
      expect(devices.filter((d) => d.status === 'attached')).to.have.length(3);
    });

    it('keeps the challenge budgets across app servers: 50 racing guesses on two servers check 5 codes, and the other server then sends and checks none', async () => {
      const prefix = freshPrefix();
      const clock = new FakeClock();
      const guards = [client, second].map((c) =>
        createSharelock<Identity | null>({ secret: 'a-test-secret-that-is-long-enough-0123456789', identify: (i) => i, limits: { devices: 1 }, store: new RedisStore({ client: c, prefix }), now: clock.now, logger: { warn: () => {}, error: () => {} }, challenge: { maxAttempts: 20 } }),
      );
      const [one, two] = guards as [Sharelock<Identity | null>, Sharelock<Identity | null>];
      const alice: Identity = { id: 'alice', email: 'alice@example.com' };
      const mac = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' };
      await new CoreDevice(one, alice).open();
      const device = new CoreDevice(one, alice, mac);
      const challenged = async (guard: Sharelock<Identity | null>) => {
        // The same browser (its cookie), its request landing on either server.
        const decision = device.cookie ? await guard.decide(device.request(), alice) : await device.open();
        if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
        return { id: decision.verdict.challenge.id, deviceId: decision.deviceId! };
      };
      try {
        const { id, deviceId } = await challenged(one);
        await one.challenges.claimOwnership(id, deviceId);
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => guards[i % 2]!.challenges.verifyCode(id, deviceId, 'abcdef')));
        expect((await one.config.store.getChallenge(id))!.attempts, 'codes compared').to.equal(5);
        expect(results.every((r) => !r.ok), 'every guess refused').to.equal(true);
        // The 45 never compared say 'locked'; a compared one may say so too once the budget is spent,
        // depending on which server's answer lands first.
        expect(results.filter((r) => !r.ok && r.error === 'locked').length).to.be.at.least(45);
        clock.advance(60_000);
        const next = await challenged(two);
        expect(await two.challenges.sendCode(next.id, next.deviceId)).to.deep.include({ ok: false, error: 'locked', retryInMs: 59 * 60_000 });
        expect(await two.challenges.verifyCode(next.id, next.deviceId, '123456')).to.deep.include({ ok: false, error: 'locked' });
        expect(one.outbox!.messages.length + two.outbox!.messages.length, 'codes sent').to.equal(1);
      } finally {
        await Promise.all(guards.map((g) => g.close()));
      }
    });

    it('tells every instance when a device is kicked or an account suspended elsewhere', async () => {
      const prefix = freshPrefix();
      const acting = new RedisStore({ client, prefix });
      const listening = new RedisStore({ client: second, prefix });
      const unrelated = new RedisStore({ client: second, prefix: freshPrefix() });
      const heard: string[] = [];
      const heardByStopped: string[] = [];
      const heardUnrelated: string[] = [];
      listening.onInvalidate((id) => heard.push(id));
      const stop = listening.onInvalidate((id) => heardByStopped.push(id));
      unrelated.onInvalidate((id) => heardUnrelated.push(id));
      try {
        await acting.attach(attach('acct-1', 'dev'));
        // The subscription is set up in the background: repeat the kick until it is heard.
        await eventually(async () => {
          await acting.setDeviceStatus('acct-1', 'dev', 'kicked', T0);
          return heard.includes('acct-1');
        }, 'the kick to be heard');

        stop();
        await acting.setAccountStatus('acct-2', 'suspended');
        await eventually(() => heard.includes('acct-2'), 'the suspension to be heard');
        expect(heardByStopped).to.not.include('acct-2');
        expect(heardUnrelated).to.deep.equal([]);
      } finally {
        await listening.close();
        await unrelated.close();
      }
    });

    it('closes its subscriber connection but leaves the client it was given open', async () => {
      const prefix = freshPrefix();
      const store = new RedisStore({ client: second, prefix });
      const subscribers = async (): Promise<unknown> => ((await client.pubsub('NUMSUB', `${prefix}invalidate`)) as unknown[])[1];
      store.onInvalidate(() => {});
      await eventually(async () => (await subscribers()) === 1, 'the subscriber to connect');
      await store.close();
      await eventually(async () => (await subscribers()) === 0, 'the subscriber to disconnect');
      expect(await second.ping()).to.equal('PONG');
    });

    it('closes its subscriber connection once the last listener stops', async () => {
      const prefix = freshPrefix();
      const store = new RedisStore({ client: second, prefix });
      const subscribers = async (): Promise<unknown> => ((await client.pubsub('NUMSUB', `${prefix}invalidate`)) as unknown[])[1];
      const stops = [store.onInvalidate(() => {}), store.onInvalidate(() => {})];
      await eventually(async () => (await subscribers()) === 1, 'one subscriber for both listeners');
      stops[0]!();
      expect(await subscribers()).to.equal(1);
      stops[1]!();
      await eventually(async () => (await subscribers()) === 0, 'the subscriber to disconnect');
    });

    it('quits the connection it opened itself (fromUrl)', async () => {
      const store = RedisStore.fromUrl(server.url, { prefix: freshPrefix() });
      await store.attach(attach('acct', 'dev'));
      await store.close();
      let error: unknown;
      await store.listDevices('acct').catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(Error);
    });
  });

  describe('options', () => {
    it('rejects a missing client, a prefix with braces and bad bounds, naming the option', () => {
      const code = (fn: () => unknown): string | undefined => {
        try {
          fn();
        } catch (error) {
          return `${(error as SharelockError).code} ${(error as Error).message}`;
        }
        return undefined;
      };
      expect(code(() => new RedisStore({} as never))).to.match(/^SHARELOCK_E_OPTION_INVALID .*`client`/);
      expect(code(() => new RedisStore({ client, prefix: '{app}:' }))).to.match(/^SHARELOCK_E_OPTION_INVALID .*`prefix`.*"\{app\}:"/);
      expect(code(() => new RedisStore({ client, maxDevicesPerAccount: 0 }))).to.match(/`maxDevicesPerAccount`.*got 0/);
      expect(code(() => new RedisStore({ client, retentionMs: 1.5 }))).to.match(/`retentionMs`/);
      expect(code(() => new RedisStore({ client, challengeGraceMs: -1 }))).to.match(/`challengeGraceMs`/);
      expect(code(() => new RedisStore({ client, mirroredAccesses: -1 }))).to.match(/`mirroredAccesses`/);
    });
  });

  describe('memory', () => {
    it('measures memory per account, device and access', async function () {
      this.timeout(60_000);
      const prefix = freshPrefix();
      const store = new RedisStore({ client, prefix });
      const accounts = 200;
      const devicesPerAccount = 3;
      const accessesPerAccount = 50;
      for (let a = 0; a < accounts; a++) {
        const accountId = `user-${a.toString().padStart(6, '0')}`;
        const calls: Promise<unknown>[] = [];
        for (let i = 0; i < accessesPerAccount; i++) {
          const deviceId = `${'x'.repeat(18)}${a}-${i % devicesPerAccount}`.slice(-22); // 22 chars, like a 128-bit base64url id
          calls.push(
            store.attach(
              attach(accountId, deviceId, {
                access: { at: T0 + i * MINUTE, deviceId, ip: `203.0.113.${i % 250}`, page: '/courses/typescript/lesson-3', location: { country: 'FR', city: 'Paris', lat: 48.8566, lon: 2.3522, accuracyKm: 20 } },
                metadata: { session: `sess_${a}_${i % devicesPerAccount}_abcdefghijklmnop` },
              }),
            ),
          );
        }
        await Promise.all(calls);
      }
      const usage = async (suffix: string): Promise<number> => {
        let total = 0;
        for (const key of await keysUnder(client, prefix)) if (key.endsWith(suffix)) total += Number(await client.memory('USAGE', key, 'SAMPLES', '0'));
        return total;
      };
      const devicesBytes = await usage(':d');
      const historyBytes = await usage(':h');
      await store.createChallenge(challenge());
      const challengeBytes = Number(await client.memory('USAGE', `${prefix}ch:{ch-1}`, 'SAMPLES', '0'));
      const pointerBytes = Number(await client.memory('USAGE', `${prefix}{acct}:c`, 'SAMPLES', '0'));
      const perDevice = Math.round(devicesBytes / (accounts * devicesPerAccount));
      const perAccess = Math.round(historyBytes / (accounts * accessesPerAccount));
      const perAccount = Math.round((devicesBytes + historyBytes) / accounts);
      console.log(
        `      RedisStore memory (MEMORY USAGE): ${perDevice} B per device, ${perAccess} B per access, ` +
          `${perAccount} B per account with ${devicesPerAccount} devices and ${accessesPerAccount} accesses; ` +
          `${challengeBytes} B per challenge + ${pointerBytes} B pointer hash`,
      );
      expect(perDevice).to.be.below(1024);
      expect(perAccess).to.be.below(512);
    });
  });

  describe('faults', () => {
    let own: RedisServer;

    before(async () => {
      own = await startRedisServer();
    });

    after(async () => {
      await own?.stop();
    });

    it('rejects calls while Redis is down, and works again after it restarts, without being recreated', async function () {
      this.timeout(30_000);
      const ownClient = new Redis(own.url, { maxRetriesPerRequest: 1 });
      const listener = new Redis(own.url, { maxRetriesPerRequest: 1 });
      // Reconnection errors are expected here; without a handler ioredis prints each one.
      ownClient.on('error', () => {});
      listener.on('error', () => {});
      const store = new RedisStore({ client: ownClient });
      const listening = new RedisStore({ client: listener });
      const heard: string[] = [];
      listening.onInvalidate((id) => heard.push(id));
      try {
        expect((await store.attach(attach('acct', 'dev'))).outcome.kind).to.equal('attached');
        await eventually(async () => {
          await store.setAccountStatus('before-restart', 'active');
          return heard.includes('before-restart');
        }, 'an invalidation before the restart');

        await own.stop();
        const started = Date.now();
        // 5 s is only a guard: the call must fail by itself, not through this timeout.
        const error = await withTimeout(store.attach(attach('acct', 'dev')), 5000, 'attach').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(Error);
        expect((error as SharelockError).code).to.not.equal('SHARELOCK_E_STORE_TIMEOUT');
        console.log(`      with Redis down, attach rejected after ${Date.now() - started} ms: ${(error as Error).message}`);

        await own.restart();
        // ioredis reconnects with backoff; nothing survives the restart (no persistence).
        await eventually(
          () => store.attach(attach('acct', 'dev')).then(() => true, () => false),
          'the store to work again',
          10_000,
        );
        expect((await store.attach(attach('acct', 'dev-2'))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        // The subscriber resubscribed by itself.
        await eventually(async () => {
          await store.setDeviceStatus('acct', 'dev', 'kicked', T0);
          return heard.includes('acct');
        }, 'an invalidation after the restart', 10_000);
      } finally {
        await listening.close();
        ownClient.disconnect();
        listener.disconnect();
      }
    });

    it('hears invalidations even when Redis was down as it started listening', async function () {
      this.timeout(30_000);
      const acting = new Redis(own.url, { maxRetriesPerRequest: 1 });
      const listener = new Redis(own.url, { maxRetriesPerRequest: 1 });
      acting.on('error', () => {});
      listener.on('error', () => {});
      const store = new RedisStore({ client: acting });
      const listening = new RedisStore({ client: listener });
      const heard: string[] = [];
      try {
        await own.stop();
        listening.onInvalidate((id) => heard.push(id));
        // Stay down through a few reconnection attempts (50, 100, 150 ms...), long enough for
        // ioredis to drop a SUBSCRIBE queued while disconnected.
        await new Promise((resolve) => setTimeout(resolve, 600));
        await own.restart();
        await eventually(async () => {
          await store.setAccountStatus('acct', 'suspended').catch(() => {});
          return heard.includes('acct');
        }, 'an invalidation once Redis is back', 10_000);
      } finally {
        await listening.close();
        acting.disconnect();
        listener.disconnect();
      }
    });

    it('times out, within the budget, on a server that accepts connections and never answers', async () => {
      const sockets: Socket[] = [];
      const silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const silentClient = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      silentClient.on('error', () => {});
      const store = new RedisStore({ client: silentClient });
      try {
        for (const call of [() => store.attach(attach('acct', 'dev')), () => store.getChallenge('ch-1'), () => store.setAccountStatus('acct', 'suspended')]) {
          const started = Date.now();
          const error = await withTimeout<unknown>(call(), 150, 'store call').then(
            () => undefined,
            (e: unknown) => e,
          );
          const elapsed = Date.now() - started;
          expect((error as SharelockError | undefined)?.code).to.equal('SHARELOCK_E_STORE_TIMEOUT');
          expect(elapsed).to.be.within(140, 1000); // slack for a loaded CI machine
        }
      } finally {
        silentClient.disconnect();
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });
});

describe('RedisStore on Redis Cluster', () => {
  let server: RedisServer;
  let cluster: Cluster;

  before(async () => {
    server = await startRedisServer({ cluster: true });
    cluster = new Cluster([{ host: '127.0.0.1', port: server.port }], { redisOptions: { maxRetriesPerRequest: 1 } });
  });

  after(async () => {
    cluster?.disconnect();
    await server?.stop();
  });

  // Redis Cluster refuses any script whose keys are in different slots (CROSSSLOT), even on one node.
  describeStoreContract('RedisStore on Cluster', () => new RedisStore({ client: cluster, prefix: freshPrefix() }), {
    makeCappedStore: (maxDevicesPerAccount) => new RedisStore({ client: cluster, prefix: freshPrefix(), maxDevicesPerAccount }),
  });

  it('tells other instances about a kick through the cluster', async () => {
    const prefix = freshPrefix();
    const acting = new RedisStore({ client: cluster, prefix });
    const listening = new RedisStore({ client: cluster, prefix });
    const heard: string[] = [];
    listening.onInvalidate((id) => heard.push(id));
    try {
      await acting.attach(attach('acct', 'dev'));
      await eventually(async () => {
        await acting.setDeviceStatus('acct', 'dev', 'kicked', T0);
        return heard.includes('acct');
      }, 'the kick to be heard');
    } finally {
      await listening.close();
    }
  });
});
