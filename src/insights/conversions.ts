import { SharelockError, show } from '../errors.js';
import type { ChallengeRecord, Reason } from '../model.js';
import type { Config } from '../options.js';
import type { Store } from '../stores/store.js';
import { days } from '../time.js';
import { attributionCandidates, isOwnersDevice } from './attribution.js';
import { checkConversionInput } from './conversion-input.js';
import { INSIGHTS_RETENTION_MS, dayOf, dayTtlMs, daysBetween, startOfDay } from './day.js';
import { conversionCounts, dayFigures, stepField, stepOf, totalOf, type CountedStep, type Insights } from './funnel.js';
import type { Conversion, DayCounts, Exposure } from './model.js';

type StoreCall = <T>(what: string, run: (store: Store) => Promise<T>) => Promise<T>;

/** What `guard.trackConversion()` did. It never throws for what a request carries, nor for a broken store. */
export type ConversionResult =
  /** Recorded now, counted in today's insights, and published as `conversion.recorded`. */
  | { recorded: true; conversion: Conversion }
  /** This device's signup to this account was recorded before: nothing new is counted. `conversion` is the first one. */
  | { recorded: false; reason: 'duplicate'; conversion: Conversion }
  /**
   * Nothing recorded: `no_device`, the request carries no valid device cookie (and no `deviceId`
   * was given); `not_attributable`, the device saw no challenge and no owner's logout of another
   * account within `conversions.windowMs` (an ordinary signup); `store_unavailable`, the store
   * failed or timed out (logged once; call again later, it is idempotent), or does not record
   * conversions.
   */
  | { recorded: false; reason: 'no_device' | 'not_attributable' | 'store_unavailable' };

/** A range of UTC days, both included. */
export interface InsightsRange {
  /** The first day: `'YYYY-MM-DD'`, a `Date` or ms since the epoch (its UTC day). Default: 29 days before `to` (30 days in all). */
  from?: string | number | Date;
  /** The last day, the same way. Default: today (UTC, on the `now` clock). */
  to?: string | number | Date;
}

/** The challenge transitions `ChallengeFlow` reports, so each is counted once (each is a compare-and-set in the store). */
export interface ChallengeInsights {
  /** A challenge was opened or changed status. */
  changed(challenge: ChallengeRecord): void;
  /** The verified owner logged `deviceId` out from the challenge. */
  ownerLoggedOut(challenge: ChallengeRecord, deviceId: string): void;
}

const CAPABILITY = ['recordExposure', 'findExposures', 'recordConversion', 'countDay', 'readDays', 'listConversions'] as const;
type Capable = Store & Required<Pick<Store, (typeof CAPABILITY)[number]>>;

const DEFAULT_DAYS = 30;
const MAX_DAYS = Math.floor(INSIGHTS_RETENTION_MS / days(1));
const MAX_LISTED = 1000;

/**
 * Conversions and per-day insights: remembers which devices may convert (they saw a challenge or
 * were logged out by an owner), attributes the app's `trackConversion()` calls to them, and counts
 * each challenge's steps per day. Every write made from a challenge runs in the background (a user
 * never waits for it) and is awaited by this process's next read, so a process reads its own writes.
 */
export class ConversionTracker implements ChallengeInsights {
  readonly #config: Config;
  readonly #call: StoreCall;
  readonly #published: (conversion: Conversion) => void;
  readonly #warnOnce: (key: string, message: string) => void;
  readonly #pending = new Set<Promise<unknown>>();
  #missing: readonly string[] | undefined;

  constructor(config: Config, call: StoreCall, published: (conversion: Conversion) => void, warnOnce: (key: string, message: string) => void) {
    this.#config = config;
    this.#call = call;
    this.#published = published;
    this.#warnOnce = warnOnce;
  }

  changed(challenge: ChallengeRecord): void {
    const step = stepOf(challenge);
    if (!step) return;
    this.#count(challenge, step);
    if (step === 'created') this.#background(() => this.#exposeAccount(challenge));
  }

  ownerLoggedOut(challenge: ChallengeRecord, deviceId: string): void {
    this.#count(challenge, 'devicesLoggedOut');
    this.#background(() => this.#expose(deviceId, { ...fromChallenge(challenge), at: this.#config.now(), via: 'kicked' }));
  }

  /** A device logged out by the app on the account's behalf (`guard.kick()`, e.g. from the account's settings). */
  loggedOut(accountId: string, deviceId: string): void {
    this.#background(() => this.#expose(deviceId, { at: this.#config.now(), accountId, via: 'kicked', reason: 'kicked' }));
  }

  /**
   * Attribute and record a signup. `readDevice` reads the verified device id from the request's
   * headers. Throws `SHARELOCK_E_CONVERSION_INVALID` only for the app's programming errors.
   */
  async track(request: unknown, input: unknown, readDevice: (request: { headers: Record<string, unknown> }) => string | undefined): Promise<ConversionResult> {
    const checked = checkConversionInput(input);
    if (request !== undefined && request !== null && !hasHeaders(request)) {
      throw new SharelockError('SHARELOCK_E_CONVERSION_INVALID', `Invalid trackConversion() request: ${show(request)}. Pass the request of the signup (Express \`req\`, Koa \`ctx\` or \`ctx.req\`, Fastify \`request\`), or null with \`deviceId\`.`);
    }
    if (checked.deviceId === undefined && !hasHeaders(request)) {
      throw new SharelockError('SHARELOCK_E_CONVERSION_INVALID', 'trackConversion() needs the signup\'s request (its device cookie names the device) or `deviceId` (from `guard.deviceOf(req)`, e.g. kept in your payment\'s metadata).');
    }
    const deviceId = checked.deviceId ?? readDevice(request as { headers: Record<string, unknown> });
    if (deviceId === undefined) return { recorded: false, reason: 'no_device' };
    const store = this.#capable();
    if (!store) return { recorded: false, reason: 'store_unavailable' };
    await this.settled();
    const at = this.#config.now();
    try {
      const exposures = await this.#call('findExposures', () => store.findExposures(deviceId));
      for (const candidate of attributionCandidates(exposures, checked.account, at, this.#config.conversions.windowMs)) {
        const devices = await this.#call('listDevices', () => store.listDevices(candidate.accountId));
        if (isOwnersDevice(devices, deviceId)) continue;
        const { accountId: fromAccountId, via, challengeId, challengeKind, reason } = candidate;
        const conversion: Conversion = {
          at,
          accountId: checked.account,
          deviceId,
          fromAccountId,
          via,
          ...(challengeId !== undefined ? { challengeId } : {}),
          ...(challengeKind !== undefined ? { challengeKind } : {}),
          ...(reason !== undefined ? { reason } : {}),
          ...(checked.plan !== undefined ? { plan: checked.plan } : {}),
          ...(checked.revenue !== undefined ? { revenue: checked.revenue } : {}),
        };
        const day = dayOf(at);
        const result = await this.#call('recordConversion', () => store.recordConversion(conversion, day, conversionCounts(conversion), dayTtlMs(day, at)));
        if (!result.recorded) return { recorded: false, reason: 'duplicate', conversion: result.conversion };
        this.#published(result.conversion);
        return { recorded: true, conversion: result.conversion };
      }
      return { recorded: false, reason: 'not_attributable' };
    } catch {
      // Counted in stats().storeFailures and logged once by the core's store wrapper.
      return { recorded: false, reason: 'store_unavailable' };
    }
  }

  /** Per-day rows and totals for a range of days. Rejects on a bad range (`SHARELOCK_E_INSIGHTS_RANGE`) or a failing store. */
  async insights(range: InsightsRange = {}): Promise<Insights> {
    const now = this.#config.now();
    const { from, to } = resolveRange(range, now);
    const list = daysBetween(from, to);
    const store = this.#capable();
    let counts: DayCounts[] = [];
    if (store) {
      await this.settled();
      counts = await this.#call('readDays', () => store.readDays(list));
    }
    const rows = list.map((day, i) => dayFigures(day, counts[i] ?? {}, now, this.#config.challenge.ttlMs));
    return { from, to, days: rows, totals: totalOf(rows) };
  }

  /** The conversions recorded in a range of days, newest first, at most `limit` (default 100, at most 1 000). */
  async conversions(range: InsightsRange & { limit?: number } = {}): Promise<Conversion[]> {
    const limit = range.limit ?? 100;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED) {
      throw new SharelockError('SHARELOCK_E_INSIGHTS_RANGE', `Invalid \`limit\`: ${show(limit)}. It must be a whole number from 1 to ${MAX_LISTED}.`);
    }
    const { from, to } = resolveRange(range, this.#config.now());
    const store = this.#capable();
    if (!store) return [];
    await this.settled();
    return this.#call('listConversions', () => store.listConversions(daysBetween(from, to).reverse(), limit));
  }

  /**
   * Wait for the writes this process started so far (challenge steps, exposures) to finish, failed
   * or not: a read sees them. One snapshot, so steady traffic never holds a signup; `all` also waits
   * for the writes those started (for `close()`).
   */
  async settled(all = false): Promise<void> {
    do await Promise.allSettled([...this.#pending]);
    while (all && this.#pending.size > 0);
  }

  #count(challenge: ChallengeRecord, step: CountedStep): void {
    // By the day the challenge was opened, so each day's funnel follows its own challenges.
    const day = dayOf(challenge.createdAt);
    const ttlMs = dayTtlMs(day, this.#config.now());
    if (ttlMs <= 0) return;
    this.#background((store) => this.#call('countDay', () => store.countDay(day, { [stepField(challenge.kind, step)]: 1 }, ttlMs)));
  }

  /** A new challenge: its device may convert, and so may the account's other recent devices (one of them may be the sharer's). */
  async #exposeAccount(challenge: ChallengeRecord): Promise<void> {
    const now = this.#config.now();
    const base = fromChallenge(challenge);
    const writes = [this.#expose(challenge.deviceId, { ...base, at: challenge.createdAt, via: 'challenge' })];
    const devices = await this.#call('listDevices', (store) => store.listDevices(challenge.accountId)).catch(() => []);
    for (const device of devices) {
      // The owner proved these are theirs (verifiedAt), or they never count (excluded): not a sharer's.
      if (device.id === challenge.deviceId || device.status === 'excluded' || device.verifiedAt !== undefined) continue;
      if (now - device.lastSeen > this.#config.conversions.windowMs) continue;
      writes.push(this.#expose(device.id, { ...base, at: challenge.createdAt, via: 'history' }));
    }
    await Promise.all(writes);
  }

  async #expose(deviceId: string, exposure: Exposure): Promise<void> {
    const store = this.#capable();
    if (store) await this.#call('recordExposure', () => store.recordExposure(deviceId, exposure, this.#config.conversions.windowMs));
  }

  /** Run a write in the background: never awaited by a request, never rejecting (the store wrapper logs failures). */
  #background(write: (store: Capable) => Promise<unknown>): void {
    const store = this.#capable();
    if (!store) return;
    const running = write(store).catch(() => undefined);
    this.#pending.add(running);
    void running.finally(() => this.#pending.delete(running));
  }

  /** The store, when it has the methods conversions and insights need (checked once: the store is fixed). */
  #capable(): Capable | undefined {
    this.#missing ??= CAPABILITY.filter((method) => typeof this.#config.store[method] !== 'function');
    if (this.#missing.length === 0) return this.#config.store as Capable;
    this.#warnOnce('insights:store', `The store does not record conversions and insights (it has no ${this.#missing.map((m) => `${m}()`).join(', ')}): trackConversion() records nothing and insights() shows zeros. MemoryStore and RedisStore do.`);
    return undefined;
  }
}

/** What a conversion attributed to this challenge says about it. */
function fromChallenge(challenge: ChallengeRecord): Pick<Exposure, 'accountId' | 'challengeId' | 'challengeKind' | 'reason'> {
  const reason = reasonOf(challenge.reasons);
  return { accountId: challenge.accountId, challengeId: challenge.id, challengeKind: challenge.kind, ...(reason ? { reason } : {}) };
}

/** The check the challenge was opened for: its first enforcing reason (monitored ones challenged nobody). */
function reasonOf(reasons: readonly Reason[]): string | undefined {
  return (reasons.find((r) => !r.monitor) ?? reasons[0])?.check;
}

function hasHeaders(request: unknown): request is { headers: Record<string, unknown> } {
  return typeof request === 'object' && request !== null && typeof (request as { headers?: unknown }).headers === 'object' && (request as { headers?: unknown }).headers !== null;
}

/** A range's first and last UTC days, checked: from ≤ to, at most 400 days. */
function resolveRange(range: InsightsRange, now: number): { from: string; to: string } {
  if (range === null || typeof range !== 'object') throw rangeError('range', range, 'Pass `{ from, to }`, e.g. `{ from: "2026-01-01", to: "2026-01-31" }`, or nothing for the last 30 days.');
  const to = range.to === undefined ? dayOf(now) : dayFrom('to', range.to);
  const from = range.from === undefined ? dayOf(startOfDay(to)! - days(DEFAULT_DAYS - 1)) : dayFrom('from', range.from);
  if (from > to) throw rangeError('from', range.from, `It must not be after \`to\` (${to}).`);
  const span = (startOfDay(to)! - startOfDay(from)!) / days(1) + 1;
  if (span > MAX_DAYS) throw rangeError('from', range.from, `A range spans at most ${MAX_DAYS} days (figures are kept that long); this one spans ${span}.`);
  return { from, to };
}

function dayFrom(field: 'from' | 'to', value: unknown): string {
  if (typeof value === 'string' && startOfDay(value) !== undefined) return value;
  const at = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Number.NaN;
  // Years 1970 to 9999: what `YYYY-MM-DD` can say.
  if (Number.isFinite(at) && at >= 0 && at < Date.UTC(10_000, 0, 1)) return dayOf(at);
  throw rangeError(field, value, "Use a UTC day 'YYYY-MM-DD' (e.g. '2026-01-31'), a Date, or ms since the epoch.");
}

function rangeError(field: string, value: unknown, fix: string): SharelockError {
  return new SharelockError('SHARELOCK_E_INSIGHTS_RANGE', `Invalid insights range \`${field}\`: ${show(value)}. ${fix}`);
}
