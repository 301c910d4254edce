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

const MAX_URL_LENGTH = 8192;

/**
 * A `RequestLike` from a `node:http` request. Uses `originalUrl` when a router rewrote `url`
 * (Express and Connect do under a mount path). `X-Forwarded-Proto` counts only from a trusted proxy.
 */
export function fromNodeRequest(req: IncomingMessage & { originalUrl?: string }, trust: (address: string, hop: number) => boolean): RequestLike {
  const raw = (typeof req.originalUrl === 'string' ? req.originalUrl : req.url) ?? '/';
  const url = raw.length > MAX_URL_LENGTH || !raw.startsWith('/') ? '/' : raw;
  const query = url.indexOf('?');
  const remoteAddress = req.socket?.remoteAddress;
  const forwardedProto = firstValue(req.headers['x-forwarded-proto'])?.split(',')[0]?.trim().toLowerCase();
  const viaTrustedProxy = remoteAddress !== undefined && forwardedProto !== undefined && trust(remoteAddress, 0);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: query === -1 ? url : url.slice(0, query),
    url,
    headers: req.headers,
    remoteAddress,
    https: Boolean((req.socket as TLSSocket | undefined)?.encrypted) || (viaTrustedProxy && forwardedProto === 'https'),
  };
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
