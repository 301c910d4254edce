import { expect } from 'chai';
import { createSharelock, DEFAULT_POLICIES, minutes, type Identity, type Options } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';
import { lookup, PLACES } from '../support/places.js';

function setup(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const guard = createSharelock<Identity | null>({
    secret: 'a-test-secret-that-is-long-enough-0123456789',
    identify: (identity) => identity,
    limits: { devices: 1 },
    trustProxy: 'loopback',
    geo: { lookup },
    now: clock.now,
    logger: { warn: () => {}, error: () => {} },
    // One hop to New York is this suite's way to a challenge; the default asks for two days at each end.
    signals: { travel: { minPlaceDays: 0 } },
    ...options,
  });
  return { guard, clock };
}

describe('policies', () => {
  it('lets the highest-priority matching policy decide', async () => {
    const { guard } = setup({
      policies: (defaults) => [...defaults, { name: 'enterprise', priority: 100, when: { plan: 'enterprise' }, action: 'allow' }],
    });
    const enterprise: Identity = { id: 'acme', plan: 'enterprise' };
    expect((await new CoreDevice(guard, enterprise).open()).verdict.kind).to.equal('allow');
    const second = await new CoreDevice(guard, enterprise).open();
    expect(second.verdict.kind, 'enterprise outranks device_limit').to.equal('allow');
    expect(await guard.devices('acme')).to.have.length(2);
    const basic: Identity = { id: 'bob', plan: 'basic' };
    await new CoreDevice(guard, basic).open();
    expect((await new CoreDevice(guard, basic).open()).verdict.kind).to.equal('challenge');
  });

  it('runs a single policy in monitor mode while the others enforce', async () => {
    const { guard, clock } = setup({
      limits: { devices: 5 },
      policies: DEFAULT_POLICIES.map((p) => (p.name === 'impossible_travel' ? { ...p, monitor: true } : p)),
    });
    await new CoreDevice(guard, { id: 'carol' }).at(PLACES.parisHome.ip).open();
    clock.advance(minutes(1));
    const decision = await new CoreDevice(guard, { id: 'carol' }).at(PLACES.newYork.ip).open();
    expect(decision.verdict.kind).to.equal('allow');
    expect(decision.verdict.reasons[0]).to.include({ check: 'impossible_travel', policy: 'impossible_travel', monitor: true });
    // Concurrency is recorded by default too (two computers at once, in two cities).
    expect(guard.stats().policies).to.deep.equal({ impossible_travel: 1, concurrent_sessions: 1 });
  });

  it('can log out or deny instead of challenging', async () => {
    const { guard } = setup({
      policies: [{ name: 'strict_limit', priority: 1, when: { signal: 'device_count' }, action: 'deny' }],
    });
    await new CoreDevice(guard, { id: 'x' }).open();
    const denied = await new CoreDevice(guard, { id: 'x' }).open();
    expect(denied.verdict).to.deep.include({ kind: 'deny', status: 403 });
    expect(denied.verdict.reasons[0]).to.include({ check: 'device_count', policy: 'strict_limit' });
  });

  it('honours allow and deny lists, with expiry', async () => {
    const { guard, clock } = setup({
      lists: {
        allow: { accounts: [{ value: 'qa-team', expiresAt: new FakeClock().now() + minutes(10) }] },
        deny: { ips: ['96.224.0.0/16'], countries: ['KP'] },
      },
    });
    for (let i = 0; i < 3; i++) expect((await new CoreDevice(guard, { id: 'qa-team' }).open()).verdict.kind).to.equal('allow');
    clock.advance(minutes(11));
    expect((await new CoreDevice(guard, { id: 'qa-team' }).open()).verdict.kind, 'the entry expired').to.equal('challenge');
    const denied = await new CoreDevice(guard, { id: 'dan' }).at(PLACES.newYork.ip).open();
    expect(denied.verdict).to.deep.include({ kind: 'deny', status: 403 });
    expect(denied.verdict.reasons).to.deep.equal([{ check: 'deny_list', observed: 'ips', threshold: 'listed' }]);
  });

  it('rejects malformed policies with a clear message', () => {
    const base = { secret: 'a-test-secret-that-is-long-enough-0123456789', identify: () => null, logger: { warn: () => {}, error: () => {} } };
    expect(() => createSharelock({ ...base, policies: [{ name: 'x', priority: 1, when: { signal: 'peoples' }, action: 'deny' }] })).to.throw(/Invalid `policies\[0\].when.signal`: "peoples". Known checks:/);
    expect(() => createSharelock({ ...base, policies: [{ name: 'x', priority: 1, when: { plan: 'a' }, action: 'ban' as 'deny' }] })).to.throw(/Invalid `policies\[0\].action`/);
    expect(() => createSharelock({ ...base, tolerance: 'paranoid' as 'strict' })).to.throw(/Invalid `tolerance`/);
    expect(() => createSharelock({ ...base, lists: { deny: { ips: ['not-an-ip'] } } })).to.throw(/not an IP address or CIDR range/);
  });
});
