import { expect } from 'chai';
import { createSharelock, days, MemoryStore, minutes, SharelockError, type Identity, type Options, type Sharelock } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const alice: Identity = { id: 'alice', email: 'alice@example.com' };
const EUR = { amount: 9.99, currency: 'EUR' };

function setup(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const logged: string[] = [];
  const guard = createSharelock<Identity | null>({
    secret: SECRET,
    identify: (identity) => identity,
    limits: { devices: 2 },
    now: clock.now,
    logger: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
    ...options,
  });
  return { guard, clock, logged };
}

/** Two devices in, a third challenged: the third device and its challenge id. */
async function thirdDeviceChallenged(guard: Sharelock<Identity | null>, identity: Identity = alice) {
  const devices = [new CoreDevice(guard, identity), new CoreDevice(guard, identity), new CoreDevice(guard, identity, { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 Safari/604.1' })];
  await devices[0]!.open();
  await devices[1]!.open();
  const decision = await devices[2]!.open();
  if (decision.verdict.kind !== 'challenge') throw new Error(`expected a challenge, got ${decision.verdict.kind}`);
  return { devices, third: devices[2]!, deviceId: decision.deviceId!, challengeId: decision.verdict.challenge.id };
}

/** The device's request to the app's signup page, as the app's handler would pass it. */
const signup = (device: CoreDevice) => device.request('/signup');

describe('conversions', () => {
  describe('attribution', () => {
    it('attributes a signup from the challenged device to its challenge, with the account, the reason and the revenue', async () => {
      const { guard, clock } = setup();
      const { third, deviceId, challengeId } = await thirdDeviceChallenged(guard);
      await guard.challenges.present(challengeId, deviceId);
      expect((await guard.challenges.resolve(challengeId, deviceId, 'new_account')).ok).to.equal(true);
      clock.advance(minutes(5));

      const result = await guard.trackConversion(signup(third), { account: 'sam', plan: 'premium', revenue: { amount: 9.99, currency: 'eur' } });
      expect(result).to.deep.equal({
        recorded: true,
        conversion: { at: clock.now(), accountId: 'sam', deviceId, fromAccountId: 'alice', via: 'challenge', challengeId, challengeKind: 'device_limit', reason: 'device_count', plan: 'premium', revenue: EUR },
      });
      expect(await guard.conversions()).to.deep.equal([result.recorded && result.conversion]);
    });

    it('records a conversion once per device and new account: a retry changes nothing and returns the first', async () => {
      const { guard, clock } = setup();
      const { third } = await thirdDeviceChallenged(guard);
      const first = await guard.trackConversion(signup(third), { account: 'sam', revenue: EUR });
      clock.advance(minutes(1));
      const again = await guard.trackConversion(signup(third), { account: 42, revenue: { amount: 100, currency: 'USD' } });
      const retry = await guard.trackConversion(signup(third), { account: 'sam', revenue: { amount: 100, currency: 'USD' } });
      expect(first.recorded).to.equal(true);
      expect(again.recorded, 'another new account from the same device is its own conversion').to.equal(true);
      expect(retry).to.deep.equal({ recorded: false, reason: 'duplicate', conversion: first.recorded && first.conversion });
      const { totals } = await guard.insights();
      expect([totals.conversions, totals.revenue]).to.deep.equal([2, { EUR: 9.99, USD: 100 }]);
    });

    it('attributes within conversions.windowMs of the challenge, and not after', async () => {
      const { guard, clock } = setup({ conversions: { windowMs: days(7) } });
      const one = await thirdDeviceChallenged(guard, { id: 'one' });
      const two = await thirdDeviceChallenged(guard, { id: 'two' });
      clock.advance(days(7));
      expect((await guard.trackConversion(signup(one.third), { account: 'new-one' })).recorded, 'at the end of the window').to.equal(true);
      clock.advance(1);
      expect(await guard.trackConversion(signup(two.third), { account: 'new-two' })).to.deep.equal({ recorded: false, reason: 'not_attributable' });
    });

    it("defaults to a 30-day window", async () => {
      const { guard, clock } = setup();
      const one = await thirdDeviceChallenged(guard, { id: 'one' });
      const two = await thirdDeviceChallenged(guard, { id: 'two' });
      clock.advance(days(30));
      expect((await guard.trackConversion(signup(one.third), { account: 'new-one' })).recorded).to.equal(true);
      clock.advance(minutes(1));
      expect((await guard.trackConversion(signup(two.third), { account: 'new-two' })).recorded).to.equal(false);
    });

    it("attributes a signup from another of the challenged account's recent devices by its history, naming the challenge", async () => {
      const { guard, clock } = setup();
      const { devices, challengeId } = await thirdDeviceChallenged(guard);
      clock.advance(days(2));
      // The sharer's laptop was let in earlier; their phone was the one challenged.
      const result = await guard.trackConversion(signup(devices[1]!), { account: 'sharer' });
      expect(result.recorded && result.conversion).to.deep.include({ fromAccountId: 'alice', via: 'history', challengeId, reason: 'device_count' });
    });

    it('attributes a signup from a device the owner logged out, to the challenge it was logged out from', async () => {
      const { guard, clock } = setup();
      const { devices, deviceId, challengeId } = await thirdDeviceChallenged(guard);
      expect((await guard.challenges.claimOwnership(challengeId, deviceId)).ok).to.equal(true);
      const code = guard.outbox!.latest('alice@example.com')!.code;
      expect((await guard.challenges.verifyCode(challengeId, deviceId, code)).ok).to.equal(true);
      expect((await guard.challenges.kick(challengeId, deviceId, guard.deviceOf(devices[1]!.request()))).ok).to.equal(true);
      expect((await guard.challenges.complete(challengeId, deviceId)).ok).to.equal(true);
      clock.advance(days(3));

      const kicked = await guard.trackConversion(signup(devices[1]!), { account: 'sharer', revenue: EUR });
      expect(kicked.recorded && kicked.conversion).to.deep.include({ fromAccountId: 'alice', via: 'kicked', challengeId, reason: 'device_count' });
      // The owner proved the challenged device is theirs: a second account from it is not a sharer converting.
      expect(await guard.trackConversion(signup(devices[2]!), { account: 'alice-business' })).to.deep.equal({ recorded: false, reason: 'not_attributable' });

      const { totals } = await guard.insights();
      expect(totals.challenges).to.deep.include({ created: 1, codeSent: 1, verifiedOwner: 1, devicesLoggedOut: 1, ownerCompleted: 1, newAccount: 0 });
      expect(totals.conversionsVia).to.deep.equal({ challenge: 0, kicked: 1, history: 0 });
    });

    it("attributes a signup from a device logged out with guard.kick() (the account's settings) to that account", async () => {
      const { guard } = setup();
      const device = new CoreDevice(guard, alice);
      await device.open();
      expect(await guard.kick('alice', guard.deviceOf(device.request())!)).to.equal(true);
      const result = await guard.trackConversion(signup(device), { account: 'sharer' });
      expect(result.recorded && result.conversion).to.deep.equal({ at: result.recorded ? result.conversion.at : 0, accountId: 'sharer', deviceId: guard.deviceOf(device.request())!, fromAccountId: 'alice', via: 'kicked', reason: 'kicked' });
    });

    it('records nothing for an ordinary signup, a device without a cookie, a forged cookie, or the shared account itself', async () => {
      const { guard } = setup();
      const { third } = await thirdDeviceChallenged(guard);
      const stranger = new CoreDevice(guard, { id: 'stranger' });
      await stranger.open();
      expect(await guard.trackConversion(signup(stranger), { account: 'stranger-2' })).to.deep.equal({ recorded: false, reason: 'not_attributable' });
      expect(await guard.trackConversion({ headers: {} }, { account: 'x' })).to.deep.equal({ recorded: false, reason: 'no_device' });
      expect(await guard.trackConversion({ headers: { cookie: 'sl_device=AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA' } }, { account: 'x' })).to.deep.equal({ recorded: false, reason: 'no_device' });
      expect(await guard.trackConversion({ headers: { cookie: 'sl_device=%E0%A4%A' } }, { account: 'x' })).to.deep.equal({ recorded: false, reason: 'no_device' });
      expect(await guard.trackConversion(signup(third), { account: 'alice' })).to.deep.equal({ recorded: false, reason: 'not_attributable' });
      expect((await guard.insights()).totals.conversions).to.equal(0);
    });

    it('takes the device id for server-side calls, e.g. a payment webhook, and it wins over the request', async () => {
      const { guard } = setup();
      const { deviceId } = await thirdDeviceChallenged(guard);
      const stranger = new CoreDevice(guard, { id: 'stranger' });
      await stranger.open();
      expect((await guard.trackConversion(null, { account: 'sam', deviceId, revenue: EUR })).recorded).to.equal(true);
      expect((await guard.trackConversion(signup(stranger), { account: 'sam-2', deviceId })).recorded).to.equal(true);
      expect(await guard.trackConversion(undefined, { account: 'sam', deviceId: 'never-seen' })).to.deep.equal({ recorded: false, reason: 'not_attributable' });
    });

    it('publishes conversion.recorded once per conversion', async () => {
      const { guard } = setup();
      const heard: unknown[] = [];
      guard.on('conversion.recorded', (event) => void heard.push(event));
      const { third, deviceId, challengeId } = await thirdDeviceChallenged(guard);
      await guard.trackConversion(signup(third), { account: 'sam', plan: 'premium', revenue: EUR });
      await guard.trackConversion(signup(third), { account: 'sam', plan: 'premium', revenue: EUR });
      expect(heard).to.have.length(1);
      expect(heard[0]).to.deep.include({ type: 'conversion.recorded', accountId: 'sam', fromAccountId: 'alice', deviceId, challengeId, reason: 'device_count', plan: 'premium', revenue: EUR });
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['no object', 'sam', /Pass an object/],
      ['no account', {}, /`account`: undefined\. Give the new account's id/],
      ['an empty account', { account: '' }, /`account`: ""/],
      ['a fractional account', { account: 1.5 }, /`account`: 1\.5/],
      ['a misspelled field', { account: 'sam', revenu: EUR }, /`revenu`.*Known fields: account, plan, revenue, deviceId/],
      ['revenue as a number', { account: 'sam', revenue: 9.99 }, /`revenue`: 9\.99\. Pass `\{ amount, currency \}`/],
      ['an amount as a string', { account: 'sam', revenue: { amount: '9.99', currency: 'EUR' } }, /`revenue\.amount`: "9\.99"\. It must be a finite number from 0 to 1,000,000,000/],
      ['a NaN amount', { account: 'sam', revenue: { amount: Number.NaN, currency: 'EUR' } }, /`revenue\.amount`: null/],
      ['an infinite amount', { account: 'sam', revenue: { amount: Infinity, currency: 'EUR' } }, /`revenue\.amount`/],
      ['a negative amount', { account: 'sam', revenue: { amount: -1, currency: 'EUR' } }, /`revenue\.amount`: -1/],
      ['amounts in cents from a provider', { account: 'sam', revenue: { amount: 999, currency: 'EUR', cents: true } }, /`revenue\.cents`/],
      ['a currency name', { account: 'sam', revenue: { amount: 9.99, currency: 'euro' } }, /`revenue\.currency`: "euro"\. Use an ISO 4217 code of three letters/],
      ['a currency symbol', { account: 'sam', revenue: { amount: 9.99, currency: '€' } }, /`revenue\.currency`/],
      ['no currency', { account: 'sam', revenue: { amount: 9.99 } }, /`revenue\.currency`: undefined/],
      ['a plan that is not a string', { account: 'sam', plan: 5 }, /`plan`: 5/],
      ['an empty device id', { account: 'sam', deviceId: '' }, /`deviceId`: ""/],
    ];
    for (const [what, input, message] of cases) {
      it(`throws SHARELOCK_E_CONVERSION_INVALID for ${what}`, async () => {
        const { guard } = setup();
        const error = await guard.trackConversion({ headers: {} }, input as never).then(() => undefined, (e: unknown) => e);
        expect(error).to.be.instanceOf(SharelockError).with.property('code', 'SHARELOCK_E_CONVERSION_INVALID');
        expect((error as Error).message).to.match(message);
      });
    }

    it('throws SHARELOCK_E_CONVERSION_INVALID when neither a request nor a device id is given, or the request is not one', async () => {
      const { guard } = setup();
      for (const request of [undefined, null, 'req', { cookies: {} }]) {
        const error = await guard.trackConversion(request as never, { account: 'sam' }).then(() => undefined, (e: unknown) => e);
        expect(error, String(request)).to.have.property('code', 'SHARELOCK_E_CONVERSION_INVALID');
      }
    });

    it('reads a lower-case currency as its code, and keeps amounts to 4 decimals', async () => {
      const { guard } = setup();
      const { deviceId } = await thirdDeviceChallenged(guard);
      const result = await guard.trackConversion(null, { account: 'sam', deviceId, revenue: { amount: 0.123456, currency: 'usd' } });
      expect(result.recorded && result.conversion.revenue).to.deep.equal({ amount: 0.1235, currency: 'USD' });
    });

    it('validates conversions.windowMs when sharelock is created', () => {
      const make = (conversions: unknown) => () => setup({ conversions } as never);
      expect(make({ windowMs: 0 })).to.throw(SharelockError, /Invalid `conversions\.windowMs`: 0\. It must be a whole number from 60000/);
      expect(make({ windowMs: days(401) })).to.throw(/conversions\.windowMs/);
      expect(make({ window: days(7) })).to.throw(SharelockError, /Unknown option `conversions\.window`\. Did you mean `windowMs`\?/);
      expect(make({ windowMs: days(1) })).not.to.throw();
    });
  });

  describe('a failing store', () => {
    it('records nothing and says so when the store fails, without throwing, counted as a store failure', async () => {
      const store = new MemoryStore();
      const { guard, logged } = setup({ store });
      const { third } = await thirdDeviceChallenged(guard);
      store.findExposures = () => Promise.reject(new Error('down'));
      expect(await guard.trackConversion(signup(third), { account: 'sam' })).to.deep.equal({ recorded: false, reason: 'store_unavailable' });
      expect(guard.stats().storeFailures).to.equal(1);
      expect(logged.join('\n')).to.include('store.findExposures()');
    });

    it('warns once and records nothing on a store without the insights methods', async () => {
      const store = new MemoryStore();
      for (const method of ['recordExposure', 'findExposures', 'recordConversion', 'countDay', 'readDays', 'listConversions'] as const) Object.defineProperty(store, method, { value: undefined });
      const { guard, logged } = setup({ store });
      const { third } = await thirdDeviceChallenged(guard);
      expect(await guard.trackConversion(signup(third), { account: 'sam' })).to.deep.equal({ recorded: false, reason: 'store_unavailable' });
      expect((await guard.insights()).totals.challenges.created).to.equal(0);
      expect(logged.filter((m) => m.includes('does not record conversions and insights'))).to.have.length(1);
    });
  });
});

describe('insights', () => {
  it("counts each challenge's steps once, on the UTC day it was opened", async () => {
    // 23:50 UTC: the challenge is answered after midnight, the conversion recorded the next day.
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 23, 50));
    const { guard } = setup({ now: clock.now });
    const { third, deviceId, challengeId } = await thirdDeviceChallenged(guard);
    await guard.challenges.present(challengeId, deviceId);
    await guard.challenges.present(challengeId, deviceId); // seen twice, presented once
    clock.advance(minutes(20));
    await guard.challenges.resolve(challengeId, deviceId, 'new_account');
    await guard.trackConversion(signup(third), { account: 'sam', revenue: EUR });

    const insights = await guard.insights({ from: '2026-01-05', to: '2026-01-06' });
    const [monday, tuesday] = insights.days;
    expect(monday).to.deep.include({ day: '2026-01-05', conversions: 0, revenue: {} });
    expect(monday!.byKind.device_limit).to.deep.include({ created: 1, presented: 1, newAccount: 1, abandoned: 0, open: 0 });
    expect(monday!.byKind.verify.created).to.equal(0);
    expect(tuesday).to.deep.include({ day: '2026-01-06', conversions: 1, revenue: { EUR: 9.99 } });
    expect(tuesday!.challenges.created).to.equal(0);
    expect(insights.totals).to.deep.include({ conversions: 1, revenue: { EUR: 9.99 } });
    expect(insights.totals.challenges).to.deep.include({ created: 1, presented: 1, newAccount: 1 });
  });

  it('shows an unanswered challenge as open while it may still be answered, and as abandoned once it cannot', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 12));
    const { guard } = setup({ now: clock.now });
    await thirdDeviceChallenged(guard, { id: 'quiet' });
    const seen = await thirdDeviceChallenged(guard, { id: 'late' });
    const funnel = async () => (await guard.insights({ from: '2026-01-05', to: '2026-01-05' })).totals.challenges;
    expect(await funnel()).to.deep.include({ created: 2, abandoned: 0, open: 2 });
    clock.advance(minutes(31));
    // Its device comes back after the challenge expired: seen expiring, so counted at once.
    expect((await guard.challenges.present(seen.challengeId, seen.deviceId)).ok).to.equal(false);
    expect(await funnel()).to.deep.include({ abandoned: 1, open: 1 });
    // After the day's last challenge could have been answered (midnight + challenge.ttlMs), every unanswered one is abandoned.
    clock.advance(Date.UTC(2026, 0, 6, 0, 30) - clock.now());
    expect(await funnel()).to.deep.include({ created: 2, abandoned: 2, open: 0 });
  });

  it('returns one row per day of the range, oldest first, the last 30 days by default', async () => {
    const { guard, clock } = setup();
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    const last30 = await guard.insights();
    expect(last30.days).to.have.length(30);
    expect([last30.from, last30.to, last30.days.at(-1)!.day]).to.deep.equal(['2025-12-07', today, today]);
    const range = await guard.insights({ from: new Date(Date.UTC(2025, 11, 30, 22)), to: Date.UTC(2026, 0, 2, 1) });
    expect(range.days.map((d) => d.day)).to.deep.equal(['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02']);
    expect(range.totals.challenges.created).to.equal(0);
  });

  it('throws SHARELOCK_E_INSIGHTS_RANGE for a range it cannot read', async () => {
    const { guard } = setup();
    const cases: unknown[] = [{ from: '2026-01-31', to: '2026-01-01' }, { from: '2026-02-30' }, { to: 'yesterday' }, { from: Number.NaN }, { from: '2024-01-01', to: '2026-01-01' }, 'last week'];
    for (const range of cases) {
      const error = await guard.insights(range as never).then(() => undefined, (e: unknown) => e);
      expect(error, JSON.stringify(range)).to.be.instanceOf(SharelockError).with.property('code', 'SHARELOCK_E_INSIGHTS_RANGE');
    }
    expect((await guard.insights({ from: '2025-12-02', to: '2027-01-05' }).catch((e: Error) => e)) instanceof Error, '400 days').to.equal(false);
    const error = await guard.conversions({ limit: 0 }).catch((e: unknown) => e);
    expect(error).to.have.property('code', 'SHARELOCK_E_INSIGHTS_RANGE');
  });
});
