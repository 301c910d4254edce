import type { Config, ResolvedRouteOptions } from './options.js';

/**
 * Which requests the `protect` patterns cover, and with which route options.
 *
 * Precedence: `exclude` wins over every pattern; among `protect` rules the first that matches the
 * path (and method, when the rule lists methods) wins. `OPTIONS` preflights are never protected.
 * A route guarded by `guard.protect(options)` is checked with those options on top; when a request
 * also matches a pattern, both checks run and each must allow it.
 *
 * The path is judged in every form a router might route it (see `routingForms`): a request is
 * protected when any form is, so no spelling of a protected URL slips past. A path that is not a
 * path at all (it does not start with `/`) is judged with the global options, never let through.
 */
export function matchRoute(config: Pick<Config, 'rules' | 'exclude' | 'defaultRoute'>, method: string, path: string): ResolvedRouteOptions | undefined {
  if (method === 'OPTIONS' || config.rules.length === 0) return undefined;
  if (!path.startsWith('/')) return config.defaultRoute;
  if (!isUnusual(path)) return matchForm(config, method, path);
  for (const form of routingForms(path)) {
    const route = matchForm(config, method, form, true);
    if (route) return route;
  }
  return undefined;
}

/**
 * The rule covering one spelling. With `blanks`, a rule may also match the spelling with its empty
 * and dot segments read as ordinary ones (`asSegments`); an exclusion is judged on the spelling.
 */
function matchForm(config: Pick<Config, 'rules' | 'exclude'>, method: string, path: string, blanks = false): ResolvedRouteOptions | undefined {
  // Express treats `/watch/1/` as `/watch/1`; so do the patterns.
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (config.exclude?.(trimmed)) return undefined;
  // Built for unusual paths only: an ordinary one is matched as it is, with nothing allocated.
  const segments = blanks ? [asSegments(trimmed), asSegments(path)] : undefined;
  for (const rule of config.rules) {
    if (rule.methods && !rule.methods.has(method)) continue;
    if (rule.match(trimmed) || segments?.some(rule.match)) return rule.options;
  }
  return undefined;
}

// An empty, `.` or `..` segment after a non-empty one (not the root itself).
const BLANK_SEGMENT = /(?<=[^/]\/)(?:\.\.?)?(?=\/|$)/g;

/**
 * The path with each empty, `.` or `..` segment read as an ordinary one: picomatch's `*` and `**`
 * never match them, while routers route them as a parameter (`/watch/..` everywhere, `/watch/` on
 * Fastify).
 */
const asSegments = (path: string) => path.replace(BLANK_SEGMENT, (segment) => '_'.repeat(Math.max(1, segment.length)));

/**
 * What can make two spellings of one path: percent-encoding, empty or dot segments (a trailing
 * slash ends in an empty one), `;` parameters. The regular expression `/%|\/\/|\/\.|;|.\/$/`, as one
 * pass over the characters: every request of every adapter asks.
 */
export function isUnusual(path: string): boolean {
  const last = path.length - 1;
  for (let i = 0; i <= last; i++) {
    const code = path.charCodeAt(i);
    if (code === 0x25 || code === 0x3b) return true;
    if (code === 0x2f && i < last) {
      const next = path.charCodeAt(i + 1);
      if (next === 0x2f || next === 0x2e) return true;
    }
  }
  // A trailing slash after any character but a line terminator (what `.` leaves out).
  return last >= 1 && path.charCodeAt(last) === 0x2f && !LINE_TERMINATOR.has(path.charCodeAt(last - 1));
}

const LINE_TERMINATOR: ReadonlySet<number> = new Set([0x0a, 0x0d, 0x2028, 0x2029]);

/**
 * The spellings of a path that some router routes like the original: as sent; percent-decoded
 * (Koa's router decodes fully, Fastify's with `decodeURI`, keeping `%2F`); with `;` segment
 * parameters removed; with duplicate slashes merged (Fastify's `ignoreDuplicateSlashes`); with dot
 * segments resolved and empty ones dropped (proxies and static servers normalise). Only for unusual
 * paths; each is also matched with its empty and dot segments read as ordinary ones (`asSegments`).
 */
export function routingForms(path: string): string[] {
  const forms = new Set<string>();
  for (const form of [path, decoded(path), decodedReserved(path)]) {
    const plain = form.replace(/;[^/]*/g, '');
    for (const spelling of [form, plain, merged(form), merged(plain), normalised(form), normalised(plain)]) forms.add(spelling);
  }
  return [...forms];
}

function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    // A malformed escape: decode what can be, byte by byte.
    return path.replace(/%[0-9a-f]{2}/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
  }
}

/** As Fastify's router (find-my-way) routes: `decodeURI`, which keeps `%2F`, `%3B`, `%3F`... encoded. */
function decodedReserved(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

/** Duplicate slashes merged, dot segments kept (Fastify's `ignoreDuplicateSlashes`). */
const merged = (path: string) => path.replace(/\/{2,}/g, '/');

/** Dot segments resolved and empty segments dropped, as RFC 3986 (and most proxies) would. */
function normalised(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}${path.endsWith('/') && segments.length > 0 ? '/' : ''}`;
}
