import { expect } from 'chai';
import { Cluster, Redis } from 'ioredis';
import { createSharelock, MemoryStore, minutes, SharelockError, type Decision, type Identity, type Options, type Sharelock, type Store } from '../../src/index.js';
import { FallbackStore, RedisStore } from '../../src/stores/redis.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';
import { lookup, PLACES } from '../support/places.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

type Guard = Sharelock<Identity | null>;

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const IPHONE = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' };
const MAC = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' };

const kind = (d: Decision): string => d.verdict.kind;

function guardOn(store: Store, clock: FakeClock, options: Partial<Options<Identity | null>> = {}): Guard {
  return createSharelock<Identity | null>({
    secret: SECRET,
    identify: (identity) => identity,
    limits: { devices: 3 },
    trustProxy: 'loopback',
    geo: { lookup },
    now: clock.now,
    store,
    logger: { warn: () => {}, error: () => {} },
    // One hop to New York is this suite's way to a challenge; the default asks for two days at each end.
    signals: { travel: { minPlaceDays: 0 } },
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<SharelockError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(SharelockError);
    return error as SharelockError;
  }
  throw new Error('expected a rejection');
}

/** Resolve once `check` passes (for messages between servers, which arrive on their own time). */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every admin behaviour, on one store. `makeStore` gives a fresh, empty store. */
function describeAdmin(name: string, makeStore: () => Store) {
  describe(`admin API on the ${name} store`, () => {
    let clock: FakeClock;
    let guard: Guard;
    const device = (identity: Identity, headers: Record<string, string> = {}) => new CoreDevice(guard, identity, headers);

    beforeEach(() => {
      clock = new FakeClock();
      guard = guardOn(makeStore(), clock);
    });
    afterEach(async () => {
      await guard.close();
      await guard.config.store.close?.();
    });

    it('lists the shared account first, with the signals that fired and its challenge', async () => {
      expect(kind(await device({ id: 'quiet' }).at(PLACES.parisHome.ip).open())).to.equal('allow');
      expect(kind(await device({ id: 'shared' }).at(PLACES.parisHome.ip).open())).to.equal('allow');
      clock.advance(minutes(1));
      const newYork = await device({ id: 'shared' }).at(PLACES.newYork.ip).open();
      expect(kind(newYork)).to.equal('challenge');

      const page = await guard.admin.accounts();
      expect(page.total).to.equal(2);
      expect(page.accounts.map((a) => a.accountId)).to.deep.equal(['shared', 'quiet']);
      const [shared, quiet] = page.accounts;
      expect(shared!.score).to.be.greaterThan(quiet!.score);
      expect(shared!.signals.map((s) => s.check)).to.include('impossible_travel');
      expect(shared!.signals.find((s) => s.check === 'impossible_travel')).to.include({ threshold: 1000 });
      expect(shared!).to.deep.include({ devices: 2, types: { computer: 2 }, status: 'active', lastSeen: clock.now() });
      expect(shared!.lastChallenge).to.deep.include({ kind: 'verify', status: 'created', deviceId: newYork.deviceId });
      expect(quiet!).to.deep.include({ devices: 1, people: 1, signals: [], status: 'active' });
      expect(quiet!.lastChallenge).to.equal(undefined);
      expect(page.next).to.equal(undefined);
    });

    it("shows how the last challenge ended: the sharer's device signed up on its own", async () => {
      await device({ id: 'shared' }).at(PLACES.parisHome.ip).open();
      clock.advance(minutes(1));
      const newYork = await device({ id: 'shared' }).at(PLACES.newYork.ip).open();
      if (newYork.verdict.kind !== 'challenge') throw new Error('expected a challenge');
      clock.advance(minutes(1));
      await guard.challenges.resolve(newYork.verdict.challenge.id, newYork.deviceId!, 'new_account');
      const [shared] = (await guard.admin.accounts()).accounts;
      expect(shared!.lastChallenge).to.deep.include({ status: 'completed', resolution: 'new_account', at: clock.now() });
    });

    it('sorts by devices, people or last seen, largest and newest first', async () => {
      for (const [id, count] of [['one', 1], ['three', 3], ['two', 2]] as const) {
        for (let i = 0; i < count; i++) await device({ id }).at(PLACES.parisHome.ip).open();
        clock.advance(minutes(5));
      }
      const ids = async (sort: 'devices' | 'lastSeen' | 'people') => (await guard.admin.accounts({ sort })).accounts.map((a) => a.accountId);
      expect(await ids('devices')).to.deep.equal(['three', 'two', 'one']);
      expect(await ids('lastSeen')).to.deep.equal(['two', 'three', 'one']);
      // One person each: the newest first.
      expect(await ids('people')).to.deep.equal(['two', 'three', 'one']);
    });

    it('pages through 120 accounts without repeats or gaps while new traffic arrives', async () => {
      const originals: CoreDevice[] = [];
      for (let i = 0; i < 120; i++) {
        const phone = device({ id: `acct-${String(i).padStart(3, '0')}` }).at(PLACES.parisHome.ip);
        await phone.open();
        if (i % 3 === 0) await device(phone.identity!).at(PLACES.parisHome.ip).open();
        originals.push(phone);
        if (i % 10 === 0) clock.advance(1000);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await guard.admin.accounts({ sort: 'devices', limit: 25, ...(cursor ? { cursor } : {}) });
        seen.push(...page.accounts.map((a) => a.accountId));
        cursor = page.next;
        pages++;
        // Between pages: new accounts (sorting before and after the cursor), and cached requests of listed ones.
        await device({ id: `new-${pages}-a` }, IPHONE).at(PLACES.newYork.ip).open();
        await device({ id: `new-${pages}-b` }, IPHONE).at(PLACES.newYork.ip).open();
        await device({ id: `new-${pages}-b` }, MAC).at(PLACES.newYork.ip).open();
        expect(kind(await originals[pages]!.open())).to.equal('allow');
      } while (cursor !== undefined && pages < 20);
      const listed = seen.filter((id) => id.startsWith('acct-'));
      expect(listed).to.have.length(120);
      expect(new Set(listed).size).to.equal(120);
      expect(new Set(seen).size).to.equal(seen.length);
    });

    it("shows one account's devices, places, recent accesses and challenges, without the code hash", async () => {
      const laptop = device({ id: 'carol', email: 'carol@example.com' }).at(PLACES.parisHome.ip);
      const first = await laptop.open('/films/1');
      clock.advance(minutes(1));
      const away = device({ id: 'carol', email: 'carol@example.com' }, IPHONE).at(PLACES.newYork.ip);
      const challenged = await away.open('/films/2');
      if (challenged.verdict.kind !== 'challenge') throw new Error('expected a challenge');
      await guard.challenges.sendCode(challenged.verdict.challenge.id, challenged.deviceId!);

      const detail = await guard.admin.account('carol');
      expect(detail.status).to.equal('active');
      expect(detail.devices.map((d) => d.id)).to.deep.equal([challenged.deviceId, first.deviceId]);
      expect(detail.devices.map((d) => d.type)).to.deep.equal(['mobile', 'computer']);
      expect(detail.accesses.map((a) => a.ip)).to.deep.equal([PLACES.newYork.ip, PLACES.parisHome.ip]);
      expect(detail.accesses[0]).to.deep.include({ page: '/films/2' });
      expect(detail.places.map((p) => p.country).sort()).to.deep.equal(['FR', 'US']);
      expect(detail.places.find((p) => p.country === 'FR')).to.deep.include({ accesses: 1, devices: [first.deviceId] });
      expect(detail.challenges).to.have.length(1);
      expect(detail.challenges[0]).to.deep.include({ kind: 'verify', status: 'code_sent', deviceId: challenged.deviceId });
      expect(JSON.stringify(detail)).not.to.include('codeHash');
      expect(detail.signals.map((s) => s.check)).to.include('impossible_travel');
      expect(detail.summary?.accountId).to.equal('carol');
    });

    it('answers empty lists for an account it never saw', async () => {
      const detail = await guard.admin.account('nobody');
      expect(detail).to.deep.equal({ accountId: 'nobody', status: 'active', devices: [], places: [], accesses: [], challenges: [], signals: [], forcedChallenges: [] });
    });

    it('logs a detached device out at its next request, and an excluded one stops counting', async () => {
      const one = device({ id: 'dan', limits: { devices: 2 } }).at(PLACES.parisHome.ip);
      const two = device({ id: 'dan', limits: { devices: 2 } }, MAC).at(PLACES.parisHome.ip);
      const { deviceId: oneId } = await one.open();
      const { deviceId: twoId } = await two.open();
      expect((await guard.admin.accounts()).accounts[0]).to.include({ devices: 2 });

      expect(await guard.admin.detach('dan', oneId!)).to.equal(true);
      expect(kind(await one.open())).to.equal('logout');
      expect((await guard.admin.accounts()).accounts[0]).to.include({ devices: 1 });

      expect(await guard.admin.exclude('dan', twoId!)).to.equal(true);
      expect((await guard.admin.accounts()).accounts[0]).to.include({ devices: 0 });
      // Two new devices fit in a limit of 2: the excluded one no longer counts.
      expect(kind(await device({ id: 'dan', limits: { devices: 2 } }, IPHONE).at(PLACES.parisHome.ip).open())).to.equal('allow');
      expect(await guard.admin.detach('dan', 'no-such-device')).to.equal(false);
    });

    it('refuses a suspended account at once, cached or not, and lets it back when unsuspended', async () => {
      const phone = device({ id: 'erin' }).at(PLACES.parisHome.ip);
      expect(kind(await phone.open())).to.equal('allow');
      await guard.admin.suspend('erin');
      expect(kind(await phone.open())).to.equal('suspended');
      expect((await guard.admin.accounts()).accounts[0]).to.include({ accountId: 'erin', status: 'suspended' });
      await guard.admin.unsuspend('erin');
      expect(kind(await phone.open())).to.equal('allow');
      expect((await guard.admin.account('erin')).status).to.equal('active');
    });

    it("challenges a device's next request when an admin asks, once", async () => {
      const phone = device({ id: 'fay', email: 'fay@example.com' }).at(PLACES.parisHome.ip);
      const { deviceId } = await phone.open();
      expect(kind(await phone.open())).to.equal('allow'); // cached
      await guard.admin.forceChallenge('fay', deviceId);
      expect((await guard.admin.account('fay')).forcedChallenges).to.have.length(1);
      const forced = await phone.open();
      expect(forced.verdict.kind === 'challenge' && forced.verdict.challenge.kind).to.equal('verify');
      expect(forced.verdict.reasons.map((r) => r.check)).to.include('admin_challenge');
      expect((await guard.admin.account('fay')).forcedChallenges).to.deep.equal([]);
      expect((await guard.admin.accounts()).accounts[0]!.lastChallenge).to.include({ kind: 'verify', status: 'created' });
    });

    it("challenges any device of the account when no device is named, a new one included", async () => {
      const home = device({ id: 'gus' }).at(PLACES.parisHome.ip);
      await home.open();
      await guard.admin.forceChallenge('gus');
      const fresh = await device({ id: 'gus' }, IPHONE).at(PLACES.parisHome.ip).open();
      expect(fresh.verdict.kind).to.equal('challenge');
      expect(kind(await home.open())).to.equal('allow');
    });

    it('adds a deny entry at runtime that refuses at once, and clears it', async () => {
      const phone = device({ id: 'hal' }).at(PLACES.parisHome.ip);
      expect(kind(await phone.open())).to.equal('allow');
      const entry = await guard.admin.addListEntry({ list: 'deny', kind: 'ips', value: '81.2.69.0/24', note: 'card testing' });
      expect(entry).to.deep.equal({ list: 'deny', kind: 'ips', value: '81.2.69.0/24', note: 'card testing', addedAt: clock.now() });
      const refused = await phone.open(); // was cached: the entry drops every cached allow
      expect(refused.verdict).to.deep.include({ kind: 'deny', status: 403 });
      expect(refused.verdict.reasons[0]).to.include({ check: 'deny_list', observed: 'ips' });
      expect(kind(await device({ id: 'ivy' }).at(PLACES.newYork.ip).open())).to.equal('allow');
      expect(await guard.admin.listEntries('deny')).to.deep.equal([entry]);

      expect(await guard.admin.removeListEntry('deny', 'ips', '81.2.69.0/24')).to.equal(true);
      expect(await guard.admin.removeListEntry('deny', 'ips', '81.2.69.0/24')).to.equal(false);
      expect(kind(await phone.open())).to.equal('allow');
      expect(await guard.admin.listEntries()).to.deep.equal([]);
    });

    it('lets an allow-listed account past its device limit, until the entry expires', async () => {
      const identity = { id: 'joe', limits: { devices: 1 } };
      await device(identity).at(PLACES.parisHome.ip).open();
      await guard.admin.addListEntry({ list: 'allow', kind: 'accounts', value: 'joe', expiresAt: clock.now() + minutes(10) });
      const second = await device(identity, IPHONE).at(PLACES.parisHome.ip).open();
      expect(second.verdict).to.deep.include({ kind: 'allow' });
      expect(second.verdict.reasons[0]).to.include({ check: 'allow_list', observed: 'accounts' });
      clock.advance(minutes(11));
      expect(kind(await device(identity, MAC).at(PLACES.parisHome.ip).open())).to.equal('challenge');
      expect(await guard.admin.listEntries()).to.deep.equal([]);
    });

    it('exports everything stored about one account, and erasing it leaves nothing', async () => {
      const laptop = device({ id: 'kim', email: 'kim@example.com' }).at(PLACES.parisHome.ip);
      await laptop.open();
      clock.advance(minutes(1));
      const away = await device({ id: 'kim', email: 'kim@example.com' }, IPHONE).at(PLACES.newYork.ip).open();
      if (away.verdict.kind !== 'challenge') throw new Error('expected a challenge');
      await guard.challenges.sendCode(away.verdict.challenge.id, away.deviceId!);
      await guard.admin.addListEntry({ list: 'deny', kind: 'devices', value: away.deviceId! });
      await guard.admin.forceChallenge('kim');
      await device({ id: 'other' }).at(PLACES.parisHome.ip).open();

      const exported = await guard.admin.exportAccount('kim');
      expect(JSON.parse(JSON.stringify(exported))).to.deep.equal(exported);
      expect(exported.devices).to.have.length(2);
      expect(exported.accesses.map((a) => a.ip)).to.deep.equal([PLACES.parisHome.ip, PLACES.newYork.ip]);
      expect(exported.profile).to.have.property('places');
      expect(exported.challenges).to.have.length(1);
      expect(exported.challenges[0]).not.to.have.property('codeHash');
      expect(exported.challenges[0]!.contact).to.deep.equal({ email: 'kim@example.com' });
      expect(Object.keys(exported.counters).length).to.be.greaterThan(0);
      expect(exported.summary?.accountId).to.equal('kim');
      expect(exported.forcedChallenges).to.have.length(1);
      expect(exported.listEntries.map((e) => e.value)).to.deep.equal([away.deviceId]);

      const erased = await guard.admin.eraseAccount('kim');
      expect(erased).to.deep.include({ accountId: 'kim', devices: 2, accesses: 2, challenges: 1, profile: true, indexed: true, listEntries: 1 });
      expect(erased.counters).to.be.greaterThan(0);

      const after = await guard.admin.exportAccount('kim');
      expect(after).to.deep.equal({ accountId: 'kim', exportedAt: clock.now(), status: 'active', devices: [], accesses: [], challenges: [], counters: {}, forcedChallenges: [], listEntries: [] });
      expect((await guard.admin.accounts()).accounts.map((a) => a.accountId)).to.deep.equal(['other']);
      expect(await guard.admin.listEntries()).to.deep.equal([]);
      expect(await guard.challenges.present(away.verdict.challenge.id, away.deviceId!)).to.deep.include({ ok: false });
      // The laptop's cached allow is gone: it starts afresh, as a new device of a new account.
      expect(kind(await laptop.open())).to.equal('allow');
      expect((await guard.admin.account('kim')).devices).to.have.length(1);
    });

    it("frees an erased account's devices in its team's pool", async () => {
      const member = { id: 'vic', groups: [{ id: 'team', limits: { devices: 5 } }] };
      await device(member).at(PLACES.parisHome.ip).open();
      expect((await guard.groupDevices('team')).map((d) => d.status)).to.deep.equal(['attached']);
      await guard.admin.eraseAccount('vic');
      expect((await guard.groupDevices('team')).map((d) => d.status)).to.deep.equal(['detached']);
    });

    it('rejects a bad sort, limit, cursor or list entry with SHARELOCK_E_ADMIN_INVALID', async () => {
      await device({ id: 'a' }).at(PLACES.parisHome.ip).open();
      await device({ id: 'b' }).at(PLACES.parisHome.ip).open();
      const page = await guard.admin.accounts({ limit: 1 });
      expect(page.next).to.be.a('string');
      for (const bad of [
        guard.admin.accounts({ sort: 'name' as 'score' }),
        guard.admin.accounts({ limit: 0 }),
        guard.admin.accounts({ limit: 501 }),
        guard.admin.accounts({ cursor: 'not-a-cursor' }),
        guard.admin.accounts({ sort: 'devices', cursor: page.next! }),
        guard.admin.addListEntry({ list: 'deny', kind: 'ips', value: 'not-an-ip' }),
        guard.admin.addListEntry({ list: 'deny', kind: 'countries', value: 'France' }),
        guard.admin.addListEntry({ list: 'block' as 'deny', kind: 'accounts', value: 'x' }),
        guard.admin.account(''),
      ]) {
        expect((await rejection(bad)).code).to.equal('SHARELOCK_E_ADMIN_INVALID');
      }
      expect((await guard.admin.accounts({ cursor: page.next! })).accounts.map((a) => a.accountId)).to.have.length(1);
    });
  });
}

describe('admin API', () => {
  describeAdmin('memory', () => new MemoryStore());

  it("applies another server's list entry within 30 s even when no announcement arrives", async () => {
    // Two guards on one store with no invalidation channel: nothing tells B about A's entry.
    const clock = new FakeClock();
    const store = new MemoryStore();
    const [a, b] = [guardOn(store, clock), guardOn(store, clock)];
    const phone = new CoreDevice(b, { id: 'uma' }).at(PLACES.parisHome.ip);
    expect(kind(await phone.open())).to.equal('allow');
    await a.admin.addListEntry({ list: 'deny', kind: 'accounts', value: 'uma' });
    expect(kind(await phone.open())).to.equal('allow'); // B still applies what it read
    clock.advance(31_000);
    await phone.open(); // B's verdict cache expired: this miss starts a read in the background
    await new Promise((resolve) => setImmediate(resolve));
    expect(kind(await phone.open())).to.equal('deny');
    await Promise.all([a.close(), b.close()]);
  });

  describe('on the Redis store', () => {
    let server: RedisServer;
    let client: Redis;
    let prefixes = 0;
    before(async function () {
      this.timeout(30_000);
      server = await startRedisServer();
      client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    });
    after(async () => {
      client?.disconnect();
      await server?.stop();
    });

    describeAdmin('Redis', () => new RedisStore({ client, prefix: `admin${++prefixes}:` }));

    it('erases every key of the account: a scan finds none', async () => {
      const clock = new FakeClock();
      const prefix = `admin-scan${++prefixes}:`;
      const guard = guardOn(new RedisStore({ client, prefix }), clock);
      const identity = { id: 'lee', email: 'lee@example.com' };
      await new CoreDevice(guard, identity).at(PLACES.parisHome.ip).open();
      clock.advance(minutes(1));
      const away = await new CoreDevice(guard, identity, IPHONE).at(PLACES.newYork.ip).open();
      if (away.verdict.kind !== 'challenge') throw new Error('expected a challenge');
      await guard.challenges.sendCode(away.verdict.challenge.id, away.deviceId!);
      await guard.admin.forceChallenge('lee');
      const keysOf = async () => {
        const keys: string[] = [];
        for (let cursor = '0'; ; ) {
          const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          keys.push(...found);
          cursor = next;
          if (cursor === '0') return keys.sort();
        }
      };
      expect((await keysOf()).filter((k) => k.includes('{lee}'))).to.include.members([`${prefix}{lee}:d`, `${prefix}{lee}:h`, `${prefix}{lee}:f`, `${prefix}{lee}:ns`]);
      const entries = `${prefix}ix:{accounts}:e`;
      expect(await client.hexists(entries, 'lee')).to.equal(1);

      await guard.admin.eraseAccount('lee');
      const left = await keysOf();
      expect(left.filter((k) => k.includes('{lee}'))).to.deep.equal([]);
      expect(left.filter((k) => k.startsWith(`${prefix}ch:`) || k.startsWith(`${prefix}dv:`))).to.deep.equal([]);
      expect(await client.hexists(entries, 'lee')).to.equal(0);
      for (const sort of ['s', 'p', 'd', 'l']) expect(await client.zscore(`${prefix}ix:{accounts}:${sort}`, 'lee')).to.equal(null);
      await guard.close();
    });

    it('keeps at most maxIndexedAccounts, dropping the least recently judged', async () => {
      const clock = new FakeClock();
      const guard = guardOn(new RedisStore({ client, prefix: `admin-cap${++prefixes}:`, maxIndexedAccounts: 5 }), clock);
      for (let i = 0; i < 8; i++) {
        await new CoreDevice(guard, { id: `acct-${i}` }).at(PLACES.parisHome.ip).open();
        clock.advance(1000);
      }
      const page = await guard.admin.accounts({ sort: 'lastSeen' });
      expect(page.total).to.equal(5);
      expect(page.accounts.map((a) => a.accountId)).to.deep.equal(['acct-7', 'acct-6', 'acct-5', 'acct-4', 'acct-3']);
      await guard.close();
    });

    describe('across two servers', () => {
      let clock: FakeClock;
      let a: Guard;
      let b: Guard;
      let second: Redis;
      beforeEach(async () => {
        clock = new FakeClock();
        second = new Redis(server.url, { maxRetriesPerRequest: 1 });
        const prefix = `admin-two${++prefixes}:`;
        a = guardOn(new RedisStore({ client, prefix }), clock);
        b = guardOn(new RedisStore({ client: second, prefix }), clock);
        // Both servers listen before anything is announced (a message sent earlier is lost, as in production).
        await eventually(async () => ((await client.call('PUBSUB', 'NUMSUB', `${prefix}invalidate`)) as [string, number])[1] === 2, 'both servers subscribed');
      });
      afterEach(async () => {
        await Promise.all([a.close(), b.close()]);
        await Promise.all([a.config.store.close?.(), b.config.store.close?.()]);
        second.disconnect();
      });

      it("lists the other server's traffic", async () => {
        await new CoreDevice(b, { id: 'seen-on-b' }).at(PLACES.parisHome.ip).open();
        await b.admin.accounts(); // B's writes are done once B reads after them on its connection
        const page = await a.admin.accounts();
        expect(page.accounts.map((x) => x.accountId)).to.deep.equal(['seen-on-b']);
        expect((await a.admin.account('seen-on-b')).devices).to.have.length(1);
      });

      it('refuses a suspended account on the other server, cached there or not', async () => {
        const phone = new CoreDevice(b, { id: 'mia' }).at(PLACES.parisHome.ip);
        expect(kind(await phone.open())).to.equal('allow');
        await a.admin.suspend('mia');
        await eventually(async () => kind(await phone.open()) === 'suspended', 'B refuses the suspended account');
        await a.admin.unsuspend('mia');
        await eventually(async () => kind(await phone.open()) === 'allow', 'B lets it back');
      });

      it("logs out on the other server a device detached here, though that server had cached it", async () => {
        const phone = new CoreDevice(b, { id: 'ned' }).at(PLACES.parisHome.ip);
        await phone.open();
        expect(kind(await phone.open())).to.equal('allow');
        const [onA] = (await a.admin.account('ned')).devices;
        expect(await a.admin.detach('ned', onA!.id)).to.equal(true);
        await eventually(async () => kind(await phone.open()) === 'logout', 'B logs the device out');
      });

      it("challenges on the other server the device's next request when forced here", async () => {
        const phone = new CoreDevice(b, { id: 'ola', email: 'ola@example.com' }).at(PLACES.parisHome.ip);
        await phone.open();
        expect(kind(await phone.open())).to.equal('allow'); // cached on B
        await a.admin.forceChallenge('ola', (await a.admin.account('ola')).devices[0]!.id);
        await eventually(async () => kind(await phone.open()) === 'challenge', 'B challenges the device');
        await b.admin.accounts();
        expect((await a.admin.accounts()).accounts[0]!.lastChallenge).to.include({ kind: 'verify' });
      });

      it('applies on the other server a deny entry added here, and its removal', async () => {
        const phone = new CoreDevice(b, { id: 'pam' }).at(PLACES.parisHome.ip);
        expect(kind(await phone.open())).to.equal('allow');
        await a.admin.addListEntry({ list: 'deny', kind: 'accounts', value: 'pam' });
        await eventually(async () => kind(await phone.open()) === 'deny', 'B refuses the denied account');
        await a.admin.removeListEntry('deny', 'accounts', 'pam');
        await eventually(async () => kind(await phone.open()) === 'allow', 'B lets it back');
      });

      it('forgets an erased account on the other server too: its cached allow is gone', async () => {
        const identity = { id: 'quin', limits: { devices: 1 } };
        const phone = new CoreDevice(b, identity).at(PLACES.parisHome.ip);
        await phone.open();
        expect(kind(await phone.open())).to.equal('allow');
        await a.admin.eraseAccount('quin');
        // Once B dropped its cache, the device's next request attaches it afresh.
        await eventually(async () => {
          await phone.open();
          return (await a.admin.account('quin')).devices.length === 1;
        }, 'B judges the device again');
        await b.admin.accounts();
        expect((await a.admin.accounts()).accounts.map((x) => x.accountId)).to.deep.equal(['quin']);
      });
    });
  });

  describe('on a Redis Cluster (one node owning every slot)', () => {
    let server: RedisServer;
    let cluster: Cluster;
    before(async function () {
      this.timeout(30_000);
      server = await startRedisServer({ cluster: true });
      cluster = new Cluster([{ host: '127.0.0.1', port: server.port }], { redisOptions: { maxRetriesPerRequest: 1 } });
    });
    after(async () => {
      cluster?.disconnect();
      await server?.stop();
    });

    it('lists, exports and erases an account: every script keeps to one slot', async () => {
      const clock = new FakeClock();
      const guard = guardOn(new RedisStore({ client: cluster, prefix: 'cluster:' }), clock);
      const identity = { id: 'sam', email: 'sam@example.com' };
      await new CoreDevice(guard, identity).at(PLACES.parisHome.ip).open();
      clock.advance(minutes(1));
      const away = await new CoreDevice(guard, identity, IPHONE).at(PLACES.newYork.ip).open();
      if (away.verdict.kind !== 'challenge') throw new Error('expected a challenge');
      await guard.challenges.sendCode(away.verdict.challenge.id, away.deviceId!);
      await guard.admin.addListEntry({ list: 'deny', kind: 'devices', value: away.deviceId! });
      await guard.admin.forceChallenge('sam');
      const page = await guard.admin.accounts();
      expect(page.accounts.map((a) => a.accountId)).to.deep.equal(['sam']);
      const exported = await guard.admin.exportAccount('sam');
      expect(Object.keys(exported.counters).length).to.be.greaterThan(0);
      expect(await guard.admin.eraseAccount('sam')).to.deep.include({ devices: 2, challenges: 1, indexed: true, listEntries: 1 });
      expect((await guard.admin.exportAccount('sam')).devices).to.deep.equal([]);
      expect((await guard.admin.accounts()).total).to.equal(0);
      await guard.close();
    });
  });

  describe('behind a FallbackStore', () => {
    let server: RedisServer;
    let client: Redis;
    before(async function () {
      this.timeout(30_000);
      server = await startRedisServer();
      client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    });
    after(async () => {
      client?.disconnect();
      await server?.stop();
    });

    it("lists the primary's accounts, and keeps list entries and erasures on the primary", async () => {
      const clock = new FakeClock();
      const store = new FallbackStore({ primary: new RedisStore({ client, prefix: 'fallback:' }), now: clock.now });
      const guard = guardOn(store, clock);
      await new CoreDevice(guard, { id: 'tom' }).at(PLACES.parisHome.ip).open();
      expect((await guard.admin.accounts()).accounts.map((a) => a.accountId)).to.deep.equal(['tom']);
      await guard.admin.addListEntry({ list: 'deny', kind: 'accounts', value: 'tom' });
      expect(await new RedisStore({ client, prefix: 'fallback:' }).listEntries()).to.have.length(1);
      expect(await guard.admin.eraseAccount('tom')).to.deep.include({ devices: 1, indexed: true, listEntries: 1 });
      expect(await client.exists('fallback:{tom}:d')).to.equal(0);
      await guard.close();
      await store.close();
    });
  });

  describe('index writes', () => {
    it('writes the index on misses only, at most once a minute when nothing but the time changed', async () => {
      const clock = new FakeClock();
      let writes = 0;
      const inner = new MemoryStore();
      const store = new Proxy(inner, {
        get: (target, key) => {
          const value = Reflect.get(target, key, target) as unknown;
          if (key === 'indexAccount') return (...args: Parameters<MemoryStore['indexAccount']>) => (args[2] ? writes++ : 0, inner.indexAccount(...args));
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const guard = guardOn(store, clock);
      const phone = new CoreDevice(guard, { id: 'wes' }).at(PLACES.parisHome.ip);
      await phone.open();
      expect(writes).to.equal(1);
      for (let i = 0; i < 10; i++) await phone.open(); // cached
      expect(guard.stats().cacheHits).to.equal(10);
      expect(writes).to.equal(1);
      clock.advance(31_000); // the cached verdict expired: a miss that changes nothing but the time
      await phone.open();
      expect(writes).to.equal(1);
      clock.advance(31_000);
      await phone.open();
      expect(writes).to.equal(2);
      await new CoreDevice(guard, { id: 'wes' }, IPHONE).at(PLACES.parisHome.ip).open(); // a new device: written at once
      expect(writes).to.equal(3);
      expect((await guard.admin.account('wes')).summary).to.include({ devices: 2, lastSeen: clock.now() });
      await guard.close();
    });
  });

  describe('without the admin capability, or with a failing index', () => {
    /** A MemoryStore seen through the required contract only (what a custom store may offer). */
    function plainStore(): Store {
      const inner = new MemoryStore();
      const hidden = new Set(['indexAccount', 'listAccounts', 'readAccount', 'eraseAccount', 'forceChallenge', 'clearForcedChallenge', 'addListEntry', 'removeListEntry', 'listEntries']);
      return new Proxy(inner, {
        get: (target, key) => {
          if (typeof key === 'string' && hidden.has(key)) return undefined;
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    }

    it('rejects with SHARELOCK_E_ADMIN_UNSUPPORTED and decides as before', async () => {
      const clock = new FakeClock();
      const guard = guardOn(plainStore(), clock);
      expect(kind(await new CoreDevice(guard, { id: 'rae' }).at(PLACES.parisHome.ip).open())).to.equal('allow');
      const error = await rejection(guard.admin.accounts());
      expect(error.code).to.equal('SHARELOCK_E_ADMIN_UNSUPPORTED');
      expect(error.message).to.include('listAccounts()');
      expect((await rejection(guard.admin.eraseAccount('rae'))).code).to.equal('SHARELOCK_E_ADMIN_UNSUPPORTED');
      await guard.close();
    });

    it('logs a failing index write once and lets every request through', async () => {
      const clock = new FakeClock();
      const errors: string[] = [];
      const inner = new MemoryStore();
      const store = new Proxy(inner, {
        get: (target, key) => {
          if (key === 'indexAccount') return () => Promise.reject(new Error('index down'));
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const guard = guardOn(store, clock, { logger: { warn: () => {}, error: (message: string) => errors.push(message) }, cache: { allowTtlMs: 0 } });
      for (let i = 0; i < 5; i++) expect(kind(await new CoreDevice(guard, { id: `acct-${i}` }).at(PLACES.parisHome.ip).open())).to.equal('allow');
      await new Promise((resolve) => setImmediate(resolve));
      expect(errors.filter((m) => m.includes('admin-index'))).to.have.length(1);
      expect(guard.stats().storeFailures).to.equal(0);
      await guard.close();
    });
  });
});
