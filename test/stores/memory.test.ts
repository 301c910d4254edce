import { expect } from 'chai';
import type { ChallengeRecord, DeviceType } from '../../src/model.js';
import { SharelockError } from '../../src/errors.js';
import { MemoryStore, type MemoryStoreOptions } from '../../src/stores/memory.js';
import type { AttachInput } from '../../src/stores/store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('MemoryStore', () => new MemoryStore(), { makeCappedStore: (maxDevicesPerAccount) => new MemoryStore({ maxDevicesPerAccount }) });

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function attach(accountId: string, deviceId: string, at = T0, type: DeviceType = 'computer'): AttachInput {
  return {
    accountId,
    deviceId,
    type,
    agent: { browser: 'Firefox' },
    access: { at, deviceId },
    limits: { devices: 100 },
    inactiveBefore: at - 7 * 86_400_000,
    historySize: 10,
  };
}

function challenge(id: string, deviceId: string, createdAt: number): ChallengeRecord {
  return {
    id, accountId: 'acct', deviceId, kind: 'verify', reasons: [], status: 'created', limits: { devices: 3 },
    device: { type: 'computer', agent: { browser: 'Firefox' } }, contact: { email: 'owner@example.com' },
    attempts: 0, createdAt, updatedAt: createdAt, expiresAt: createdAt + 30 * 60_000,
  };
}

describe('MemoryStore bounds', () => {
  it('forgets a challenge challengeGraceMs after it expired, as RedisStore does, and no sooner', async () => {
    const HOUR = 3_600_000;
    const store = new MemoryStore({ challengeGraceMs: HOUR });
    await store.createChallenge(challenge('old', 'dev-a', T0));
    await store.createChallenge(challenge('replaced', 'dev-b', T0));
    await store.createChallenge(challenge('newest', 'dev-b', T0 + 20 * 60_000));
    await store.updateChallenge('newest', ['created'], { expiresAt: T0 + 5 * HOUR });
    await store.attach(attach('acct', 'dev-c', T0 + 90 * 60_000 - 1)); // the grace of `old` and `replaced` has 1 ms left
    expect(await store.getChallenge('old')).to.include({ status: 'created' });
    await store.attach(attach('acct', 'dev-c', T0 + 90 * 60_000));
    expect(await store.getChallenge('old')).to.equal(undefined);
    expect(await store.getChallenge('replaced')).to.equal(undefined);
    expect((await store.readAccount('acct')).challenges.map((c) => c.id)).to.deep.equal(['newest']);
    await store.createChallenge(challenge('later', 'dev-a', T0 + 6 * HOUR - 1)); // `newest`, moved to expire later, has one ms left
    expect(await store.findPendingChallenge('acct', 'dev-b')).to.include({ id: 'newest' });
    await store.attach(attach('acct', 'dev-c', T0 + 6 * HOUR + 1));
    expect(await store.getChallenge('newest')).to.equal(undefined);
    expect((await store.readAccount('acct')).challenges.map((c) => c.id)).to.deep.equal(['later']);
  });

  it('forgets the least recently used account beyond maxAccounts', async () => {
    const store = new MemoryStore({ maxAccounts: 2 });
    await store.attach(attach('a', 'dev'));
    await store.attach(attach('b', 'dev'));
    await store.attach(attach('a', 'dev', T0 + 1)); // `a` is now the most recently used
    await store.attach(attach('c', 'dev'));
    expect(await store.listDevices('b')).to.deep.equal([]);
    expect((await store.listDevices('a')).map((d) => d.id)).to.deep.equal(['dev']);
    expect((await store.listDevices('c')).map((d) => d.id)).to.deep.equal(['dev']);
  });

  it('forgets detached devices beyond maxDevicesPerAccount, but only once their logout was delivered', async () => {
    const store = new MemoryStore({ maxDevicesPerAccount: 3 });
    for (const id of ['d1', 'd2', 'd3']) await store.attach(attach('acct', id));
    await store.setDeviceStatus('acct', 'd1', 'detached', T0);

    // d1 still has a logout to deliver: it is kept, even past the cap.
    await store.attach(attach('acct', 'd4', T0 + 1));
    expect((await store.listDevices('acct')).map((d) => d.id).sort()).to.deep.equal(['d1', 'd2', 'd3', 'd4']);

    expect((await store.attach(attach('acct', 'd1', T0 + 2))).outcome).to.deep.equal({ kind: 'logout', status: 'detached' });
    await store.attach(attach('acct', 'd5', T0 + 3));
    const devices = await store.listDevices('acct');
    expect(devices.map((d) => d.id).sort()).to.deep.equal(['d2', 'd3', 'd4', 'd5']);
    expect(devices.every((d) => d.status === 'attached')).to.equal(true);
  });

  it('never forgets attached devices to stay under maxDevicesPerAccount', async () => {
    const store = new MemoryStore({ maxDevicesPerAccount: 2 });
    for (const id of ['d1', 'd2', 'd3']) await store.attach(attach('acct', id));
    expect(await store.listDevices('acct')).to.have.length(3);
  });

  it('keeps at most 1000 counters per account, forgetting ended windows first, then the least recently used', async () => {
    const store = new MemoryStore();
    const HOUR = 3_600_000;
    await store.countHit('acct', 'ended', 60_000, T0);
    await store.countHit('acct', 'kept', HOUR, T0);
    for (let i = 0; i < 999; i++) await store.countHit('acct', `other-${i}`, HOUR, T0 + 120_000);
    expect((await store.countHit('acct', 'kept', HOUR, T0 + 120_000, 0)).count, 'the ended window made room').to.equal(1);
    await store.countHit('acct', 'one-more', HOUR, T0 + 120_000);
    expect((await store.countHit('acct', 'kept', HOUR, T0 + 120_000, 0)).count, 'then the least recently used goes').to.equal(0);
    expect((await store.countHit('acct', 'other-998', HOUR, T0 + 120_000, 0)).count).to.equal(1);
  });

  it('forgets counters whose window ended at the account\'s next attach, and keeps the open ones', async () => {
    const store = new MemoryStore();
    await store.attach(attach('acct', 'dev', T0));
    await store.countHit('acct', 'minute', 60_000, T0);
    await store.countHit('acct', 'hour', 3_600_000, T0);
    await store.attach(attach('acct', 'dev', T0 + 120_000));
    expect((await store.readAccount('acct')).counters).to.deep.equal({ hour: { count: 1, resetAt: T0 + 3_600_000 } });
    await store.attach(attach('acct', 'dev', T0 + 3_600_000));
    expect((await store.readAccount('acct')).counters).to.deep.equal({});
  });

  it('forgets an account\'s counters with the account, beyond maxAccounts', async () => {
    const store = new MemoryStore({ maxAccounts: 1 });
    await store.countHit('a', 'wrongCodes', 3_600_000, T0);
    await store.countHit('b', 'wrongCodes', 3_600_000, T0);
    expect((await store.countHit('a', 'wrongCodes', 3_600_000, T0, 0)).count).to.equal(0);
  });

  it('forgets the least recently recorded conversion beyond maxConversions, and the least recently exposed device beyond maxExposedDevices', async () => {
    const store = new MemoryStore({ maxConversions: 2, maxExposedDevices: 2 });
    const conversion = (deviceId: string) => ({ at: T0, accountId: 'new', deviceId, fromAccountId: 'old', via: 'challenge' as const });
    for (const id of ['d1', 'd2', 'd3']) await store.recordConversion(conversion(id), '2026-01-05', { cv: 1 });
    expect((await store.recordConversion(conversion('d3'), '2026-01-05', { cv: 1 })).recorded, 'still known').to.equal(false);
    expect((await store.recordConversion(conversion('d1'), '2026-01-05', { cv: 1 })).recorded, 'forgotten, so counted again').to.equal(true);
    expect(await store.readDays(['2026-01-05'])).to.deep.equal([{ cv: 4 }]);

    for (const id of ['d1', 'd2', 'd3']) await store.recordExposure(id, { at: T0, accountId: 'old', via: 'challenge' });
    expect(await store.findExposures('d1')).to.deep.equal([]);
    expect(await store.findExposures('d3')).to.have.length(1);
  });

  it('keeps the newest 401 days of insights, forgetting the oldest day first', async () => {
    const store = new MemoryStore();
    const day = (i: number) => new Date(T0 + i * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < 402; i++) await store.countDay(day(i), { cv: 1 });
    const counts = await store.readDays([day(0), day(1), day(401)]);
    expect(counts).to.deep.equal([{}, { cv: 1 }, { cv: 1 }]);
  });

  it('rejects bounds that are not whole numbers of at least 1 with SHARELOCK_E_OPTION_INVALID, naming the option and the value', () => {
    const cases: Array<[MemoryStoreOptions, RegExp]> = [
      [{ maxAccounts: 0 }, /`maxAccounts` is invalid: got 0; use a whole number of at least 1/],
      [{ maxDevicesPerAccount: 2.5 }, /`maxDevicesPerAccount` is invalid: got 2\.5/],
      [{ maxChallenges: -1 }, /`maxChallenges` is invalid: got -1/],
      [{ maxAccounts: '10' as unknown as number }, /`maxAccounts` is invalid: got "10"/],
      [{ maxConversions: 0 }, /`maxConversions` is invalid: got 0/],
      [{ maxExposedDevices: 1.5 }, /`maxExposedDevices` is invalid: got 1\.5/],
      [{ challengeGraceMs: -1 }, /`challengeGraceMs` is invalid: got -1; use a whole number of ms, 0 or more/],
    ];
    for (const [options, message] of cases) {
      expect(() => new MemoryStore(options))
        .to.throw(SharelockError, message)
        .with.property('code', 'SHARELOCK_E_OPTION_INVALID');
    }
  });
});
