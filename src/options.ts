import { randomBytes } from 'node:crypto';
import picomatch from 'picomatch';
import proxyAddr from 'proxy-addr';
import type { Strings } from './challenge/strings.js';
import type { CodeSender } from './challenge/senders/sender.js';
import { Outbox } from './challenge/senders/outbox.js';
import { SharelockError, show } from './errors.js';
import { REQUESTED_HINTS } from './device/client-hints.js';
import { DEVICE_TYPES, type DeviceType, type Identity, type Limits, type Location } from './model.js';
import { MemoryStore } from './stores/memory.js';
import type { Store } from './stores/store.js';
import { days, hours, minutes, seconds, type Clock } from './time.js';
import { BUDGET_KINDS, type BudgetConfig } from './challenge/budget.js';
import { CDN_HEADERS, type GeoHeaderNames, type GeoHeaderSource } from './geo/headers.js';
import { geoipLiteLookup } from './geo/geoip-lite.js';
import { mmdbLookup } from './geo/maxmind.js';
import { mergedLookup } from './geo/merge.js';
import type { GeoConfig, GeoLookup } from './geo/resolver.js';
import { AccessList, type ListSpec } from './policy/lists.js';
import type { Condition, Policy, PolicyAction } from './policy/policy.js';
import { DEFAULT_POLICIES, PRESETS, VERIFIED_TRUST_MS, type Tolerance } from './policy/presets.js';
import type { SignalSettings } from './signals/context.js';
import { MAX_DAYS } from './signals/households.js';
import { resolveIngest, type IngestConfig, type IngestOptions } from './ingest/options.js';
import { resolveWebhooks, type WebhookConfig, type WebhookOptions } from './events/webhook-options.js';
import { resolveLocales, type LocaleConfig, type LocaleOption, type LocaleStrings } from './i18n/options.js';

/** What to do when the store fails or exceeds `storeTimeoutMs`. */
export type StoreFailure = 'allow' | 'deny';

/** Options a single route can override (`guard.protect(options)`, or a `protect` rule). */
export interface RouteOptions {
  /** Device limits on this route. Account overrides from `identify()` still win. */
  limits?: Limits;
  /** Store failure policy on this route. Default: the global `storeFailure`. */
  storeFailure?: StoreFailure;
}

/** A protected path pattern (picomatch glob: `*` one segment, `**` any depth), with optional methods and options. */
export type ProtectRule = string | ({ path: string | string[]; methods?: string[] } & RouteOptions);

/** Counts per budget window (`challenge.budget.windowMs`), each a whole number from 1 to 1000. */
export interface ChallengeBudgetCounts {
  /** Wrong codes entered, across all challenges; then codes are refused unchecked (and none is sent) until the window ends. */
  wrongCodes?: number;
  /** Codes sent, first ones and re-sends (one code to both email and SMS counts once); then none is sent until the window ends. */
  codesSent?: number;
  /** Challenges opened; one opened beyond it still offers every way out, but sends no code until the window ends. */
  challengesOpened?: number;
}

/**
 * Why a device is logged out: `owner`, the account's owner logged it out (a challenge's device list,
 * or the app's `guard.kick()`); `admin`, the app detached it (`guard.detach()`, an admin tool);
 * `policy`, a policy's `logout` action; `self`, the person on it chose "Log out this device".
 */
export type LogoutReason = 'owner' | 'admin' | 'policy' | 'self';

export interface Logger {
  warn(message: string): void;
  error(message: string, error?: unknown): void;
  debug?(message: string): void;
}

export interface Options<Req = any, Res = any> {
  /**
   * Signs the device cookie and challenge forms; at least 32 characters. An array rotates keys: the
   * first signs, all verify. Required in production; in development a random per-process secret is used.
   */
  secret?: string | string[];
  /** Who is paying. Return `null`/`undefined`/`false`, or `paying: false`, to leave the request unprotected. Sync or async. */
  identify: (req: Req) => Identity | null | undefined | false | Promise<Identity | null | undefined | false>;
  /** Paths protected by the `sharelock()` middleware. Default: none (use `guard.protect()` on routes). */
  protect?: ProtectRule | ProtectRule[];
  /** Paths never protected by `protect` patterns (not by an explicit `guard.protect()`). Default: none. */
  exclude?: string | string[];
  /**
   * Device limits. Default `{ devices: 10 }` (registered devices, as streaming services count them),
   * no per-type limit, one person (`people: 1`): sharing shows in the people signals, not in the count.
   */
  limits?: Limits;
  /** Attached devices unused for this long stop counting (auto-detach). Default 7 days. */
  inactiveAfterMs?: number;
  /** Where users are sent. Each a same-site path or absolute URL. Defaults: all `/`. */
  urls?: { newAccount?: string; logout?: string; success?: string; suspended?: string };
  /**
   * Clears the app's own session when a device is logged out, and says why (`reason`, also sent to
   * `urls.logout` as `?reason=`, so that page can tell the person). Sync or async. Default: none.
   */
  onLogout?: (context: { req: Req; res: Res; reason: LogoutReason }) => void | Promise<void>;
  /**
   * The language of the challenge pages and code messages: a BCP 47 tag (`'fr'`), the tags the app
   * offers in order of preference (the visitor's `Accept-Language` picks among them, else the
   * first), or a function of the request (e.g. the user's own setting; `undefined` falls back to
   * `Accept-Language`). Default: `Accept-Language` among every shipped (en, fr, pl, ar) and
   * `branding.locales` language, else English. See docs/i18n.md.
   */
  locale?: LocaleOption<Req>;
  /**
   * Which proxies to trust for `X-Forwarded-For`, as Express's `trust proxy`: `true`, a hop count,
   * `'loopback'`, CIDR strings, or a function. Default `false` (the socket address).
   */
  trustProxy?: boolean | number | string | string[] | ((address: string, hop: number) => boolean);
  /** Record the page path with each access. Default `true`. */
  recordPages?: boolean;
  /**
   * Store each access's full IP address. `false` keeps only its network (IPv4 /24, IPv6 /56) and
   * approximate location, for apps that minimise personal data; allow/deny lists still see the
   * request's address, but shared-egress (VPN exit) detection, which compares addresses within a
   * network, has less to go on. Default `true`.
   */
  recordIps?: boolean;
  cookie?: {
    /** Default `sl_device` (`__Host-sl_device` when `Secure`). */
    name?: string;
    /** Default 400 days, the longest browsers keep a cookie. */
    maxAgeMs?: number;
    /** `'auto'`: `Secure` except over plain-http localhost. Default `'auto'`. */
    secure?: 'auto' | boolean;
  };
  /** Verdict cache. `allow` verdicts are reused for `allowTtlMs` (default 30 s); at most `max` entries (default 10 000). */
  cache?: { allowTtlMs?: number; max?: number };
  /** A cached request still records its access, at most once per this interval per device. Default 60 s. */
  touchIntervalMs?: number;
  /** Recent accesses kept per account for signals. Default 100. */
  historySize?: number;
  challenge?: {
    /** Where the challenge pages are mounted. Default `/sharelock`; pages live under `{basePath}/challenge/`. */
    basePath?: string;
    /** How long a challenge stays open. Default 30 minutes. */
    ttlMs?: number;
    /** How long a code is valid. Default 10 minutes. */
    codeTtlMs?: number;
    /** Digits in a code, 6 to 10. Default 6. */
    codeLength?: number;
    /** Wrong codes allowed before the challenge fails. Default 5. */
    maxAttempts?: number;
    /** Minimum time between two codes. Default 30 s. */
    resendIntervalMs?: number;
    /** Let anyone who says "I'm the owner" manage the devices without a code. Default `false`. */
    dangerouslySkipOwnerVerification?: boolean;
    /**
     * Budgets across challenges, kept in the store so they hold on every app server: a new
     * challenge never resets them. Each is counted per device and per account in windows that
     * open at its first use; a spent budget pauses that part of the owner's path until its window
     * ends (the page says until when). "Create my own account" and "Log out this device" are
     * never paused.
     */
    budget?: {
      /** How long a window lasts before back-off, in ms. Default 1 hour. */
      windowMs?: number;
      /**
       * Back-off, in ms: a window lasts `windowMs × 2^n`, `n` being how many full budgets the
       * device (or account) spent in the day (this long) in which it began spending, and never
       * longer than this: 1 h, 2 h, 4 h, 8 h, 16 h by default, so about 5 budgets a day however
       * they are paced. Set it to `windowMs` for no back-off. Default 1 day.
       */
      maxWindowMs?: number;
      /** What one device may spend per window. Defaults: 5 wrong codes, 4 codes sent, 5 challenges opened. */
      perDevice?: ChallengeBudgetCounts;
      /** What all devices of one account may spend together per window. Defaults: 10 wrong codes, 8 codes sent, 20 challenges opened. */
      perAccount?: ChallengeBudgetCounts;
    };
  };
  /** Code delivery per channel. Default in development: an in-memory `Outbox` for both. Required in production. */
  senders?: { email?: CodeSender; sms?: CodeSender };
  /**
   * Send events as signed webhooks (Standard Webhooks), in the background, retried with back-off.
   * Default: none. See docs/webhooks.md.
   */
  webhooks?: WebhookOptions;
  branding?: {
    /** Default `'this service'`. */
    appName?: string;
    logoUrl?: string;
    /**
     * CSS colours of the light scheme. Defaults: accent `#4f46e5`, background `#f6f7fb`, text `#1f2937`.
     * In dark mode the pages use their own dark page, card and text colours, and the accent lightened
     * for text on the dark card (buttons keep it as given, with white text).
     */
    colors?: { accent?: string; background?: string; text?: string };
    /** English strings: any of `DEFAULT_STRINGS`, each replacing its default. Counts take their noun from the `…One`/`…Other` pairs (`devicesOne: '{count} device'`). */
    strings?: Partial<Strings>;
    /**
     * Strings per language, by BCP 47 tag: keys of a shipped language to reword (`{ fr: { choiceOwner: '…' } }`),
     * or a whole new one (`{ de: { … } }`; a key it leaves out is English, and sharelock says so once).
     */
    locales?: Record<string, LocaleStrings>;
  };
  /** Where devices, accesses and challenges live. Default: a `MemoryStore`. */
  store?: Store;
  /** Longest a request waits on the store. Default 1 000 ms. */
  storeTimeoutMs?: number;
  /** On a store failure or timeout: `'allow'` (fail open, logged once) or `'deny'` (503). Default `'allow'`. */
  storeFailure?: StoreFailure;
  /** Default: `console`, prefixed. */
  logger?: Logger;
  /** Default: `process.env.NODE_ENV === 'production'`. */
  production?: boolean;
  /** Clock in ms since the epoch, for tests. Default `Date.now`. */
  now?: Clock;
  /** Where accesses come from. Default: no geolocation (travel checks stay silent). */
  geo?: {
    /**
     * Location headers to read, honoured only from a trusted proxy (`trustProxy`), first with a value
     * wins: `'cloudflare'`, `'cloudfront'`, `'fastly'`, or your own names `{ lat, lon, country?, city? }`.
     * Default none.
     */
    headers?: GeoHeaderSource[];
    /** Accuracy radius assumed for header locations (CDNs send none). Default 50 km. */
    headerAccuracyKm?: number;
    /** Your own IP → location lookup. Sync or async. */
    lookup?: GeoLookup;
    /**
     * An offline database, after `lookup`: `'geoip-lite'` (optional peer dependency `geoip-lite@^1`) or
     * a MaxMind file `{ mmdb: '/path/GeoLite2-City.mmdb' }` (optional peer dependency `maxmind@^5`),
     * read at creation. A list is merged field by field, e.g. a City and an ASN database.
     */
    database?: 'geoip-lite' | { mmdb: string } | ('geoip-lite' | { mmdb: string })[];
  };
  /** How much evidence a sharing verdict needs: `'lenient'`, `'default'` or `'strict'`. */
  tolerance?: Tolerance;
  /** Fine-tune signal thresholds over the tolerance preset (units in names). */
  signals?: {
    activeWindowMs?: number;
    dualStackLinkMs?: number;
    cloneWindowMs?: number;
    travel?: Partial<SignalSettings['travel']>;
    velocity?: Partial<SignalSettings['velocity']>;
    people?: Partial<SignalSettings['people']>;
  };
  /** The policies, or a function of the defaults. Default: `DEFAULT_POLICIES`. */
  policies?: Policy[] | ((defaults: readonly Policy[]) => Policy[]);
  /** Decide and record everything, challenge no one. Default `false`. */
  monitor?: boolean;
  /** Accounts, devices, IPs (CIDR) and countries always let through (`allow`) or refused (`deny`, 403). */
  lists?: { allow?: ListSpec; deny?: ListSpec };
  /** A device whose owner passed a code is spared `verify` challenges this long. Default 30 days. */
  verifiedTrustMs?: number;
  /**
   * What a home games console (PlayStation, Xbox, Nintendo Switch, Wii) counts as. Default `'tv'`:
   * for a streaming service it is another screen in the living room, and "2 TVs" should count it.
   * An app whose consoles are rather personal (games, a browser on a handheld) can say `'other'`
   * or `'computer'`. Handheld consoles (PSP, Vita, 3DS) are always `'other'`.
   */
  consoleType?: DeviceType;
  /**
   * Ask Chromium browsers for the Client Hints that settle a device's type (`Sec-CH-UA-Model`,
   * `Sec-CH-UA-Form-Factors`: an Android tablet, a Windows tablet or a Chromebook in tablet mode)
   * with an `Accept-CH` header on guarded responses; they send them from the next request on.
   * `'critical'` adds `Critical-CH`, so the browser retries the first page load once with them.
   * Default `false` (no header; `Sec-CH-UA-Mobile` and `-Platform` are read anyway, browsers send
   * them unasked). A device keeps the type it was first given; hints may refine it once.
   */
  clientHints?: boolean | 'critical';
  /**
   * Segment-spec ingestion: `page`/`screen` events attach devices and record accesses as requests
   * do, `identify` events teach contacts. Served at `{path}/v1/batch` etc. when given. Default: off.
   */
  ingest?: IngestOptions;
  /** Conversions (`guard.trackConversion()`) and their attribution. */
  conversions?: {
    /**
     * A signup counts as a sharer's conversion when its device saw a challenge (or was logged out
     * by the owner, or was a challenged account's device) at most this long before, in ms.
     * Default 30 days; from 1 minute to 400 days.
     */
    windowMs?: number;
  };
}

export interface ResolvedRule {
  match: (path: string) => boolean;
  methods?: ReadonlySet<string>;
  options: ResolvedRouteOptions;
}

export interface ResolvedRouteOptions {
  limits: Readonly<Limits & { devices: number }>;
  storeFailure: StoreFailure;
  /** Identifies the route policy in cache keys. */
  key: string;
}

/** The frozen, validated configuration every part of the core reads. */
export interface Config {
  secrets: readonly Buffer[];
  identify: Options['identify'];
  rules: readonly ResolvedRule[];
  exclude: ((path: string) => boolean) | undefined;
  defaultRoute: ResolvedRouteOptions;
  inactiveAfterMs: number;
  urls: Readonly<{ newAccount: string; logout: string; success: string; suspended: string }>;
  onLogout: Options['onLogout'];
  trustProxy: (address: string, hop: number) => boolean;
  recordPages: boolean;
  recordIps: boolean;
  cookie: Readonly<{ name: string; maxAgeMs: number; secure: 'auto' | boolean }>;
  cache: Readonly<{ allowTtlMs: number; max: number }>;
  touchIntervalMs: number;
  historySize: number;
  challenge: Readonly<{
    basePath: string;
    ttlMs: number;
    codeTtlMs: number;
    codeLength: number;
    maxAttempts: number;
    resendIntervalMs: number;
    skipOwnerVerification: boolean;
    budget: BudgetConfig;
  }>;
  senders: Readonly<{ email?: CodeSender; sms?: CodeSender }>;
  /** `undefined` when no webhooks are configured. */
  webhooks: WebhookConfig | undefined;
  /** The development outbox, when sharelock created one. */
  outbox: Outbox | undefined;
  branding: Readonly<{ appName: string; logoUrl?: string; colors: { accent: string; background: string; text: string }; strings: Strings }>;
  /** The languages of the pages and how a request's is chosen. */
  locales: LocaleConfig;
  store: Store;
  storeTimeoutMs: number;
  storeFailure: StoreFailure;
  logger: Logger;
  production: boolean;
  now: Clock;
  geo: GeoConfig;
  signals: SignalSettings;
  policies: readonly Policy[];
  /** Whether the store must refuse devices over the limits (a device-limit policy enforces). */
  enforceLimits: boolean;
  monitor: boolean;
  lists: Readonly<{ allow: AccessList | undefined; deny: AccessList | undefined }>;
  verifiedTrustMs: number;
  consoleType: DeviceType;
  /** Headers added to guarded responses to ask for Client Hints; empty when `clientHints` is off. */
  clientHintHeaders: Readonly<Record<string, string>>;
  conversions: Readonly<{ windowMs: number }>;
  ingest: Readonly<IngestConfig>;
}

// The compiler keeps these lists complete: a new option fails to build until it is listed.
const OPTION_KEYS: { [K in keyof Required<Options>]: true } = {
  secret: true, identify: true, protect: true, exclude: true, limits: true, inactiveAfterMs: true, urls: true,
  onLogout: true, trustProxy: true, recordPages: true, recordIps: true, cookie: true, cache: true, touchIntervalMs: true,
  historySize: true, challenge: true, senders: true, webhooks: true, branding: true, store: true, storeTimeoutMs: true,
  storeFailure: true, logger: true, production: true, now: true, geo: true, tolerance: true, signals: true,
  policies: true, monitor: true, lists: true, verifiedTrustMs: true, conversions: true, ingest: true, locale: true,
  consoleType: true, clientHints: true,
};
const CONVERSIONS_KEYS: { [K in keyof Required<NonNullable<Options['conversions']>>]: true } = { windowMs: true };
const GEO_KEYS: { [K in keyof Required<NonNullable<Options['geo']>>]: true } = { headers: true, headerAccuracyKm: true, lookup: true, database: true };
const SIGNAL_KEYS: { [K in keyof Required<NonNullable<Options['signals']>>]: true } = { activeWindowMs: true, dualStackLinkMs: true, cloneWindowMs: true, travel: true, velocity: true, people: true };
/** Upper bounds beyond which a signal setting would silently switch its signal off. */
const MAX_SIGNAL_VALUES: Record<string, number> = { 'travel.minPlaceDays': MAX_DAYS };
const TRAVEL_KEYS: { [K in keyof SignalSettings['travel']]: true } = { windowMs: true, minDistanceKm: true, minSpeedKmh: true, maxAccuracyKm: true, minPlaceDays: true };
const VELOCITY_KEYS: { [K in keyof SignalSettings['velocity']]: true } = { networksPerHour: true, newDevicesPerDay: true };
const PEOPLE_KEYS: { [K in keyof SignalSettings['people']]: true } = { minDays: true, minOverlapDays: true, overlapWindowMs: true };
const LISTS_KEYS = { allow: true, deny: true };
const LIST_KEYS: { [K in keyof Required<ListSpec>]: true } = { accounts: true, devices: true, ips: true, countries: true };
const POLICY_KEYS: { [K in keyof Required<Policy>]: true } = { name: true, enabled: true, priority: true, when: true, action: true, monitor: true };
const URL_KEYS: { [K in keyof Required<NonNullable<Options['urls']>>]: true } = { newAccount: true, logout: true, success: true, suspended: true };
const COOKIE_KEYS: { [K in keyof Required<NonNullable<Options['cookie']>>]: true } = { name: true, maxAgeMs: true, secure: true };
const CACHE_KEYS: { [K in keyof Required<NonNullable<Options['cache']>>]: true } = { allowTtlMs: true, max: true };
const CHALLENGE_KEYS: { [K in keyof Required<NonNullable<Options['challenge']>>]: true } = {
  basePath: true, ttlMs: true, codeTtlMs: true, codeLength: true, maxAttempts: true, resendIntervalMs: true, dangerouslySkipOwnerVerification: true, budget: true,
};
const BUDGET_KEYS: { [K in keyof Required<NonNullable<NonNullable<Options['challenge']>['budget']>>]: true } = { windowMs: true, maxWindowMs: true, perDevice: true, perAccount: true };
const BUDGET_COUNT_KEYS: { [K in keyof Required<ChallengeBudgetCounts>]: true } = { wrongCodes: true, codesSent: true, challengesOpened: true };
const SENDER_KEYS: { [K in keyof Required<NonNullable<Options['senders']>>]: true } = { email: true, sms: true };
const BRANDING_KEYS: { [K in keyof Required<NonNullable<Options['branding']>>]: true } = { appName: true, logoUrl: true, colors: true, strings: true, locales: true };
const COLOR_KEYS = { accent: true, background: true, text: true };
const ROUTE_KEYS: { [K in keyof Required<RouteOptions>]: true } = { limits: true, storeFailure: true };
const LIMIT_KEYS: { [K in keyof Required<Limits>]: true } = { devices: true, computer: true, tablet: true, mobile: true, tv: true, other: true, people: true };

export const MIN_SECRET_LENGTH = 32;
/** Registered devices per account by default: generous, like the 10 of the big streaming services. */
export const DEFAULT_DEVICE_LIMIT = 10;

export const invalid = (option: string, value: unknown, fix: string) =>
  new SharelockError('SHARELOCK_E_OPTION_INVALID', `Invalid \`${option}\`: ${show(value)}. ${fix}`);

export function checkKeys(option: string, value: unknown, known: object): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(option, value, 'Pass an object.');
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(known, key)) {
      const hint = closest(key, Object.keys(known));
      throw new SharelockError(
        'SHARELOCK_E_OPTION_UNKNOWN',
        `Unknown option \`${option ? `${option}.` : ''}${key}\`.${hint ? ` Did you mean \`${hint}\`?` : ''} Known: ${Object.keys(known).join(', ')}.`,
      );
    }
  }
  return value as Record<string, unknown>;
}

/** The known key closest to a typo, when it is close enough to be a likely intent. */
function closest(key: string, known: string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

export function wholeNumber(option: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(option, value, `It must be a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max}${option.endsWith('Ms') ? ' (milliseconds; sharelock exports seconds(), minutes(), days())' : ''}.`);
  }
  return value;
}

function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(option, value, 'Pass `true` or `false`.');
  return value;
}

function text(option: string, value: unknown, fallback: string, pattern?: RegExp, fix?: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || (pattern && !pattern.test(value))) {
    throw invalid(option, value, fix ?? 'Pass a non-empty string.');
  }
  return value;
}

function fn<T>(option: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalid(option, value, 'Pass a function.');
  return value as T;
}

function storeFailure(option: string, value: unknown, fallback: StoreFailure): StoreFailure {
  if (value === undefined) return fallback;
  if (value !== 'allow' && value !== 'deny') throw invalid(option, value, "Use 'allow' (fail open) or 'deny'.");
  return value;
}

/** Validate limits; returns only the keys given. */
export function resolveLimits(option: string, value: unknown): Limits {
  if (value === undefined) return {};
  const raw = checkKeys(option, value, LIMIT_KEYS);
  const limits: Limits = {};
  for (const key of ['devices', ...DEVICE_TYPES, 'people'] as const) {
    if (raw[key] !== undefined) limits[key] = wholeNumber(`${option}.${key}`, raw[key], 0, 1, 1000);
  }
  return limits;
}

const URL_PATTERN = /^(\/(?!\/)|https?:\/\/)/;

export function resolveRouteOptions(option: string, value: unknown, base: ResolvedRouteOptions): ResolvedRouteOptions {
  if (value === undefined) return base;
  const raw = checkKeys(option, value, ROUTE_KEYS);
  const limits = { ...base.limits, ...resolveLimits(`${option}.limits`, raw.limits) };
  const failure = storeFailure(`${option}.storeFailure`, raw.storeFailure, base.storeFailure);
  return Object.freeze({ limits: Object.freeze(limits), storeFailure: failure, key: routeKey(limits, failure) });
}

function routeKey(limits: Limits, failure: StoreFailure): string {
  return `${Object.entries(limits).map(([k, v]) => `${k}=${v}`).join(',')};${failure}`;
}

function patterns(option: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  for (const pattern of list) {
    if (typeof pattern !== 'string' || !pattern.startsWith('/')) throw invalid(option, pattern, "A path pattern starts with '/', e.g. '/watch/*' or '/api/premium/**'.");
    // picomatch refuses longer patterns with a SyntaxError.
    if (pattern.length > 65_536) throw invalid(option, pattern, 'A path pattern is at most 65 536 characters.');
  }
  return list as string[];
}

// Case-insensitive like Express's router, so `/WATCH/1` cannot slip past `/watch/*`.
// `flags: 'is'`: case-insensitive, and `*`/`**` match line terminators too (a decoding router routes `/watch/%0A`).
const GLOB: picomatch.PicomatchOptions = { dot: true, flags: 'is' };

/**
 * picomatch's matcher for these patterns, compiled once into one regular expression: the same
 * answers (a path equal to a pattern also matches, as picomatch checks that first), without the two
 * result objects picomatch's matcher builds on every call.
 */
function matcher(list: string[]): (path: string) => boolean {
  const compiled = list.map((glob) => picomatch.makeRe(glob, GLOB));
  const regex = new RegExp(compiled.map((re) => `(?:${re.source})`).join('|'), compiled[0]!.flags);
  return (path) => {
    if (path === '') return false;
    for (const glob of list) if (path === glob) return true;
    return regex.test(path);
  };
}

const METHOD = /^[A-Z]+$/;

function resolveRules(value: unknown, base: ResolvedRouteOptions): ResolvedRule[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return Array.from(list, (rule, i) => {
    const option = `protect[${i}]`;
    if (typeof rule === 'string') return { match: matcher(patterns(option, rule)), options: base };
    const { path, methods, ...routeOptions } = checkKeys(option, rule, { path: true, methods: true, ...ROUTE_KEYS });
    if (path === undefined) throw invalid(`${option}.path`, path, "Give the rule a path pattern, e.g. { path: '/watch/*' }.");
    let methodSet: Set<string> | undefined;
    if (methods !== undefined) {
      if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string' && METHOD.test(m.toUpperCase()))) {
        throw invalid(`${option}.methods`, methods, "Pass HTTP method names, e.g. ['GET', 'POST'].");
      }
      methodSet = new Set(methods.map((m: string) => m.toUpperCase()));
    }
    return { match: matcher(patterns(`${option}.path`, path)), methods: methodSet, options: resolveRouteOptions(option, routeOptions, base) };
  });
}

function resolveTrustProxy(value: unknown): (address: string, hop: number) => boolean {
  if (value === undefined || value === false) return () => false;
  if (value === true) return () => true;
  if (typeof value === 'number') {
    const hops = wholeNumber('trustProxy', value, 0, 0, 100);
    return (_address, hop) => hop < hops;
  }
  if (typeof value === 'function') return value as (address: string, hop: number) => boolean;
  try {
    const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : (value as string[]);
    return proxyAddr.compile(list);
  } catch (error) {
    throw invalid('trustProxy', value, `Use true, a hop count, 'loopback', CIDR ranges or a function (${(error as Error).message}).`);
  }
}

function resolveSecrets(value: unknown, production: boolean, logger: Logger): Buffer[] {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    if (production) {
      throw new SharelockError('SHARELOCK_E_SECRET_MISSING', `\`secret\` is required in production. Set it to a random string of at least ${MIN_SECRET_LENGTH} characters, e.g. from \`openssl rand -base64 48\`, kept in your environment.`);
    }
    logger.warn(`SHARELOCK_E_SECRET_MISSING: no \`secret\` given; using a random one for this process. Device cookies will not survive a restart. Set \`secret\` (at least ${MIN_SECRET_LENGTH} characters) before going to production.`);
    return [randomBytes(32)];
  }
  const list = Array.isArray(value) ? value : [value];
  return Array.from(list, (secret, i) => {
    const option = Array.isArray(value) ? `secret[${i}]` : 'secret';
    if (typeof secret !== 'string') throw invalid(option, secret, 'Pass a string, or an array of strings for rotation.');
    if (secret.length < MIN_SECRET_LENGTH) {
      const message = `\`${option}\` is ${secret.length} characters; use at least ${MIN_SECRET_LENGTH} random characters, e.g. from \`openssl rand -base64 48\`.`;
      if (production) throw new SharelockError('SHARELOCK_E_SECRET_SHORT', message);
      logger.warn(`SHARELOCK_E_SECRET_SHORT: ${message} Accepted in development only.`);
    }
    return Buffer.from(secret, 'utf8');
  });
}

function sender(option: string, value: unknown): CodeSender | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || typeof (value as CodeSender).send !== 'function') {
    throw invalid(option, value, 'Pass an object with a `send(message)` method, e.g. `smtpSender({...})` or an `Outbox`.');
  }
  return value as CodeSender;
}

const CSS_COLOR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]+|(rgb|rgba|hsl|hsla|oklch)\([0-9.,%\s/a-z-]+\))$/;

function resolveBranding(value: unknown, locale: unknown, logger: Logger): { branding: Config['branding']; locales: LocaleConfig } {
  const raw = value === undefined ? {} : checkKeys('branding', value, BRANDING_KEYS);
  const colorsRaw = raw.colors === undefined ? {} : checkKeys('branding.colors', raw.colors, COLOR_KEYS);
  const color = (key: string, fallback: string) => text(`branding.colors.${key}`, colorsRaw[key], fallback, CSS_COLOR, "Use a CSS colour such as '#4f46e5' or 'rgb(79 70 229)'.");
  const logoUrl = raw.logoUrl === undefined ? undefined : text('branding.logoUrl', raw.logoUrl, '', URL_PATTERN, 'Use a path or an http(s) URL.');
  const appName = text('branding.appName', raw.appName, 'this service');
  const locales = resolveLocales(locale, raw.strings, raw.locales, appName, logger);
  const branding = Object.freeze({
    appName,
    ...(logoUrl === undefined ? {} : { logoUrl }),
    colors: Object.freeze({ accent: color('accent', '#4f46e5'), background: color('background', '#f6f7fb'), text: color('text', '#1f2937') }),
    // English, with the app's overrides: what the headless API and older callers read.
    strings: locales.bundles.get('en')!,
  });
  return { branding, locales };
}

function consoleLogger(): Logger {
  return {
    warn: (message) => console.warn(`[sharelock] ${message}`),
    error: (message, error) => console.error(`[sharelock] ${message}`, error ?? ''),
  };
}

/** Validate the public options once and freeze them into the `Config` the core reads. Never mutates `options`. */
export function resolveOptions(options: Options): Config {
  const raw = checkKeys('', options, OPTION_KEYS) as unknown as Options;
  const logger = raw.logger === undefined ? consoleLogger() : raw.logger;
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') throw invalid('logger', logger, 'Pass an object with `warn` and `error` methods.');
  const production = bool('production', raw.production, process.env.NODE_ENV === 'production');
  const identify = fn<Options['identify']>('identify', raw.identify);
  if (!identify) throw new SharelockError('SHARELOCK_E_IDENTIFY_MISSING', '`identify` is required: a function that returns the paying account of a request, e.g. `(req) => req.user && { id: req.user.accountId, email: req.user.email }`.');

  const secrets = Object.freeze(resolveSecrets(raw.secret, production, logger));
  const failure = storeFailure('storeFailure', raw.storeFailure, 'allow');
  const limits = { devices: DEFAULT_DEVICE_LIMIT, ...resolveLimits('limits', raw.limits) };
  const defaultRoute: ResolvedRouteOptions = Object.freeze({ limits: Object.freeze(limits), storeFailure: failure, key: routeKey(limits, failure) });

  const urlsRaw = raw.urls === undefined ? {} : checkKeys('urls', raw.urls, URL_KEYS);
  const url = (key: string) => text(`urls.${key}`, urlsRaw[key], '/', URL_PATTERN, "Use a path such as '/signup' or an http(s) URL.");

  const cookieRaw = raw.cookie === undefined ? {} : checkKeys('cookie', raw.cookie, COOKIE_KEYS);
  const secure = cookieRaw.secure ?? 'auto';
  if (secure !== 'auto' && typeof secure !== 'boolean') throw invalid('cookie.secure', secure, "Use 'auto', true or false.");

  const cacheRaw = raw.cache === undefined ? {} : checkKeys('cache', raw.cache, CACHE_KEYS);
  const challengeRaw = raw.challenge === undefined ? {} : checkKeys('challenge', raw.challenge, CHALLENGE_KEYS);
  const skipOwnerVerification = bool('challenge.dangerouslySkipOwnerVerification', challengeRaw.dangerouslySkipOwnerVerification, false);

  const sendersRaw = raw.senders === undefined ? undefined : checkKeys('senders', raw.senders, SENDER_KEYS);
  let senders: Config['senders'];
  let outbox: Outbox | undefined;
  if (sendersRaw) {
    senders = { email: sender('senders.email', sendersRaw.email), sms: sender('senders.sms', sendersRaw.sms) };
  } else if (production && !skipOwnerVerification) {
    throw new SharelockError('SHARELOCK_E_SENDER_MISSING', '`senders` is required in production so owners can receive their codes: e.g. `senders: { email: smtpSender({ transport: process.env.SMTP_URL, from: "..." }) }`.');
  } else {
    outbox = new Outbox();
    senders = { email: outbox, sms: outbox };
  }

  const store = raw.store ?? new MemoryStore();
  for (const method of ['attach', 'listDevices', 'setDeviceStatus', 'createChallenge', 'getChallenge', 'updateChallenge', 'countHit'] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== 'function') {
      const why = method === 'countHit' ? ' It keeps the challenge budgets (wrong codes, codes sent) across app servers: an atomic fixed-window counter, see `Store.countHit`.' : '';
      throw invalid('store', store, `A store implements the Store contract; \`${method}\` is missing.${why}`);
    }
  }
  const now = fn<Clock>('now', raw.now) ?? Date.now;
  const monitor = bool('monitor', raw.monitor, false);
  const policies = resolvePolicies(raw.policies);

  const { branding, locales } = resolveBranding(raw.branding, raw.locale, logger);
  const basePath = text('challenge.basePath', challengeRaw.basePath, '/sharelock', /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, "Use a path such as '/sharelock' (no trailing slash).");
  return Object.freeze({
    secrets,
    identify,
    rules: Object.freeze(resolveRules(raw.protect, defaultRoute)),
    exclude: raw.exclude === undefined ? undefined : matcher(patterns('exclude', raw.exclude)),
    defaultRoute,
    inactiveAfterMs: wholeNumber('inactiveAfterMs', raw.inactiveAfterMs, days(7), 1),
    urls: Object.freeze({ newAccount: url('newAccount'), logout: url('logout'), success: url('success'), suspended: url('suspended') }),
    onLogout: fn<Options['onLogout']>('onLogout', raw.onLogout),
    trustProxy: resolveTrustProxy(raw.trustProxy),
    recordPages: bool('recordPages', raw.recordPages, true),
    recordIps: bool('recordIps', raw.recordIps, true),
    cookie: Object.freeze({
      name: text('cookie.name', cookieRaw.name, 'sl_device', /^[A-Za-z0-9_-]{1,64}$/, 'Use letters, digits, _ and - only (the `__Host-` prefix is added when Secure).'),
      maxAgeMs: wholeNumber('cookie.maxAgeMs', cookieRaw.maxAgeMs, days(400), seconds(60)),
      secure,
    }),
    cache: Object.freeze({ allowTtlMs: wholeNumber('cache.allowTtlMs', cacheRaw.allowTtlMs, seconds(30), 0), max: wholeNumber('cache.max', cacheRaw.max, 10_000, 1, 1_000_000) }),
    touchIntervalMs: wholeNumber('touchIntervalMs', raw.touchIntervalMs, seconds(60), 0),
    historySize: wholeNumber('historySize', raw.historySize, 100, 1, 10_000),
    challenge: Object.freeze({
      basePath,
      ttlMs: wholeNumber('challenge.ttlMs', challengeRaw.ttlMs, minutes(30), seconds(60)),
      codeTtlMs: wholeNumber('challenge.codeTtlMs', challengeRaw.codeTtlMs, minutes(10), seconds(30)),
      codeLength: wholeNumber('challenge.codeLength', challengeRaw.codeLength, 6, 6, 10),
      maxAttempts: wholeNumber('challenge.maxAttempts', challengeRaw.maxAttempts, 5, 1, 20),
      resendIntervalMs: wholeNumber('challenge.resendIntervalMs', challengeRaw.resendIntervalMs, seconds(30), 0),
      skipOwnerVerification,
      budget: resolveBudget(challengeRaw.budget),
    }),
    senders: Object.freeze(senders),
    webhooks: resolveWebhooks(raw.webhooks),
    outbox,
    branding,
    locales,
    store,
    storeTimeoutMs: wholeNumber('storeTimeoutMs', raw.storeTimeoutMs, 1000, 1, 60_000),
    storeFailure: failure,
    logger,
    production,
    now,
    geo: resolveGeo(raw.geo),
    signals: resolveSignals(raw.tolerance, raw.signals),
    policies,
    enforceLimits: !monitor && policies.some((p) => p.enabled !== false && !p.monitor && typeof p.action === 'object' && p.action.challenge === 'device_limit'),
    monitor,
    lists: Object.freeze(resolveLists(raw.lists)),
    verifiedTrustMs: wholeNumber('verifiedTrustMs', raw.verifiedTrustMs, VERIFIED_TRUST_MS, 0),
    consoleType: resolveConsoleType(raw.consoleType),
    clientHintHeaders: resolveClientHints(raw.clientHints),
    conversions: resolveConversions(raw.conversions),
    ingest: resolveIngest(raw.ingest, basePath),
  });
}

function resolveConsoleType(value: unknown): DeviceType {
  if (value === undefined) return 'tv';
  if (!(DEVICE_TYPES as readonly unknown[]).includes(value)) throw invalid('consoleType', value, `Use one of ${DEVICE_TYPES.map((t) => `'${t}'`).join(', ')}.`);
  return value as DeviceType;
}

function resolveClientHints(value: unknown): Config['clientHintHeaders'] {
  if (value === undefined || value === false) return Object.freeze({});
  if (value !== true && value !== 'critical') throw invalid('clientHints', value, "Use true (Accept-CH), 'critical' (Accept-CH and Critical-CH) or false.");
  const hints = REQUESTED_HINTS.join(', ');
  const headers: Record<string, string> = { 'accept-ch': hints };
  if (value === 'critical') headers['critical-ch'] = hints;
  return Object.freeze(headers);
}

function resolveConversions(value: unknown): Config['conversions'] {
  const raw = value === undefined ? {} : checkKeys('conversions', value, CONVERSIONS_KEYS);
  return Object.freeze({ windowMs: wholeNumber('conversions.windowMs', raw.windowMs, days(30), minutes(1), days(400)) });
}

/**
 * Defaults an honest owner never reaches (mistyping twice on each of two devices is 4 wrong codes;
 * a re-send on each is 4 codes) that still bound guessing: 10 wrong codes per account per window,
 * about 5 windows a day with the back-off (1 + 2 + 4 + 8 h, then 16 h): some 50 guesses a day, a
 * 5e-5 chance of finding a 6-digit code.
 */
const DEFAULT_BUDGET: { perDevice: Required<ChallengeBudgetCounts>; perAccount: Required<ChallengeBudgetCounts> } = {
  perDevice: { wrongCodes: 5, codesSent: 4, challengesOpened: 5 },
  perAccount: { wrongCodes: 10, codesSent: 8, challengesOpened: 20 },
};

function resolveBudget(value: unknown): BudgetConfig {
  const raw = value === undefined ? {} : checkKeys('challenge.budget', value, BUDGET_KEYS);
  const windowMs = wholeNumber('challenge.budget.windowMs', raw.windowMs, hours(1), seconds(1), days(30));
  const maxWindowMs = wholeNumber('challenge.budget.maxWindowMs', raw.maxWindowMs, Math.max(days(1), windowMs), 1, days(30));
  if (maxWindowMs < windowMs) {
    throw invalid('challenge.budget.maxWindowMs', maxWindowMs, `It must be at least \`challenge.budget.windowMs\` (${windowMs} ms). Set both equal for no back-off.`);
  }
  const counts = (subject: 'perDevice' | 'perAccount'): BudgetConfig['perDevice'] => {
    const given = raw[subject] === undefined ? {} : checkKeys(`challenge.budget.${subject}`, raw[subject], BUDGET_COUNT_KEYS);
    const out = { ...DEFAULT_BUDGET[subject] };
    for (const kind of BUDGET_KINDS) out[kind] = wholeNumber(`challenge.budget.${subject}.${kind}`, given[kind], out[kind], 1, 1000);
    return Object.freeze(out);
  };
  return Object.freeze({ windowMs, maxWindowMs, perDevice: counts('perDevice'), perAccount: counts('perAccount') });
}

function resolveGeo(value: unknown): GeoConfig {
  const raw = value === undefined ? {} : checkKeys('geo', value, GEO_KEYS);
  const headers = raw.headers ?? [];
  if (!Array.isArray(headers)) throw invalid('geo.headers', headers, `List the sources of location headers to trust, e.g. ['cloudflare']. ${HEADER_SOURCES}`);
  const names = Array.from(headers, (source: unknown, i) => resolveGeoHeaders(`geo.headers[${i}]`, source));
  const lookups: GeoLookup[] = [];
  const lookup = fn<GeoLookup>('geo.lookup', raw.lookup);
  if (lookup) lookups.push(lookup);
  const database = resolveGeoDatabase(raw.database);
  if (database) lookups.push(database);
  return Object.freeze({
    headers: Object.freeze(names),
    headerAccuracyKm: wholeNumber('geo.headerAccuracyKm', raw.headerAccuracyKm, 50, 0, 20_000),
    lookups: Object.freeze(lookups),
  });
}

const HEADER_SOURCES = "Use 'cloudflare', 'cloudfront', 'fastly', or your own header names { lat: 'x-geo-lat', lon: 'x-geo-lon', country?: ..., city?: ... }.";
const GEO_HEADER_KEYS: { [K in keyof Required<GeoHeaderNames>]: true } = { lat: true, lon: true, country: true, city: true };
// RFC 9110 token: what Node accepts as a header name.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/i;

function resolveGeoHeaders(option: string, source: unknown): GeoHeaderNames {
  if (typeof source === 'string') {
    if (!Object.hasOwn(CDN_HEADERS, source)) throw invalid(option, source, HEADER_SOURCES);
    return CDN_HEADERS[source as keyof typeof CDN_HEADERS];
  }
  if (source === null || typeof source !== 'object' || Array.isArray(source)) throw invalid(option, source, HEADER_SOURCES);
  const raw = checkKeys(option, source, GEO_HEADER_KEYS);
  const names: GeoHeaderNames = { lat: '', lon: '' };
  for (const key of Object.keys(GEO_HEADER_KEYS) as (keyof GeoHeaderNames)[]) {
    const name = raw[key];
    if (name === undefined && (key === 'country' || key === 'city')) continue;
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
      throw invalid(`${option}.${key}`, name, `Give the name of the request header that carries the ${key === 'lat' ? 'latitude' : key === 'lon' ? 'longitude' : key}, e.g. 'x-geo-${key}'.`);
    }
    names[key] = name.toLowerCase();
  }
  if (names.lat === names.lon) throw invalid(`${option}.lon`, raw.lon, 'Latitude and longitude come in two different headers.');
  return Object.freeze(names);
}

const DATABASES = "Use 'geoip-lite' or { mmdb: '/path/GeoLite2-City.mmdb' }, or a list of them to merge (e.g. City + ASN).";

/** `geo.database` as one lookup, each database opened now so a missing file fails at creation. */
function resolveGeoDatabase(value: unknown): ((ip: string) => Location | undefined) | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.length === 0) throw invalid('geo.database', value, `An empty list would look nothing up. ${DATABASES}`);
  const list: unknown[] = Array.isArray(value) ? value : [value];
  const lookups = list.map((entry, i) => {
    const option = Array.isArray(value) ? `geo.database[${i}]` : 'geo.database';
    if (entry === 'geoip-lite') {
      try {
        return geoipLiteLookup();
      } catch (error) {
        throw invalid(option, entry, (error as Error).message);
      }
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw invalid(option, entry, `${DATABASES} Or pass a \`geo.lookup\` function over your own.`);
    const path = checkKeys(option, entry, { mmdb: true }).mmdb;
    if (typeof path !== 'string' || path.length === 0) throw invalid(`${option}.mmdb`, path, "Give the path of a MaxMind database file, e.g. '/var/lib/GeoIP/GeoLite2-City.mmdb'.");
    try {
      return mmdbLookup(path);
    } catch (error) {
      throw invalid(`${option}.mmdb`, path, (error as Error).message);
    }
  });
  return lookups.length === 1 ? lookups[0] : mergedLookup(lookups);
}

function resolveSignals(tolerance: unknown, value: unknown): SignalSettings {
  if (tolerance !== undefined && !(typeof tolerance === 'string' && Object.hasOwn(PRESETS, tolerance))) throw invalid('tolerance', tolerance, "Use 'lenient', 'default' or 'strict'.");
  const preset = PRESETS[(tolerance as Tolerance | undefined) ?? 'default'];
  const raw = value === undefined ? {} : checkKeys('signals', value, SIGNAL_KEYS);
  const group = <T extends object>(name: 'travel' | 'velocity' | 'people', keys: object, base: T): T => {
    const given = raw[name] === undefined ? {} : checkKeys(`signals.${name}`, raw[name], keys);
    const out = { ...base };
    for (const [key, v] of Object.entries(given)) (out as Record<string, number>)[key] = wholeNumber(`signals.${name}.${key}`, v, 0, 0, MAX_SIGNAL_VALUES[`${name}.${key}`]);
    return Object.freeze(out);
  };
  return Object.freeze({
    activeWindowMs: wholeNumber('signals.activeWindowMs', raw.activeWindowMs, preset.activeWindowMs, 1),
    dualStackLinkMs: wholeNumber('signals.dualStackLinkMs', raw.dualStackLinkMs, preset.dualStackLinkMs, 0),
    cloneWindowMs: wholeNumber('signals.cloneWindowMs', raw.cloneWindowMs, preset.cloneWindowMs, 0),
    travel: group('travel', TRAVEL_KEYS, preset.travel),
    velocity: group('velocity', VELOCITY_KEYS, preset.velocity),
    people: group('people', PEOPLE_KEYS, preset.people),
  });
}

const CHALLENGE_KINDS = new Set(['verify', 'device_limit']);
const ACTIONS = new Set(['allow', 'monitor', 'logout', 'suspend', 'deny']);

function resolvePolicies(value: unknown): readonly Policy[] {
  const list = typeof value === 'function' ? (value as (d: readonly Policy[]) => unknown)(DEFAULT_POLICIES) : (value ?? DEFAULT_POLICIES);
  if (!Array.isArray(list)) throw invalid('policies', list, 'Pass an array of policies, or a function that returns one from the defaults.');
  const names = new Set<string>();
  return Object.freeze(
    Array.from(list, (policy, i) => {
      const option = `policies[${i}]`;
      const raw = checkKeys(option, policy, POLICY_KEYS);
      const name = text(`${option}.name`, raw.name, '');
      if (names.has(name)) throw invalid(`${option}.name`, name, 'Give each policy its own name.');
      names.add(name);
      if (typeof raw.priority !== 'number' || !Number.isFinite(raw.priority)) throw invalid(`${option}.priority`, raw.priority, 'Use a number; the highest matching priority decides.');
      const action = raw.action as PolicyAction;
      const validAction = typeof action === 'string' ? ACTIONS.has(action) : typeof action === 'object' && action !== null && CHALLENGE_KINDS.has((action as { challenge: string }).challenge);
      if (!validAction) throw invalid(`${option}.action`, action, "Use 'allow', 'monitor', 'logout', 'suspend', 'deny', { challenge: 'verify' } or { challenge: 'device_limit' }.");
      checkCondition(`${option}.when`, raw.when);
      bool(`${option}.enabled`, raw.enabled, true);
      bool(`${option}.monitor`, raw.monitor, false);
      return Object.freeze({ ...(policy as Policy) });
    }),
  );
}

const DEVICE_COUNT_CHECKS = ['device_count', ...DEVICE_TYPES.map((type) => `${type}_device_count`)];
export const KNOWN_CHECKS = new Set([
  ...DEVICE_COUNT_CHECKS,
  'concurrent_sessions', 'impossible_travel', 'cloned_device', 'networks_per_hour', 'new_devices_per_day', 'people_count',
  ...DEVICE_COUNT_CHECKS.map((check) => `group_${check}`),
]);

function checkCondition(option: string, value: unknown): asserts value is Condition {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(option, value, "A condition is an object such as { signal: 'people_count' } or { all: [...] }.");
  const c = value as Record<string, unknown>;
  if ('all' in c || 'any' in c) {
    const list = c.all ?? c.any;
    if (!Array.isArray(list)) throw invalid(option, value, '`all` and `any` take an array of conditions.');
    list.forEach((inner, i) => checkCondition(`${option}.${'all' in c ? 'all' : 'any'}[${i}]`, inner));
  } else if ('not' in c) {
    checkCondition(`${option}.not`, c.not);
  } else if ('signal' in c) {
    if (typeof c.signal !== 'string' || !KNOWN_CHECKS.has(c.signal)) throw invalid(`${option}.signal`, c.signal, `Known checks: ${[...KNOWN_CHECKS].join(', ')}.`);
  } else if ('plan' in c || 'group' in c || 'country' in c) {
    const key = 'plan' in c ? 'plan' : 'group' in c ? 'group' : 'country';
    const names = [c[key]].flat();
    if (names.length === 0 || !names.every((name) => typeof name === 'string' && name.length > 0)) throw invalid(`${option}.${key}`, c[key], `Give a ${key} name or a list of them.`);
  } else if (!('metadata' in c || 'primary' in c || 'verified' in c)) {
    throw invalid(option, value, 'Use all, any, not, signal, plan, group, metadata, country, primary or verified.');
  }
}

function resolveLists(value: unknown): { allow: AccessList | undefined; deny: AccessList | undefined } {
  const raw = value === undefined ? {} : checkKeys('lists', value, LISTS_KEYS);
  const list = (name: 'allow' | 'deny') => {
    if (raw[name] === undefined) return undefined;
    const spec = checkKeys(`lists.${name}`, raw[name], LIST_KEYS);
    try {
      return new AccessList(`lists.${name}`, spec as ListSpec);
    } catch (error) {
      throw invalid(`lists.${name}`, spec, (error as Error).message);
    }
  };
  return { allow: list('allow'), deny: list('deny') };
}
