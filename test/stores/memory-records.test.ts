import { expect } from 'chai';
import * as fc from 'fast-check';
import { SharedRecords, sharingCopy } from '../../src/stores/memory-records.js';
import { runs } from '../fuzz/support.js';

describe('sharingCopy (how the memory store keeps challenge records)', () => {
  it('gives what structuredClone gives, for any value, and throws where it throws', () => {
    const value = fc.oneof(fc.anything({ withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true }), fc.jsonValue());
    fc.assert(
      fc.property(value, (v) => {
        let cloned: unknown;
        try {
          cloned = structuredClone(v);
        } catch {
          expect(() => sharingCopy(v)).to.throw();
          return;
        }
        expect(sharingCopy(v)).to.deep.equal(cloned);
      }),
      runs(0x5ca1ab, 2_000),
    );
  });

  it('copies objects and arrays but shares their strings, and keeps an object met twice met twice', () => {
    const agent = { browser: 'Chrome', os: 'Android' };
    const record = { id: ['challenge', '1'].join('-'), device: { agent }, reasons: [{ check: 'people_count' }] };
    const copy = sharingCopy(record);
    expect(copy).to.deep.equal(record);
    expect(copy.device).to.not.equal(record.device);
    expect(copy.reasons[0]).to.not.equal(record.reasons[0]);
    const twice = sharingCopy({ a: agent, b: agent });
    expect(twice.a).to.equal(twice.b).and.not.equal(agent);
  });
});

describe('SharedRecords (locations and agents shared store-wide)', () => {
  it('hands out a frozen record with the same fields, order and values, the same one for equal records', () => {
    const primitive = fc.oneof(fc.string({ maxLength: 6 }), fc.double(), fc.constantFrom(0, -0, 1, NaN), fc.boolean(), fc.constant(undefined), fc.constant(null));
    const record = fc.dictionary(fc.constantFrom('lat', 'lon', 'city', 'country', 'asn', 'a', 'b'), primitive, { maxKeys: 5 });
    const shared = new SharedRecords<Record<string, unknown>>(64);
    fc.assert(
      fc.property(record, (r) => {
        const kept = shared.intern(r);
        expect(Object.isFrozen(kept)).to.equal(true);
        expect(Object.keys(kept)).to.deep.equal(Object.keys(r));
        for (const key of Object.keys(r)) expect(Object.is(kept[key], r[key]), key).to.equal(true);
        expect(shared.intern({ ...r })).to.equal(kept);
      }),
      runs(0x5ca1ac, 2_000),
    );
  });
});
