import { expect } from 'chai';
import * as fc from 'fast-check';
import { sharingCopy } from '../../src/stores/memory-records.js';
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
