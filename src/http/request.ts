import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import Negotiator from 'negotiator';

/** The framework-neutral request the core decides on. Adapters build it; the core never sees a framework. */
export interface RequestLike {
  /** Upper-case method. */
  method: string;
  /** Path without the query string, e.g. `/watch/1`. */
  path: string;
  /** Path and query, e.g. `/watch/1?t=30`; used as the challenge's `returnTo`. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The socket peer's address; the client IP is derived from it and `trustProxy`. */
  remoteAddress: string | undefined;
  /** Whether the client reached the app over HTTPS (directly or through a trusted proxy). */
  https: boolean;
}

/**
 * A `RequestLike` from a `node:http` request. `target` is the request target as the client sent it,
 * before any router rewrote it: by default `originalUrl` (Express and Connect rewrite `url` under a
 * mount path) or `url`. `X-Forwarded-Proto` counts only from a trusted proxy.
 */
export function fromNodeRequest(
  req: IncomingMessage & { originalUrl?: string },
  trust: (address: string, hop: number) => boolean,
  target: string = targetOf(req),
): RequestLike {
  const url = urlOf(target);
  const path = pathOf(url);
  const remoteAddress = req.socket?.remoteAddress;
  const forwardedProto = firstValue(req.headers['x-forwarded-proto'])?.split(',')[0]?.trim().toLowerCase();
  const viaTrustedProxy = remoteAddress !== undefined && forwardedProto !== undefined && trust(remoteAddress, 0);
  return {
    method: methodOf(req),
    path,
    url,
    headers: req.headers,
    remoteAddress,
    https: Boolean((req.socket as TLSSocket | undefined)?.encrypted) || (viaTrustedProxy && forwardedProto === 'https'),
  };
}

/** The request target as the client sent it: `originalUrl` (Express and Connect rewrite `url` under a mount path), or `url`. */
export function targetOf(req: IncomingMessage & { originalUrl?: string }): string {
  return (typeof req.originalUrl === 'string' ? req.originalUrl : req.url) ?? '/';
}

export function methodOf(req: IncomingMessage): string {
  const method = req.method ?? 'GET';
  // Node's parser gives upper case already; `toUpperCase()` would copy it on every request.
  for (let i = 0; i < method.length; i++) {
    const code = method.charCodeAt(i);
    if (code >= 0x61 && code <= 0x7a) return method.toUpperCase();
  }
  return method;
}

// `scheme://authority` at the start of an absolute-form target (`GET http://host/watch/1`).
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The path and path-with-query of a request target, as routers read it: the origin form as is
 * (whatever its length), the absolute form without its scheme and host. Anything else (`*`, a
 * bare word) keeps its text as the path, which never starts with `/` and so is judged as protected.
 */
export function parseTarget(target: string): { path: string; url: string } {
  const url = urlOf(target);
  return { path: pathOf(url), url };
}

/** The origin form of a request target: as is when it starts with `/`, the absolute form without its scheme and host. */
export function urlOf(target: string): string {
  if (target.startsWith('/')) return target;
  const origin = ABSOLUTE_FORM.exec(target);
  if (!origin) return target;
  const url = target.slice(origin[0].length);
  return url.startsWith('/') ? url : `/${url}`;
}

/** The path of an origin-form URL (see `urlOf`): everything before `?` or `#`. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  const end = query === -1 ? fragment : fragment === -1 ? query : Math.min(query, fragment);
  return end === -1 ? url : url.slice(0, end);
}

export function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether to answer with JSON rather than a redirect: the client prefers JSON in `Accept`, or it is
 * a script (`X-Requested-With`, or `Sec-Fetch-Dest: empty` as `fetch()` sends). Everything else is
 * treated as a page navigation, the safe default for browsers.
 */
export function wantsJson(headers: IncomingHttpHeaders): boolean {
  if (firstValue(headers['x-requested-with'])?.toLowerCase() === 'xmlhttprequest') return true;
  if (firstValue(headers['sec-fetch-dest']) === 'empty') return true;
  if (!headers.accept) return false;
  const preferred = new Negotiator({ headers: { accept: headers.accept } }).mediaType(['text/html', 'application/json']);
  return preferred === 'application/json';
}

/** A top-level page load the user could come back to after a challenge. */
export function isPageNavigation(request: RequestLike): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !wantsJson(request.headers);
}
