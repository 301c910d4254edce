import * as fc from 'fast-check';

/**
 * Request targets built from the pieces that make two spellings of one path (case, percent-encoding,
 * dot and empty segments, `;` parameters, encoded slashes, absolute form, long queries, fragments),
 * and an oracle, written independently of `routingForms`, for which of them a pattern covers.
 */

const WATCH = ['watch', 'WATCH', 'Watch', 'wAtCh', 'w%61tch', '%77atch', '%77%61%74%63%68', 'W%41TCH', 'watch;x=1', 'watch;'];
const KIDS = ['kids', 'KIDS', 'Kids', 'k%69ds', '%6bids', '%6B%49%44%53', 'kids;v=2'];
const SHOWS = ['shows', 'SHOWS', 'sh%6fws', 'shows;p', 'live'];
const DOTS = ['.', '..', '%2e', '%2E', '%2e%2e', '.%2e', '%2E.', '...', '.;x', '..;x'];
const OTHER = ['free', 'api', 'premium', 'sharelock', 'challenge', 'x', '%2F', '%2f', 'watch%2F1', 'watch%2f%2e%2e', 'kids%2Fshows', '%5c', '\\'];

/** One percent-escape of any byte (either case), or a malformed one. */
const escape = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([byte, upper]) => `%${byte.toString(16).padStart(2, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%g1', '%2', '%%', '%u0077') },
);

/** What a route parameter could be: digits, words, escapes, `;` parameters. Never spells `trailer` (excluded in the scenario app). */
const id = fc
  .oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^[0-9]{1,4}$/) },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/) },
    { weight: 2, arbitrary: fc.constantFrom('%31', '1%32', '%C3%A9', '1;jsessionid=x', '1;', ';x', '1%3Bx', '1.', '.1', '1..', '~1') },
    // Encoded slashes, which Fastify's router keeps inside the parameter (`/watch/1%2F2` is id `1/2`).
    { weight: 1, arbitrary: fc.constantFrom('1%2F2', '%2F', 'a%2fb', '%2F..', '1%252F', '%5C1') },
    // Line terminators and other controls, which a decoding router (Fastify's) puts in the parameter.
    { weight: 1, arbitrary: fc.constantFrom('%0A', '%0d', '1%0A', '%0D%0A', '%E2%80%A8', '%e2%80%a9', '%09', '%00', '%7F', '%1b') },
    { weight: 2, arbitrary: fc.tuple(fc.stringMatching(/^[0-9a-z]{0,3}$/), escape).map(([a, b]) => a + b) },
  )
  .filter((value) => !/trailer/i.test(decodeAscii(value)));

const segment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WATCH) },
  { weight: 3, arbitrary: fc.constantFrom(...KIDS) },
  { weight: 2, arbitrary: fc.constantFrom(...SHOWS) },
  { weight: 4, arbitrary: id },
  { weight: 3, arbitrary: fc.constantFrom(...DOTS) },
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom(...OTHER) },
  { weight: 1, arbitrary: fc.array(escape, { minLength: 1, maxLength: 4 }).map((escapes) => escapes.join('')) },
);

/** A path of random segments, or one shaped like a protected URL with noise around its parts. */
export const path: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 6 }).map((segments) => `/${segments.join('/')}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 2 }) }),
        fc.oneof(fc.constantFrom(...WATCH).map((w) => [w]), fc.tuple(fc.constantFrom(...KIDS), fc.constantFrom(...SHOWS))),
        fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.constantFrom('', '.', '%2e', ';x'), { minLength: 1, maxLength: 2 }) }),
        // The parameter: an id, a dot segment (routed as a parameter), or nothing (`/watch/`: an empty one on Fastify).
        fc.oneof({ weight: 3, arbitrary: id }, { weight: 2, arbitrary: fc.constantFrom('.', '..', '') }, { weight: 1, arbitrary: fc.constantFrom(...DOTS) }),
        fc.constantFrom('', '', '', '', '/', '//', '/.', '/..', '/%2e%2e', ';x'),
      )
      .map(([before, route, middle, last, tail]) => `/${[...before, ...route, ...middle, last].join('/')}${tail}`),
  },
);

/** `scheme://authority` prefixes of absolute-form targets (Node accepts them, routers route their path). */
const ABSOLUTE = ['http://localhost', 'HTTP://LOCALHOST:80', 'http://localhost:80', 'https://localhost', 'http://127.0.0.1:1', 'http://evil.example'];

const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9=&%.;/]{0,24}$/).map((q) => `?${q}`) },
  // Long queries, up to 10 000 characters: a URL longer than 8 KB once slipped past as `/`.
  { weight: 2, arbitrary: fc.tuple(fc.stringMatching(/^[a-z0-9=&]{0,8}$/), fc.integer({ min: 1, max: 10_000 })).map(([q, n]) => `?${q}${'q'.repeat(n)}`) },
);
const fragment = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9/.]{0,8}$/).map((f) => `#${f}`) });

export interface Target {
  /** What is sent on the request line. */
  target: string;
  /** The path the target carries, as built (`/` for an absolute form with none). */
  path: string;
  /** The path with its query and fragment. */
  url: string;
}

/** Origin-form and absolute-form request targets, with their path as built. */
export const target: fc.Arbitrary<Target> = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: fc.constantFrom(...ABSOLUTE) }), path, query, fragment, fc.nat({ max: 9 }))
  .map(([prefix, p, q, f, pick]) => {
    // Now and then an absolute form with no path at all (`http://host?x`): routers route it as `/`.
    if (prefix && pick === 0) return { target: `${prefix}${q}${f}`, path: '/', url: `/${q}${f}` };
    return { target: `${prefix}${p}${q}${f}`, path: p, url: `${p}${q}${f}` };
  });

// ---- The oracle: which spellings of a path a router or a normalising proxy may route alike. ----

/** Every ASCII percent-escape decoded once (what decodes the letters and separators that matter). */
export function decodeAscii(value: string): string {
  return value.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** What Fastify's router (find-my-way) routes: `decodeURI`, which keeps `%2F`, `%3B`, `%3F`... encoded; `undefined` when malformed (it answers 400). */
function decodeReserved(value: string): string | undefined {
  try {
    return decodeURI(value);
  } catch {
    return undefined;
  }
}

/** `;` parameters removed from every segment (Tomcat, Jetty and some proxies do). */
const stripParams = (p: string) =>
  p
    .split('/')
    .map((s) => s.split(';')[0])
    .join('/');

/** RFC 3986 §5.2.4 remove_dot_segments (empty segments are kept, as the RFC does). */
function removeDotSegments(p: string): string {
  const input = p.split('/').slice(1);
  const output: string[] = [];
  input.forEach((s, i) => {
    const last = i === input.length - 1;
    if (s === '.' || s === '..') {
      if (s === '..') output.pop();
      if (last) output.push('');
    } else output.push(s);
  });
  return `/${output.join('/')}`;
}

const mergeSlashes = (p: string) => p.replace(/\/{2,}/g, '/');

/**
 * Dot segments resolved after merging slashes, as `path.posix.normalize`, nginx and static file
 * servers do. (RFC 3986 alone keeps empty segments, so `/kids//../x` is `/kids/x` there; none of the
 * four routers resolves dot segments at all, and a proxy that does hands the app the resolved path.)
 */
const resolveDots = (p: string) => removeDotSegments(mergeSlashes(p));

/** Segments after the leading `/`, or `undefined` for a target that is no path. */
const segmentsOf = (spelling: string) => (spelling.startsWith('/') ? spelling.split('/').slice(1) : undefined);
const isDots = (segment: string) => segment === '.' || segment === '..';

/**
 * What the routers route, lower-cased (the patterns ignore case, as Express does): the path as sent
 * (Express, Koa, Nest on Express) and decoded but for reserved characters (Fastify, Nest on Fastify).
 * None of them resolves dot segments or merges slashes: `/watch/..` is `/watch/:id` with id `..`.
 */
export function routedSpellings(p: string): string[] {
  return [...new Set([p, decodeReserved(p) ?? p].map((s) => s.toLowerCase()))];
}

/**
 * The normalised spellings the README promises to judge too, lower-cased: as sent, percent-decoded
 * or decoded but for reserved characters; then optionally without `;` parameters; then optionally
 * with slashes merged; then optionally with dot segments resolved.
 */
export function normalisedSpellings(p: string): string[] {
  const out = new Set<string>();
  for (const decoded of [p, decodeAscii(p), decodeReserved(p) ?? p])
    for (const plain of [decoded, stripParams(decoded)])
      for (const merged of [plain, mergeSlashes(plain)])
        for (const resolved of [merged, resolveDots(merged)]) out.add(resolved.toLowerCase());
  return [...out];
}

/**
 * As a router routes `/watch/:id`: `watch` and one more segment, whatever it holds (`..` too), empty
 * too (Fastify routes `/watch/` with an empty id), or a non-empty one and a trailing slash (Express
 * and Koa route `/watch/1/`).
 */
export function routesToWatch(spelling: string): boolean {
  const s = segmentsOf(spelling);
  if (s === undefined || s[0] !== 'watch') return false;
  return s.length === 2 || (s.length === 3 && s[1] !== '' && s[2] === '');
}

/** As the glob `/watch/*` reads a normalised path: `watch` and one non-empty segment that is no dot segment, one trailing slash ignored. */
export function globWatch(spelling: string): boolean {
  const s = segmentsOf(spelling);
  if (s !== undefined && s.length === 3 && s[2] === '') s.pop();
  return s !== undefined && s.length === 2 && s[0] === 'watch' && s[1] !== '' && !isDots(s[1]!);
}

/** `/kids/**` (or a router mounted at `/kids`): `kids` and anything below it. */
export const underKids = (spelling: string) => segmentsOf(spelling)?.[0] === 'kids';

/** The spelling by which some router or normalised reading puts the path under `/watch/*` or `/kids/**`, if any. */
export function protectedSpelling(p: string): string | undefined {
  return routedSpellings(p).find((s) => routesToWatch(s) || underKids(s)) ?? normalisedSpellings(p).find((s) => globWatch(s) || underKids(s));
}
