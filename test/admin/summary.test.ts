import { expect } from 'chai';
import { accountSortKeys, decodeCursor, encodeCursor, shareScore } from '../../src/admin/summary.js';
import type { Reason } from '../../src/model.js';

const fired = (...checks: string[]): Reason[] => checks.map((check) => ({ check, observed: 2, threshold: 1 }));
const base = { people: 1, allowedPeople: 1, devices: 1, deviceLimit: 4, signals: [] as Reason[] };

describe('admin share score', () => {
  it('scores a one-device account with no signal near 0', () => {
    expect(shareScore(base)).to.equal(0.0625);
  });

  it('weighs one extra household 0.5, two extra 0.75', () => {
    expect(shareScore({ ...base, devices: 0, people: 2 })).to.equal(0.5);
    expect(shareScore({ ...base, devices: 0, people: 3 })).to.equal(0.75);
    expect(shareScore({ ...base, devices: 0, people: 3, allowedPeople: 3 })).to.equal(0);
  });

  it('weighs an account over its device limit 0.5, counting the device it refused', () => {
    expect(shareScore({ ...base, devices: 5 })).to.equal(0.5);
    expect(shareScore({ ...base, devices: 4, signals: [{ check: 'device_count', observed: 5, threshold: 4 }] })).to.equal(0.5);
    expect(shareScore({ ...base, devices: 4 })).to.equal(0.25);
  });

  it('weighs each other signal that fired, once per check', () => {
    expect(shareScore({ ...base, devices: 0, signals: fired('impossible_travel') })).to.equal(0.4);
    expect(shareScore({ ...base, devices: 0, signals: fired('impossible_travel', 'concurrent_sessions', 'impossible_travel') })).to.equal(0.64);
    // Counted by the devices and people parts already.
    expect(shareScore({ ...base, devices: 0, signals: fired('mobile_device_count', 'people_count') })).to.equal(0);
  });

  it('combines the evidence as independent, never above 1', () => {
    expect(shareScore({ ...base, people: 2, devices: 5, signals: fired('impossible_travel') })).to.equal(0.85);
    expect(shareScore({ ...base, people: 30, devices: 50, signals: fired('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j') })).to.be.at.most(1);
  });

  it('orders equal values by the newest, with keys exact in a double', () => {
    const older = accountSortKeys({ score: 0.5, people: 2, devices: 3, lastSeen: Date.UTC(2026, 0, 5) });
    const newer = accountSortKeys({ score: 0.5, people: 2, devices: 3, lastSeen: Date.UTC(2026, 0, 5, 0, 0, 1) });
    const higher = accountSortKeys({ score: 0.5001, people: 3, devices: 4, lastSeen: Date.UTC(2020, 0, 1) });
    for (const sort of ['score', 'people', 'devices', 'lastSeen'] as const) expect(newer[sort]).to.be.greaterThan(older[sort]);
    for (const sort of ['score', 'people', 'devices'] as const) expect(higher[sort]).to.be.greaterThan(newer[sort]);
    for (const key of Object.values(accountSortKeys({ score: 1, people: 1e9, devices: 1e9, lastSeen: 4e12 }))) expect(Number.isSafeInteger(key)).to.equal(true);
  });

  it('reads back its own cursor, and refuses one made for another sort', () => {
    const cursor = encodeCursor('people', 123, 'acct:1');
    expect(decodeCursor(cursor, 'people')).to.deep.equal({ key: 123, accountId: 'acct:1' });
    expect(() => decodeCursor(cursor, 'score')).to.throw(/SHARELOCK_E_ADMIN_INVALID.*made for sort "people"/);
  });
});
