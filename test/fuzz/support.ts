import * as fc from 'fast-check';
import type { Logger, RequestLike } from '../../src/index.js';

/**
 * Shared pieces of the property-based tests. Every property runs a fixed number of cases from a
 * fixed seed, so CI replays exactly the same inputs; on failure fast-check prints the seed, the
 * path and the shrunk counterexample (replay one with `{ seed, path, endOnFailure: true }`).
 */
export function runs(seed: number, numRuns: number): fc.Parameters<unknown> {
  return { seed, numRuns };
}

export const SECRET = 'a-fuzzing-secret-that-is-long-enough-0123456789';
export const quietLogger: Logger = { warn: () => {}, error: () => {} };
export const WINDOWS_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

/** A neutral request as an adapter would build it; `headers` replace the defaults. */
export function requestLike(headers: RequestLike['headers'] = {}, extra: Partial<RequestLike> = {}): RequestLike {
  return { method: 'GET', path: '/watch/1', url: '/watch/1', headers: { host: 'localhost', 'user-agent': WINDOWS_UA, ...headers }, remoteAddress: '203.0.113.5', https: false, ...extra };
}

/** `name=value` of a `Set-Cookie` value. */
export const cookiePair = (setCookie: string): string => setCookie.slice(0, setCookie.indexOf(';') === -1 ? undefined : setCookie.indexOf(';'));

/** Strings of many shapes: ASCII, any code point (lone surrogates too), control characters, and now and then huge. */
export function wildString(maxLength = 200): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength }) },
    { weight: 3, arbitrary: fc.string({ maxLength, unit: 'binary' }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) }) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 1_000, max: 20_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n)) },
  );
}

/** An HTTP header value Node would accept on the wire (no CR, LF or NUL), of any length up to ~8 KB. */
export function headerValue(maxLength = 200): fc.Arbitrary<string> {
  return wildString(maxLength).map((s) => s.replace(/[\r\n\0]/g, ''));
}
