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
