import { expect } from 'chai';
import { createSharelock, days, MemoryStore, minutes, seconds, SharelockError, type AttachInput, type Identity, type Options, type Store } from '../src/index.js';
import { FakeClock } from './support/clock.js';
import { CoreDevice } from './support/core-device.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** The real memory store, counting the attaches it serves. */
class CountingStore extends MemoryStore {
  attaches: AttachInput[] = [];
  override attach(input: AttachInput) {
    this.attaches.push(input);
    return super.attach(input);
  }
}

function setup(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const store = new CountingStore();
  const logged: string[] = [];
  const guard = createSharelock<Identity | null>({
    secret: SECRET,
    identify: (identity) => identity,
    limits: { devices: 2 },
    store,
    now: clock.now,
    logger: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
    ...options,
  });
  return { guard, clock, store, logged };
}

const alice: Identity = { id: 'alice', email: 'alice@example.com' };

describe('sharelock core', () => {
  it('lets free and anonymous requests through without touching the store', async () => {
    const { guard, store } = setup();
    for (const identity of [null, { id: 'bob', paying: false }]) {
      const decision = await new CoreDevice(guard, identity).open();
      expect(decision.verdict.kind).to.equal('allow');
      expect(decision.setCookie).to.equal(undefined);
    }
    expect(store.attaches).to.have.length(0);
  });

  it('challenges the device over the limit with explained reasons', async () => {
    const { guard } = setup({ limits: { devices: 3, mobile: 1 } });
    const iphone = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' };
    expect((await new CoreDevice(guard, alice, iphone).open()).verdict.kind).to.equal('allow');
    const second = await new CoreDevice(guard, alice, iphone).open();
    expect(second.verdict.kind).to.equal('challenge');
    expect(second.verdict.reasons).to.deep.equal([{ check: 'mobile_device_count', observed: 2, threshold: 1, message: '2 mobile devices in use; the plan allows 1.', policy: 'device_limit' }]);
  });

  it('answers repeat requests from the cache and records the access once per touch interval', async () => {
    const { guard, store, clock } = setup();
    const device = new CoreDevice(guard, alice);
    await device.open();
    for (let i = 0; i < 5; i++) expect((await device.open()).verdict.kind).to.equal('allow');
    expect(store.attaches).to.have.length(1);
    expect(guard.stats().cacheHits).to.equal(5);
    clock.advance(seconds(61));
    await device.open();
    await device.open();
    expect(store.attaches).to.have.length(2);
    const [record] = await guard.devices('alice');
    expect(record!.lastSeen).to.equal(clock.now());
  });

  describe('the verdict cache, keyed by the device cookie as sent', () => {
    /** A device with a cached allow: its `name=value` cookie, and a request sending any cookie header. */
    async function cachedDevice(options: Partial<Options<Identity | null>> = {}) {
      const { guard, store, clock } = setup(options);
      const device = new CoreDevice(guard, alice);
      await device.open();
      await device.open();
      expect(guard.stats().cacheHits).to.equal(1);
      const request = (cookie: string | undefined) => ({ ...device.request(), headers: { ...device.request().headers, cookie } });
      return { guard, store, clock, device, cookie: device.cookie!, request };
    }

    it('never answers a forged or altered cookie from the cache: it is verified, and a new device', async () => {
      const { guard, store, cookie, device, request } = await cachedDevice();
      const [name, value] = cookie.split('=') as [string, string];
      const [id, mac] = value.split('.') as [string, string];
      const flipped = (text: string) => (text.startsWith('A') ? `B${text.slice(1)}` : `A${text.slice(1)}`);
      for (const forged of [`${name}=${id}.${flipped(mac)}`, `${name}=${flipped(id)}.${mac}`, `${name}=${id}`, `${name}="${value}"`, `${name}=${value}x`]) {
        const attaches = store.attaches.length;
        const decision = await guard.decide(request(forged), alice);
        expect(decision.deviceId, forged).not.to.equal(device.cookie?.split('.')[0]?.split('=')[1]);
        expect(decision.setCookie, forged).to.be.a('string');
        expect(store.attaches.length, forged).to.equal(attaches + 1);
      }
      expect(guard.stats().cacheHits).to.equal(1);
    });

    it('answers the same cookie spelled with other cookies around it, or percent-encoded, from the cache', async () => {
      const { guard, store, cookie, request } = await cachedDevice();
      const attaches = store.attaches.length;
      const [name, value] = cookie.split('=') as [string, string];
      for (const header of [`theme=dark; ${cookie}`, ` ${cookie} ; a=1`, `${cookie}; ${name}=other`]) {
        expect((await guard.decide(request(header), alice)).verdict.kind, header).to.equal('allow');
      }
      expect(store.attaches.length).to.equal(attaches);
      expect(guard.stats().cacheHits).to.equal(4);
      // A percent-encoded spelling decodes to the same value, so it is the same cache entry.
      expect((await guard.decide(request(`${name}=${value.replace('.', '%2E')}`), alice)).verdict.kind).to.equal('allow');
      expect(guard.stats().cacheHits).to.equal(5);
    });

    it('is per account: the same cookie under another identity is judged afresh', async () => {
      const { guard, store, request, cookie } = await cachedDevice();
      const attaches = store.attaches.length;
      expect((await guard.decide(request(cookie), { id: 'bob' })).verdict.kind).to.equal('allow');
      expect(store.attaches.length).to.equal(attaches + 1);
    });

    it('is dropped when the device is kicked or detached, or the account suspended', async () => {
      for (const action of ['kick', 'detach', 'suspend'] as const) {
        const { guard, store, device } = await cachedDevice();
        const [record] = await guard.devices('alice');
        if (action === 'suspend') await guard.suspend('alice');
        else await guard[action]('alice', record!.id);
        const attaches = store.attaches.length;
        const decision = await device.open();
        expect(decision.verdict.kind, action).to.not.equal('allow');
        expect(store.attaches.length, action).to.be.greaterThan(attaches);
      }
    });

    it('is not consulted for an identity marked suspended', async () => {
      const { guard, request, cookie } = await cachedDevice();
      const decision = await guard.decide(request(cookie), { ...alice, suspended: true });
      expect(decision.verdict.kind).to.equal('suspended');
    });

    it('after an eviction, judges the cookie again and caches it again', async () => {
      const { guard, store, request, cookie } = await cachedDevice({ cache: { max: 1 } });
      await new CoreDevice(guard, { id: 'bob' }).open();
      const attaches = store.attaches.length;
      expect((await guard.decide(request(cookie), alice)).verdict.kind).to.equal('allow');
      expect(store.attaches.length).to.equal(attaches + 1);
      expect((await guard.decide(request(cookie), alice)).verdict.kind).to.equal('allow');
      expect(store.attaches.length).to.equal(attaches + 1);
    });

    it('caches a new device under the cookie it is given, so its next request is a hit', async () => {
      const { guard, store } = setup();
      const device = new CoreDevice(guard, alice);
      await device.open();
      const attaches = store.attaches.length;
      await device.open();
      expect(store.attaches.length).to.equal(attaches);
      expect(guard.stats().cacheHits).to.equal(1);
    });
  });

  it('logs a kicked device out on its very next request, cache or not', async () => {
    const { guard } = setup();
    const device = new CoreDevice(guard, alice);
    await device.open();
    await device.open();
    const [record] = await guard.devices('alice');
    await guard.kick('alice', record!.id);
    const decision = await device.open();
    expect(decision.verdict).to.deep.include({ kind: 'logout', url: '/' });
    // The logout is consumed; signing in again, the device is a new attach within limits.
    expect((await device.open()).verdict.kind).to.equal('allow');
  });

  it('detaches devices unused for 7 days, so they stop counting', async () => {
    const { guard, clock } = setup();
    await new CoreDevice(guard, alice).open();
    await new CoreDevice(guard, alice).open();
    expect((await new CoreDevice(guard, alice).open()).verdict.kind).to.equal('challenge');
    clock.advance(days(7) + minutes(1));
    expect((await new CoreDevice(guard, alice).open()).verdict.kind).to.equal('allow');
    const statuses = (await guard.devices('alice')).map((d) => d.status).sort();
    expect(statuses).to.deep.equal(['attached', 'detached', 'detached']);
  });

  it('lets an account override the limits, e.g. a family plan', async () => {
    const { guard } = setup();
    const family: Identity = { id: 'fam', limits: { devices: 4 } };
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push((await new CoreDevice(guard, family).open()).verdict.kind);
    expect(verdicts).to.deep.equal(['allow', 'allow', 'allow', 'allow', 'challenge']);
  });

  it('accepts an async identify, merges metadata and honours suspended', async () => {
    const { guard } = setup({ identify: async (identity) => identity });
    await new CoreDevice(guard, { id: 'alice', metadata: { sessionId: 's1' } }).open();
    expect((await guard.devices('alice'))[0]!.metadata).to.deep.equal({ sessionId: 's1' });
    const suspended = await new CoreDevice(guard, { id: 'alice', suspended: true }).open();
    expect(suspended.verdict).to.deep.include({ kind: 'suspended', url: '/' });
  });

  it('lets the request through when identify() throws or returns nonsense, and logs it once', async () => {
    let value: unknown = { id: '' };
    const { guard, logged } = setup({ identify: () => {
      if (value === 'throw') throw new Error('session store down');
      return value as Identity;
    } });
    expect((await new CoreDevice(guard, null).open()).verdict.kind).to.equal('allow');
    expect((await new CoreDevice(guard, null).open()).verdict.kind).to.equal('allow');
    value = 'throw';
    expect((await new CoreDevice(guard, null).open()).verdict.kind).to.equal('allow');
    expect((await new CoreDevice(guard, null).open()).verdict.kind).to.equal('allow');
    expect(logged.filter((m) => m.includes('SHARELOCK_E_IDENTITY_INVALID'))).to.have.length(1);
    expect(logged.filter((m) => m.includes('identify() threw'))).to.have.length(1);
    expect(guard.stats().identifyFailures).to.equal(4);
  });

  it('with recordIps off stores networks, not addresses, while IP lists still see the address', async () => {
    const { guard, store } = setup({ recordIps: false, trustProxy: 'loopback', lists: { deny: { ips: ['198.51.100.7'] } } });
    const laptop = new CoreDevice(guard, alice).at('203.0.113.77');
    expect((await laptop.open()).verdict.kind).to.equal('allow');
    const [device] = await guard.devices('alice');
    expect(device!.lastIp).to.equal(undefined);
    expect(device!.lastNetwork).to.equal('203.0.113.0/24');
    expect(JSON.stringify(await store.listDevices('alice'))).not.to.include('203.0.113.77');
    expect(store.attaches.map((input) => input.access.ip)).to.deep.equal([undefined]);
    const denied = await new CoreDevice(guard, alice).at('198.51.100.7').open();
    expect(denied.verdict.kind).to.equal('deny');
  });

  describe('when the store fails', () => {
    const broken = (): Store => Object.assign(new MemoryStore(), { attach: () => Promise.reject(new Error('connection refused')) });
    const hanging = (): Store => Object.assign(new MemoryStore(), { attach: () => new Promise<never>(() => {}) });

    it('fails open by default: allows, logs once, counts', async () => {
      const { guard, logged } = setup({ store: broken() });
      for (let i = 0; i < 3; i++) {
        const decision = await new CoreDevice(guard, alice).open();
        expect(decision.verdict.kind).to.equal('allow');
        expect(decision.verdict.reasons[0]!.check).to.equal('store_unavailable');
      }
      expect(logged.filter((m) => m.includes('The store failed'))).to.have.length(1);
      expect(guard.stats().storeFailures).to.equal(3);
    });

    it("denies with 503 when the route says storeFailure: 'deny'", async () => {
      const { guard } = setup({ store: broken(), storeFailure: 'deny' });
      expect((await new CoreDevice(guard, alice).open()).verdict).to.deep.include({ kind: 'deny', status: 503 });
    });

    it('never waits longer than storeTimeoutMs on a store that does not answer', async () => {
      const { guard } = setup({ store: hanging(), storeTimeoutMs: 50 });
      const started = performance.now();
      const decision = await new CoreDevice(guard, alice).open();
      expect(decision.verdict.kind).to.equal('allow');
      expect(performance.now() - started).to.be.below(1000);
    });
  });

  it('refuses to decide after close()', async () => {
    const { guard } = setup();
    await guard.close();
    try {
      await new CoreDevice(guard, alice).open();
      expect.fail('decide() after close() must throw');
    } catch (error) {
      expect((error as SharelockError).code).to.equal('SHARELOCK_E_CLOSED');
    }
  });
});
