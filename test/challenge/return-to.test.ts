import { expect } from 'chai';
import { safeReturnTo } from '../../src/challenge/return-to.js';

describe('safeReturnTo', () => {
  it('keeps same-origin paths with their query and fragment', () => {
    expect(safeReturnTo('/watch/9?t=30#chapter')).to.equal('/watch/9?t=30#chapter');
    expect(safeReturnTo('/a/../watch/1')).to.equal('/watch/1');
  });

  it('refuses absolute, protocol-relative and backslash URLs', () => {
    for (const value of ['https://evil.example/', '//evil.example', '/\\evil.example', 'evil.example', '', 42, undefined, `/${'a'.repeat(3000)}`]) {
      expect(safeReturnTo(value), String(value)).to.equal(undefined);
    }
  });

  it('refuses inputs that only become protocol-relative once dot segments are resolved', () => {
    for (const value of ['/.//evil.example', '/a/..//evil.example', '/././/evil.example/x', '/a/b/../..//evil.example?x=1']) {
      expect(safeReturnTo(value), value).to.equal(undefined);
    }
  });
});
