import { expect } from 'chai';
import * as fc from 'fast-check';
import type { AccountProfile, Place } from '../../src/signals/households.js';
import { decodeProfile, encodeProfile } from '../../src/stores/profile-codec.js';
import { runs, wildString } from '../fuzz/support.js';

/** What the store handed out before it packed profiles: the value after a JSON round trip. */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

const number = fc.oneof(
  fc.integer({ min: 19_000, max: 22_000 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 2 ** 47, -(2 ** 47), 2 ** 47 - 1, 1_772_458_957_758.838),
);
const days = fc.oneof(fc.array(number, { maxLength: 31 }), fc.uniqueArray(fc.integer({ min: 20_000, max: 20_600 }), { maxLength: 31 }).map((d) => d.sort((a, b) => a - b)));
const text = fc.oneof(fc.constantFrom('203.0.113.0/24', '2001:db8:1:2::/64', 'KyviLU79vo2dZFNFAoK8qA', 'FR', ''), wildString(30));

const place: fc.Arbitrary<Place> = fc.record(
  {
    networks: fc.array(text, { maxLength: 8 }),
    devices: fc.array(text, { maxLength: 16 }),
    days,
    overlapDays: days,
    lastSeen: number,
    lat: number,
    lon: number,
    accuracyKm: number,
    asn: number,
    country: text,
    addresses: fc.array(fc.tuple(text, number), { maxLength: 3 }),
    workHoursOnly: fc.boolean(),
  },
  { requiredKeys: ['networks', 'devices', 'days', 'overlapDays', 'lastSeen'] },
);
const profile: fc.Arbitrary<AccountProfile> = fc.record(
  { v: fc.constant(1 as const), places: fc.array(place, { maxLength: 16 }), egress: fc.array(text, { maxLength: 8 }), tzMinutes: number },
  { requiredKeys: ['v', 'places'] },
);

describe('profile codec (the memory store’s packed profiles)', () => {
  it('gives back every profile the core writes as its JSON round trip gives it', () => {
    fc.assert(
      fc.property(profile, (p) => {
        expect(decodeProfile(encodeProfile(p)!)).to.deep.equal(viaJson(p));
      }),
      runs(0x9ac4ed, 2_000),
    );
  });

  it('packs a profile the core writes to a third of its JSON or less, in one byte a char', () => {
    const home: Place = { networks: ['203.0.113.0/24', '2001:db8:1:2::/64'], devices: ['KyviLU79vo2dZFNFAoK8qA', 'QmFzZTY0VXJsRGV2aWNlSWQ'], days: Array.from({ length: 31 }, (_, i) => 20_519 + i), overlapDays: [20_521, 20_530], lastSeen: 1_772_458_957_758, lat: 48.8566, lon: 2.3522, accuracyKm: 20, asn: 3215, country: 'FR', addresses: [['203.0.113.7', 1_772_000_000_000]] };
    const p: AccountProfile = { v: 1, places: [home, { ...home, networks: ['198.51.100.0/24'], lat: 45.764, lon: 4.8357 }], tzMinutes: 60 };
    const stored = encodeProfile(p)!;
    expect(stored.length).to.be.below(JSON.stringify(p).length / 3);
    expect([...stored].every((c) => c.charCodeAt(0) <= 0xff)).to.equal(true);
  });

  it('keeps any other value as its JSON round trip, and nothing for what JSON has nothing for', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), profile.map((p) => ({ ...p, extra: 1 }))), (value) => {
        const stored = encodeProfile(value);
        if (JSON.stringify(value) === undefined) expect(stored).to.equal(undefined);
        else expect(decodeProfile(stored!)).to.deep.equal(viaJson(value));
      }),
      runs(0x9ac4ee, 2_000),
    );
  });

  it('reads a damaged packed profile as the empty profile, never throwing', () => {
    const stored = encodeProfile({ v: 1, places: [{ networks: ['203.0.113.0/24'], devices: ['d1'], days: [20_519], overlapDays: [], lastSeen: 1 }] })!;
    fc.assert(
      fc.property(fc.nat(stored.length - 1), fc.string({ maxLength: 8, unit: 'binary' }), (at, junk) => {
        const damaged = stored.slice(0, Math.max(1, at)) + junk;
        const read = decodeProfile(damaged);
        // Either still a well-formed profile (the junk happened to read) or the empty one.
        expect(read).to.have.property('v', 1);
        expect(read).to.have.property('places').that.is.an('array');
      }),
      runs(0x9ac4ef, 2_000),
    );
    expect(decodeProfile('\x01')).to.deep.equal({ v: 1, places: [] });
    expect(decodeProfile('\x01\x05')).to.deep.equal({ v: 1, places: [] });
    expect(decodeProfile('{not json')).to.deep.equal({ v: 1, places: [] });
  });
});
