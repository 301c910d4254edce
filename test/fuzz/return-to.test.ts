import { expect } from 'chai';
import * as fc from 'fast-check';
import { safeReturnTo } from '../../src/challenge/return-to.js';
import { runs, wildString } from './support.js';

const ORIGIN = 'http://a.example';

/** The pieces of open-redirect payloads: slashes of every kind, dot segments, schemes, userinfo, encodings, blanks. */
const PIECES = ['/', '//', '\\', '/\\', '\\/', '.', '..', '/./', '/../', '%2e', '%2E%2E', '%2f', '%2F', '%5c', '%5C', 'evil.example', 'a', '@', ':', '?', '#', '&', 'http:', 'https:', 'javascript:', 'data:', '\t', '\n', '\r', ' ', '%09', '%0a', '%00', '\u0000', '\u007f', '\u00a0', '\u2028', '\uff0f', '\u2215', '%ef%bc%8f', '//evil.example', '/%2f/evil.example', '/.//evil.example', 'watch', '1'];

/** What `returnTo` may safely be: a same-origin path, with nothing a browser would read as another origin. */
function expectSafe(input: string): void {
  const result = safeReturnTo(input);
  if (result === undefined) return;
  const shown = `${JSON.stringify(input.slice(0, 80))} gave ${JSON.stringify(result.slice(0, 80))}`;
  expect(result, shown).to.be.a('string');
  expect(result.startsWith('/'), shown).to.equal(true);
  expect(result.startsWith('//') || result.startsWith('/\\'), shown).to.equal(false);
  expect(/[\u0000-\u001f\u007f]/.test(result), shown).to.equal(false);
  const resolved = new URL(result, ORIGIN);
  expect(resolved.origin, shown).to.equal(ORIGIN);
  // Followed as a redirect it stays a path here, and a second pass keeps it as it is.
  expect(resolved.pathname.startsWith('//'), shown).to.equal(false);
  expect(safeReturnTo(result), `${shown}, then ${JSON.stringify(safeReturnTo(result))}`).to.equal(result);
}

describe('fuzz: returnTo', () => {
  it('keeps any string only as a same-origin path (10 000 strings)', () => {
    fc.assert(fc.property(wildString(300), (input) => expectSafe(input)), runs(0x5eed_0501, 10_000));
  });

  it('keeps a string built from redirect payload pieces only as a same-origin path (20 000 strings)', () => {
    const built = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 10 }).map((pieces) => pieces.join(''));
    fc.assert(fc.property(built, (input) => expectSafe(input)), runs(0x5eed_0502, 20_000));
  });

  it('refuses anything that is not a string, and oversized strings (1 000 values)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.integer({ min: 2_049, max: 50_000 }).map((n) => `/${'a'.repeat(n)}`)), (value) => {
        const result = safeReturnTo(value);
        if (typeof value !== 'string' || value.length > 2_048) expect(result).to.equal(undefined);
      }),
      runs(0x5eed_0503, 1_000),
    );
  });
});
