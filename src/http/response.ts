/** A framework-neutral response; each adapter writes it with its own API. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

// sharelock's own responses are per-user and must never be cached, framed or indexed.
const BASE_HEADERS = { 'cache-control': 'no-store' };
const PAGE_HEADERS = {
  ...BASE_HEADERS,
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};

export function redirect(location: string): HttpResponse {
  return { status: 303, headers: { ...BASE_HEADERS, location } };
}

export function json(status: number, body: unknown): HttpResponse {
  return { status, headers: { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

export function page(status: number, body: string): HttpResponse {
  return { status, headers: { ...PAGE_HEADERS }, body };
}
