import { expect } from 'chai';
import type { Access, Location } from '../../src/model.js';
import { AccessHistory, Pages, sourceOf } from '../../src/stores/memory-history.js';
import { SharedRecords } from '../../src/stores/memory-records.js';

/** What the history must equal: every access kept, then the newest `size`. */
function naive(calls: Array<{ access: Access; size: number }>): Access[] {
  let kept: Access[] = [];
  for (const { access, size } of calls) kept = [...kept, access].slice(Math.max(0, kept.length + 1 - size));
  return kept;
}

describe('AccessHistory (the memory store’s access columns)', () => {
  it('keeps the newest accesses oldest first, whatever historySize does between calls', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const history = new AccessHistory();
    const calls: Array<{ access: Access; size: number }> = [];
    const sources = new Map<string, ReturnType<typeof sourceOf>>();
    for (let i = 0; i < 2_000; i++) {
      const deviceId = `d${Math.floor(random() * 3)}`;
      const access: Access = { at: 1_767_600_000_000 + i, deviceId };
      if (random() < 0.8) access.ip = `203.0.113.${Math.floor(random() * 3)}`;
      if (random() < 0.5) access.location = { country: 'FR', lat: 48 + Math.floor(random() * 2) };
      if (random() < 0.7) access.page = `/p${Math.floor(random() * 4)}`;
      // historySize mostly steady, sometimes shrinking, growing, or 0.
      const size = random() < 0.97 ? 10 : Math.floor(random() * 15);
      const source = sourceOf(access, deviceId, sources.get(deviceId), sources.get(deviceId)?.location);
      sources.set(deviceId, source);
      history.push(access.at, source, access.page, size);
      calls.push({ access, size });
      expect(history.entries()).to.deep.equal(naive(calls));
      expect(history.length).to.equal(naive(calls).length);
    }
  });

  it('keeps every access right while its addresses and pages keep changing (old ones are dropped from its tables)', () => {
    const history = new AccessHistory();
    const calls: Array<{ access: Access; size: number }> = [];
    let last: ReturnType<typeof sourceOf> | undefined;
    for (let i = 0; i < 3_000; i++) {
      // A new address every few accesses, a page in a hundred, now and then none; historySize 10, then 3, then 25.
      const access: Access = { at: i, deviceId: 'dev', ip: `203.0.${Math.floor(i / 3) % 256}.1` };
      if (i % 7 !== 0) access.page = `/p${(i * 37) % 100}`;
      const size = i < 1_000 ? 10 : i < 2_000 ? 3 : 25;
      last = sourceOf(access, 'dev', last, undefined);
      history.push(access.at, last, access.page, size);
      calls.push({ access, size });
      expect(history.entries()).to.deep.equal(naive(calls));
      expect(history.lastOf('dev')).to.equal(last);
    }
  });

  it('shares one frozen source among a device’s accesses from one address and place', () => {
    const history = new AccessHistory();
    let source: ReturnType<typeof sourceOf> | undefined;
    for (let i = 0; i < 5; i++) {
      const access: Access = { at: i, deviceId: 'dev', ip: '203.0.113.1', network: '203.0.113.0/24', location: { country: 'FR', lat: 48.85, lon: 2.35 }, page: '/a' };
      const next = sourceOf(access, 'dev', history.lastOf('dev'), source?.location);
      if (source) expect(next).to.equal(source);
      source = next;
      history.push(i, next, '/a', 100);
    }
    expect(Object.isFrozen(source)).to.equal(true);
    expect(Object.isFrozen(source!.location)).to.equal(true);
    const moved = sourceOf({ at: 9, deviceId: 'dev', ip: '203.0.113.2', network: '203.0.113.0/24', location: { country: 'FR', lat: 48.85, lon: 2.35 } }, 'dev', source, source!.location);
    expect(moved).to.not.equal(source);
    expect(moved.location).to.equal(source!.location);
  });

  it('hands out new access objects: changing one changes nothing kept', () => {
    const history = new AccessHistory();
    history.push(1, sourceOf({ at: 1, deviceId: 'dev', ip: '203.0.113.1' }, 'dev', undefined, undefined), '/a', 10);
    const [first] = history.entries();
    first!.page = '/mutated';
    first!.ip = '0.0.0.0';
    expect(history.entries()).to.deep.equal([{ at: 1, deviceId: 'dev', ip: '203.0.113.1', page: '/a' }]);
  });

  it('shares page strings store-wide, and forgets them all when full', () => {
    const pages = new Pages(2);
    const a = pages.intern(['/watch', '1'].join('/'));
    expect(pages.intern(['/watch', '1'].join('/'))).to.equal(a);
    expect(pages.intern(undefined)).to.equal(undefined);
    pages.intern('/b');
    expect(pages.intern('/c')).to.equal('/c');
  });

  it('shares one frozen location among the sources of every device placed there, and tells apart any that differ', () => {
    const locations = new SharedRecords<Location>(3);
    const paris = (): Access => ({ at: 1, deviceId: 'a', ip: '203.0.113.1', location: { country: 'FR', city: 'Paris', lat: 48.85, lon: 2.35 } });
    const first = sourceOf(paris(), 'a', undefined, undefined, locations);
    const second = sourceOf({ ...paris(), deviceId: 'b', ip: '198.51.100.9' }, 'b', undefined, undefined, locations);
    expect(second.location).to.equal(first.location);
    expect(Object.isFrozen(first.location)).to.equal(true);
    expect(first.location).to.deep.equal(paris().location);
    // A text that reads like another field, a -0, a field in another order: each its own location.
    for (const location of [{ country: 'FR", "city":"Paris' }, { country: 'FR', city: 'Paris', lat: 48.85, lon: -0 }, { city: 'Paris', country: 'FR', lat: 48.85, lon: 2.35 }]) {
      const other = locations.intern(location);
      expect(other).to.not.equal(first.location);
      expect(Object.keys(other)).to.deep.equal(Object.keys(location));
      expect(Object.is(other.lon, location.lon)).to.equal(true);
    }
  });
});
