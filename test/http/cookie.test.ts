import { expect } from 'chai';
import { parse } from 'cookie';
import * as fc from 'fast-check';
import { readCookie } from '../../src/http/cookie.js';
import { runs, wildString } from '../fuzz/support.js';

describe('reading one cookie from a Cookie header', () => {
  const NAME = 'sl_device';

  it('reads the cookie among others, wherever it stands', () => {
    expect(readCookie('sl_device=abc', NAME)).to.equal('abc');
    expect(readCookie('a=1; sl_device=abc; b=2', NAME)).to.equal('abc');
    expect(readCookie('a=1;sl_device=abc', NAME)).to.equal('abc');
    expect(readCookie('a=1; b=2', NAME)).to.equal(undefined);
    expect(readCookie('', NAME)).to.equal(undefined);
  });

  it('trims spaces and tabs around names and values, as cookie does', () => {
    expect(readCookie('  sl_device  =  abc  ; b=2', NAME)).to.equal('abc');
    expect(readCookie('a=1;\tsl_device\t=\tabc\t', NAME)).to.equal('abc');
  });

  it('keeps the first of duplicate names, as cookie does', () => {
    expect(readCookie('sl_device=first; sl_device=second', NAME)).to.equal('first');
    expect(readCookie('sl_device=; sl_device=second', NAME)).to.equal('');
  });

  it('keeps quotes (cookie@1 does not strip them), so a quoted device value does not verify as another', () => {
    expect(readCookie('sl_device="abc"', NAME)).to.equal('"abc"');
  });

  it('never matches a longer or shorter name, or a name inside a value', () => {
    expect(readCookie('xsl_device=1; sl_device2=2; a=sl_device=3', NAME)).to.equal(undefined);
    expect(readCookie('__Host-sl_device=1', NAME)).to.equal(undefined);
    expect(readCookie('SL_DEVICE=1', NAME)).to.equal(undefined);
  });

  it('skips pairs without "=" and reads what follows them', () => {
    expect(readCookie('junk; sl_device=abc', NAME)).to.equal('abc');
    expect(readCookie('x=1; sl_device;sl_device=abc', NAME)).to.equal('abc');
  });

  it('decodes valid % escapes and keeps invalid ones as sent', () => {
    expect(readCookie('sl_device=a%2Eb', NAME)).to.equal('a.b');
    expect(readCookie('sl_device=a%E0%A4%A', NAME)).to.equal('a%E0%A4%A');
  });

  it('reads exactly what cookie.parse() reads, for any header (10 000 headers)', () => {
    const piece = fc.oneof(
      wildString(40),
      fc.constantFrom('sl_device', ' sl_device ', '\tsl_device', '__Host-sl_device', 'sl_device2', '=', ';', '; ', '"', '%', '%41', '%E0%A4%A', ' ', '\t', 'abc.def'),
    );
    const header = fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(header, fc.constantFrom(NAME, '__Host-sl_device'), (text, name) => {
        expect(readCookie(text, name), JSON.stringify(text)).to.equal(parse(text)[name]);
      }),
      runs(0x5eed_c00c, 10_000),
    );
  });
});
