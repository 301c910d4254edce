import { checkKeys, invalid, wholeNumber } from '../options.js';
import { days, hours, minutes, seconds } from '../time.js';
import { writeKeyDigest } from './auth.js';
import { defaultIngestIdentify, type IngestIdentify } from './event.js';

/** The `ingest` option: Segment-spec events (`page`, `screen`, `identify`) from an analytics pipeline. */
export interface IngestOptions {
  /** Serve the endpoint. Default `true` when this block is given (`false` turns it off, e.g. from the environment). */
  enabled?: boolean;
  /**
   * The write keys the pipeline sends as the HTTP Basic username (empty password), as Segment's
   * HTTP API and webhook destination do. Several keys for rotation. Required when enabled; each at
   * least 16 characters, no `:`.
   */
  writeKeys?: string | string[];
  /**
   * Where the endpoint lives: `POST {path}/v1/batch`, `/v1/page`, `/v1/screen`, `/v1/identify`
   * (and `{path}` itself, which takes either shape). Default `{challenge.basePath}/ingest`, i.e.
   * `/sharelock/ingest`.
   */
  path?: string;
  /** Largest request body, in bytes, both as sent and decompressed. Default 500 KB (Segment's batch limit); at most 5 MB. */
  maxBodyBytes?: number;
  /** Events that happened longer ago than this (after clock correction) are refused, each with a reason. Default 24 hours; at most 30 days. */
  maxEventAgeMs?: number;
  /** Events dated further than this in the future are refused; closer ones count as now. Default 5 minutes. */
  maxClockSkewMs?: number;
  /**
   * Who an event's user is, as `identify(req)` answers for a request: an `Identity`, or
   * `null`/`paying: false` for users sharelock leaves alone. Sync or async. Default: every `userId`
   * is a paying account, with email and phone from the event's traits. Return your own account data
   * here (plan, groups, limits, metadata for policies) rather than trust what events say.
   */
  identify?: IngestIdentify;
  /**
   * Send verification codes to the email and phone `identify` events teach, for accounts whose
   * `identify(req)` gives neither. Default `false`: event traits come from clients (a browser's
   * write key is public), so a sharer could name their own address and receive the owner's code.
   * Set it only when your `ingest.identify` returns contacts from your own records.
   */
  dangerouslyTrustEventContacts?: boolean;
  /**
   * Whether devices known only from events (no sharelock cookie value in `context.device.id`)
   * count toward the account's limits and meet the policies. Default `false`: they are recorded
   * (their accesses feed the signals of the account's other devices) but take no slot, because a
   * browser that also reaches your protected routes would count twice, and a write key could fill
   * any account. Set `true` when events are the only way your app sees those devices (native apps)
   * and your write keys stay on your servers.
   */
  countEventDevices?: boolean;
}

export interface IngestConfig {
  enabled: boolean;
  /** SHA-256 of each write key. */
  writeKeys: readonly Buffer[];
  path: string;
  maxBodyBytes: number;
  maxEventAgeMs: number;
  maxClockSkewMs: number;
  identify: IngestIdentify;
  dangerouslyTrustEventContacts: boolean;
  countEventDevices: boolean;
}

const INGEST_KEYS: { [K in keyof Required<IngestOptions>]: true } = { enabled: true, writeKeys: true, path: true, maxBodyBytes: true, maxEventAgeMs: true, maxClockSkewMs: true, identify: true, dangerouslyTrustEventContacts: true, countEventDevices: true };
const PATH = /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
export const DEFAULT_MAX_BODY_BYTES = 500 * 1024;

/** Validate the `ingest` block; `basePath` is the resolved `challenge.basePath`. */
export function resolveIngest(value: unknown, basePath: string): Readonly<IngestConfig> {
  const raw = value === undefined ? {} : checkKeys('ingest', value, INGEST_KEYS);
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') throw invalid('ingest.enabled', raw.enabled, 'Pass `true` or `false`.');
  const enabled = value !== undefined && raw.enabled !== false;

  const keys = raw.writeKeys === undefined ? [] : Array.isArray(raw.writeKeys) ? raw.writeKeys : [raw.writeKeys];
  keys.forEach((key: unknown, i) => {
    const option = Array.isArray(raw.writeKeys) ? `ingest.writeKeys[${i}]` : 'ingest.writeKeys';
    if (typeof key !== 'string' || key.length < 16 || key.length > 256 || key.includes(':')) {
      throw invalid(option, typeof key === 'string' ? `${key.slice(0, 4)}… (${key.length} characters)` : key, 'A write key is a string of 16 to 256 characters without `:`, e.g. from `openssl rand -hex 24`; your pipeline sends it as the Basic auth username.');
    }
  });
  if (enabled && keys.length === 0) {
    throw invalid('ingest.writeKeys', raw.writeKeys, 'The ingest endpoint needs at least one write key, which your pipeline sends as the HTTP Basic username (e.g. `writeKeys: [process.env.SHARELOCK_WRITE_KEY]`). Or set `ingest.enabled: false`.');
  }

  const path = raw.path ?? `${basePath}/ingest`;
  if (typeof path !== 'string' || !PATH.test(path)) throw invalid('ingest.path', path, "Use a path such as '/sharelock/ingest' (no trailing slash).");
  if (path === `${basePath}/challenge` || path.startsWith(`${basePath}/challenge/`)) throw invalid('ingest.path', path, `The challenge pages live under ${basePath}/challenge; pick another path.`);

  const identify = raw.identify ?? defaultIngestIdentify;
  if (typeof identify !== 'function') throw invalid('ingest.identify', identify, 'Pass a function from an event to an `Identity` (or null), e.g. `(event) => accounts.byId(event.userId)`.');

  return Object.freeze({
    enabled,
    writeKeys: Object.freeze((keys as string[]).map(writeKeyDigest)),
    path,
    maxBodyBytes: wholeNumber('ingest.maxBodyBytes', raw.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 1024, 5 * 1024 * 1024),
    maxEventAgeMs: wholeNumber('ingest.maxEventAgeMs', raw.maxEventAgeMs, hours(24), seconds(1), days(30)),
    maxClockSkewMs: wholeNumber('ingest.maxClockSkewMs', raw.maxClockSkewMs, minutes(5), 0, days(1)),
    identify: identify as IngestIdentify,
    dangerouslyTrustEventContacts: flag('ingest.dangerouslyTrustEventContacts', raw.dangerouslyTrustEventContacts),
    countEventDevices: flag('ingest.countEventDevices', raw.countEventDevices),
  });
}

/** A boolean option, `false` by default. */
function flag(option: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw invalid(option, value, 'Pass `true` or `false`.');
  return value === true;
}
