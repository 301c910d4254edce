import { expect } from 'chai';
import { VerdictCache } from '../src/cache.js';
import { FakeClock } from './support/clock.js';

describe('verdict cache', () => {
  it('forgets an allow after its TTL on the injected clock', () => {
    const clock = new FakeClock();
    const cache = new VerdictCache({ max: 10, ttlMs: 30_000, now: clock.now });
    cache.allow('c1', 'alice', 'p', 'd1');
    clock.advance(29_999);
    expect(cache.get('c1', 'alice', 'p')).to.deep.include({ deviceId: 'd1' });
    clock.advance(1);
    expect(cache.get('c1', 'alice', 'p')).to.equal(undefined);
    expect(cache.size).to.equal(0);
  });

  it('drops every verdict of one account at once, and only that account', () => {
    const cache = new VerdictCache({ max: 10, ttlMs: 30_000, now: new FakeClock().now });
    cache.allow('c1', 'alice', 'p', 'd1');
    cache.allow('c2', 'alice', 'p', 'd2');
    cache.allow('c2', 'alice', 'q', 'd2');
    cache.allow('c3', 'bob', 'p', 'd3');
    // The same cookie under another account (a shared browser): its own entry, kept.
    cache.allow('c1', 'bob', 'p', 'd1');
    cache.invalidate('alice');
    expect(cache.get('c1', 'alice', 'p')).to.equal(undefined);
    expect(cache.get('c2', 'alice', 'p')).to.equal(undefined);
    expect(cache.get('c2', 'alice', 'q')).to.equal(undefined);
    expect(cache.get('c3', 'bob', 'p')).not.to.equal(undefined);
    expect(cache.get('c1', 'bob', 'p')).not.to.equal(undefined);
    expect(cache.size).to.equal(2);
    cache.invalidate('bob');
    expect(cache.size).to.equal(0);
  });

  it('answers only the exact cookie, account and policy it was given', () => {
    const cache = new VerdictCache({ max: 10, ttlMs: 30_000, now: new FakeClock().now });
    cache.allow('c1.sig', 'alice', 'p', 'd1');
    cache.allow('c1.sig', 'alice', 'q', 'd1');
    expect(cache.get('c1.sig', 'alice', 'p')?.deviceId).to.equal('d1');
    expect(cache.get('c1.sig', 'alice', 'q')?.deviceId).to.equal('d1');
    for (const [cookie, account, policy] of [['c1.sih', 'alice', 'p'], ['c1.sig ', 'alice', 'p'], ['c1.sig', 'bob', 'p'], ['c1.sig', 'alice', 'r']] as const) {
      expect(cache.get(cookie, account, policy), `${cookie} ${account} ${policy}`).to.equal(undefined);
    }
  });

  it('stays within its size bound', () => {
    const cache = new VerdictCache({ max: 3, ttlMs: 30_000, now: new FakeClock().now });
    for (let i = 0; i < 10; i++) cache.allow(`c${i}`, `a${i}`, 'p', `d${i}`);
    expect(cache.size).to.equal(3);
    expect(cache.get('c0', 'a0', 'p')).to.equal(undefined);
    expect(cache.get('c9', 'a9', 'p')).not.to.equal(undefined);
    // Evicted cookies leave no account index behind: invalidating their accounts finds nothing.
    for (let i = 0; i < 10; i++) cache.invalidate(`a${i}`);
    expect(cache.size).to.equal(0);
  });
});
