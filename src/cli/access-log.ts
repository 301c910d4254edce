import { isIP } from 'node:net';
import type { Identity, Limits, Location } from '../model.js';
import type { RequestLike } from '../http/request.js';

/**
 * One request of an access log, one JSON object per line (JSON Lines). Fields the replay does not
 * know are ignored, so an app's own log lines can carry more. See docs/cli.md.
 */
export interface AccessLine {
  /** When: ms since the epoch, or an ISO 8601 string with a time zone (`2026-03-02T19:04:05.120Z`). */
  time: number | string;
  /** The paying account, as `identify()` would return its id. */
  account: string;
  /** The browser or app install, as the app's log names it (a session or device id); one sharelock device cookie each. */
  device: string;
  /** The `User-Agent` header ("" when there was none). */
  userAgent: string;
  /** The client's address, IPv4 or IPv6. */
  ip: string;
  /** Where the address is, as a geolocation database says; travel checks are silent without it. */
  location?: Location;
  /** The path requested. Default `/`. */
  path?: string;
  /** The account's plan, for policies that match on it. */
  plan?: string;
  /** The account's own limits, as `identify()` returns them (a family plan's `{ devices: 15 }`). */
  limits?: Limits;
  /** Other request headers the core reads: Client Hints (`sec-ch-ua-mobile`, `sec-ch-ua-platform`, `sec-ch-ua-model`). */
  headers?: Record<string, string>;
}

/** A line that passed validation, with its time in ms. */
export interface Access extends AccessLine {
  at: number;
}

const LOCATION_NUMBERS = ['lat', 'lon', 'accuracyKm', 'asn'] as const;
const MAX_ID = 512;

/** The line parsed and checked, or why it cannot be replayed (a message naming the field). */
export function parseAccessLine(text: string): { ok: true; access: Access } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'not a JSON object' };
  const line = value as Record<string, unknown>;
  const error = check(line);
  if (error) return { ok: false, error };
  const at = typeof line.time === 'number' ? line.time : Date.parse(line.time as string);
  return { ok: true, access: { ...(line as unknown as AccessLine), at } };
}

function check(line: Record<string, unknown>): string | undefined {
  const { time } = line;
  if (typeof time === 'number') {
    if (!Number.isSafeInteger(time) || time < 0) return '`time` must be whole ms since the epoch, or an ISO 8601 string';
  } else if (typeof time === 'string') {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(time) || Number.isNaN(Date.parse(time))) return `\`time\` ${JSON.stringify(time)} is not an ISO 8601 time with a zone, e.g. "2026-03-02T19:04:05Z"`;
  } else {
    return '`time` is missing (ms since the epoch, or an ISO 8601 string)';
  }
  for (const field of ['account', 'device'] as const) {
    const id = line[field];
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) return `\`${field}\` must be a non-empty string of at most ${MAX_ID} characters`;
  }
  if (typeof line.userAgent !== 'string') return '`userAgent` must be a string ("" when the request had none)';
  if (typeof line.ip !== 'string' || isIP(line.ip) === 0) return `\`ip\` ${JSON.stringify(line.ip)} is not an IPv4 or IPv6 address`;
  if (line.path !== undefined && (typeof line.path !== 'string' || !line.path.startsWith('/'))) return '`path` must start with `/`';
  if (line.plan !== undefined && typeof line.plan !== 'string') return '`plan` must be a string';
  if (line.limits !== undefined && (typeof line.limits !== 'object' || line.limits === null || Object.values(line.limits).some((n) => typeof n !== 'number'))) return '`limits` must be an object of numbers, e.g. { "devices": 15 }';
  if (line.headers !== undefined && (typeof line.headers !== 'object' || line.headers === null || Object.values(line.headers).some((v) => typeof v !== 'string'))) return '`headers` must be an object of strings';
  if (line.location !== undefined) {
    const location = line.location as Record<string, unknown>;
    if (typeof location !== 'object' || location === null) return '`location` must be an object, e.g. { "lat": 48.86, "lon": 2.35, "accuracyKm": 20, "country": "FR" }';
    for (const key of LOCATION_NUMBERS) if (location[key] !== undefined && (typeof location[key] !== 'number' || !Number.isFinite(location[key]))) return `\`location.${key}\` must be a number`;
    if ((location.lat === undefined) !== (location.lon === undefined)) return '`location` needs both `lat` and `lon`, or neither';
    if (location.lat !== undefined && Math.abs(location.lat as number) > 90) return '`location.lat` must be between -90 and 90';
    if (location.lon !== undefined && Math.abs(location.lon as number) > 180) return '`location.lon` must be between -180 and 180';
    if (location.country !== undefined && (typeof location.country !== 'string' || !/^[A-Z]{2}$/.test(location.country))) return '`location.country` must be an ISO 3166-1 alpha-2 code in capitals, e.g. "FR"';
    for (const key of ['hosting', 'mobile'] as const) if (location[key] !== undefined && typeof location[key] !== 'boolean') return `\`location.${key}\` must be true or false`;
  }
  return undefined;
}

/** What `identify()` returns for the line's account. */
export function identityOf(access: AccessLine): Identity {
  return { id: access.account, ...(access.plan !== undefined ? { plan: access.plan } : {}), ...(access.limits ? { limits: access.limits } : {}) };
}

/** The request the line describes, from `ip` over HTTPS, carrying the device's sharelock cookie once it has one. */
export function requestOf(access: AccessLine, cookie: string | undefined): RequestLike {
  const path = access.path ?? '/';
  return {
    method: 'GET',
    path,
    url: path,
    headers: {
      ...access.headers,
      host: 'replay.sharelock.invalid',
      'user-agent': access.userAgent,
      ...(cookie ? { cookie } : {}),
    },
    remoteAddress: access.ip,
    https: true,
  };
}
