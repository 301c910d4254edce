import { expect } from 'chai';
import { VerdictCache } from '../src/cache.js';
import { FakeClock } from './support/clock.js';

describe('verdict cache', () => {
  it('forgets an allow after its TTL on the injected clock', () => {
    const clock = new FakeClock();
    const cache = new VerdictCache({ max: 10, ttlMs: 30_000, now: clock.now });
    cache.allow('k', 'alice', 'd1');
    clock.advance(29_999);
    expect(cache.get('k')).not.to.equal(undefined);
    clock.advance(1);
    expect(cache.get('k')).to.equal(undefined);
  });

  it('drops every verdict of one account at once, and only that account', () => {
    const cache = new VerdictCache({ max: 10, ttlMs: 30_000, now: new FakeClock().now });
    cache.allow(VerdictCache.key('alice', 'd1', 'p'), 'alice', 'd1');
    cache.allow(VerdictCache.key('alice', 'd2', 'p'), 'alice', 'd2');
    cache.allow(VerdictCache.key('bob', 'd3', 'p'), 'bob', 'd3');
    cache.invalidate('alice');
    expect(cache.get(VerdictCache.key('alice', 'd1', 'p'))).to.equal(undefined);
    expect(cache.get(VerdictCache.key('alice', 'd2', 'p'))).to.equal(undefined);
    expect(cache.get(VerdictCache.key('bob', 'd3', 'p'))).not.to.equal(undefined);
  });

  it('stays within its size bound', () => {
    const cache = new VerdictCache({ max: 3, ttlMs: 30_000, now: new FakeClock().now });
    for (let i = 0; i < 10; i++) cache.allow(`k${i}`, `a${i}`, `d${i}`);
    expect(cache.size).to.equal(3);
  });
});
