import { LRUCache } from 'lru-cache';
import { SharelockError } from '../errors.js';
import { invalidStoreOption, wholeNumberOption } from './store-options.js';
import type { RecordedConversion, SetDeviceStatusOptions } from './store.js';
import type { Conversion, DayCounts, Exposure } from '../insights/model.js';
import type { AccountStatus, ChallengeRecord, ChallengeStatus, DeviceRecord, DeviceStatus } from '../model.js';
import { PENDING_CHALLENGE } from '../model.js';
import { MemoryStore } from './memory.js';
import type { AccountIndexPage, AccountIndexQuery, AccountSortKeys, AttachInput, AttachResult, CounterState, ErasedRecords, Store, StoredAccount } from './store.js';
import type { AccountSummary, DynamicListEntry, ListKind, ListName } from '../admin/types.js';

export interface FallbackStoreOptions {
  /** The shared store, e.g. a `RedisStore`. Required. */
  primary: Store;
  /** Answers while the primary is away. Default `new MemoryStore()`. Closed by `close()`. */
  fallback?: Store;
  /**
   * How long a call waits for the primary before the fallback answers it instead, in ms. Default
   * 250. Keep it well under the core's `storeTimeoutMs` (default 1000), so the fallback still
   * answers within that budget.
   */
  primaryTimeoutMs?: number;
  /** After the primary failed, how long calls go straight to the fallback before it is tried again, in ms. Default 1000. */
  retryAfterMs?: number;
  /** The clock `retryAfterMs` is measured on. Default `Date.now`. */
  now?: () => number;
  /**
   * Called once each time calls switch to the fallback (with the primary's error) and back to the
   * primary, e.g. to log or alert: the core sees no store failure while the fallback answers.
   */
  onSwitch?: (to: 'primary' | 'fallback', error?: unknown) => void;
}

const OPTION_KEYS: { [K in keyof Required<FallbackStoreOptions>]: true } = { primary: true, fallback: true, primaryTimeoutMs: true, retryAfterMs: true, now: true, onSwitch: true };

type Served<T> = { value: T; by: 'primary' | 'fallback' };

/**
 * A store that keeps requests decided while its primary (Redis) is away, instead of failing open
 * or closed: each call goes to the primary, bounded by `primaryTimeoutMs`; when it fails or times
 * out, the fallback (a local `MemoryStore`) answers, and keeps answering for `retryAfterMs`. Then
 * one call tries the primary again (the others stay on the fallback meanwhile), and once it
 * answers every call goes back to it: recovery needs nothing from you.
 *
 * The trade-off, while the primary is away:
 * - Limits and challenges are per process, and start from what this process sees during the
 *   outage: devices, pending logouts and suspensions stored in the primary are unknown here, so
 *   an account can have up to its limit on each process.
 * - What the fallback learned (devices, kicks, suspensions) is not merged back into the primary.
 *   A challenge opened on the fallback is finished there, even after the primary is back: its
 *   id is remembered, so `getChallenge`, `updateChallenge`, `recordFailedAttempt` and
 *   `findPendingChallenge` look for it in the store that holds it. A challenge opened on the
 *   primary cannot be continued during the outage.
 * - A primary call that timed out may still complete later, so an access may be recorded in both.
 * - Challenge budgets (`countHit`) count on the fallback from 0, per process: a full budget per
 *   process and outage, still bounded.
 * - Conversions and insights recorded during the outage stay in the fallback: per process, not
 *   merged back, and not read once the primary is back (`insights()` then shows the primary's).
 * - The admin index and account reads (`guard.admin.accounts()`, `account()`) are answered by the
 *   fallback too, so they show what this process saw during the outage. Dynamic list entries and
 *   erasures go to the primary only: an entry or an erasure must not live in one process alone, so
 *   they fail while the primary is away (an erasure also clears the fallback).
 * - The core counts no store failure and logs nothing: use `onSwitch` to know.
 *
 * @example
 * import { FallbackStore, RedisStore } from 'sharelock/redis';
 * const store = new FallbackStore({
 *   primary: RedisStore.fromUrl(process.env.REDIS_URL!),
 *   onSwitch: (to, error) => console.warn(`sharelock store: now using the ${to}`, error ?? ''),
 * });
 */
export class FallbackStore implements Store {
  readonly #primary: Store;
  readonly #fallback: Store;
  readonly #timeoutMs: number;
  readonly #retryAfterMs: number;
  readonly #now: () => number;
  readonly #onSwitch: FallbackStoreOptions['onSwitch'];
  /** Ids of challenges created on the fallback, so they are finished there after the primary returns. */
  readonly #challengesOnFallback = new LRUCache<string, true>({ max: 100_000 });
  /** `account \0 device` → id of the device's newest challenge created on the fallback. */
  readonly #pendingOnFallback = new LRUCache<string, string>({ max: 100_000 });
  /** Until when calls skip the primary; `undefined` while the primary is in use. */
  #downUntil: number | undefined;
  #probing = false;

  constructor(options: FallbackStoreOptions) {
    if (typeof options !== 'object' || options === null) throw invalidStoreOption('FallbackStore', 'options', options, 'pass { primary: store }');
    for (const key of Object.keys(options)) {
      if (!(key in OPTION_KEYS)) throw new SharelockError('SHARELOCK_E_OPTION_UNKNOWN', `FallbackStore has no option \`${key}\`; the options are ${Object.keys(OPTION_KEYS).map((k) => `\`${k}\``).join(', ')}.`);
    }
    if (!isStore(options.primary)) throw invalidStoreOption('FallbackStore', 'primary', options.primary, 'pass a store, e.g. RedisStore.fromUrl(url)');
    if (options.fallback !== undefined && !isStore(options.fallback)) throw invalidStoreOption('FallbackStore', 'fallback', options.fallback, 'pass a store, or leave it out for a MemoryStore');
    if (options.now !== undefined && typeof options.now !== 'function') throw invalidStoreOption('FallbackStore', 'now', options.now, 'pass a function returning ms since the epoch');
    if (options.onSwitch !== undefined && typeof options.onSwitch !== 'function') throw invalidStoreOption('FallbackStore', 'onSwitch', options.onSwitch, 'pass a function');
    this.#primary = options.primary;
    this.#fallback = options.fallback ?? new MemoryStore();
    this.#timeoutMs = wholeNumberOption('FallbackStore', 'primaryTimeoutMs', options.primaryTimeoutMs ?? 250, 1, 'ms');
    this.#retryAfterMs = wholeNumberOption('FallbackStore', 'retryAfterMs', options.retryAfterMs ?? 1000, 0, 'ms');
    this.#now = options.now ?? Date.now;
    this.#onSwitch = options.onSwitch;
  }

  /** Whether calls are currently answered by the fallback. */
  get usingFallback(): boolean {
    return this.#downUntil !== undefined;
  }

  async attach(input: AttachInput): Promise<AttachResult> {
    return (await this.#call('attach', (s) => s.attach(input))).value;
  }

  async listDevices(accountId: string): Promise<DeviceRecord[]> {
    return (await this.#call('listDevices', (s) => s.listDevices(accountId))).value;
  }

  async setDeviceStatus(accountId: string, deviceId: string, status: DeviceStatus, at: number, options?: SetDeviceStatusOptions): Promise<DeviceRecord | undefined> {
    return (await this.#call('setDeviceStatus', (s) => s.setDeviceStatus(accountId, deviceId, status, at, options))).value;
  }

  async saveProfile(accountId: string, profile: unknown): Promise<void> {
    await this.#call('saveProfile', async (s) => s.saveProfile?.(accountId, profile));
  }

  async getAccountStatus(accountId: string): Promise<AccountStatus> {
    return (await this.#call('getAccountStatus', (s) => s.getAccountStatus(accountId))).value;
  }

  async setAccountStatus(accountId: string, status: AccountStatus): Promise<void> {
    await this.#call('setAccountStatus', (s) => s.setAccountStatus(accountId, status));
  }

  async createChallenge(challenge: ChallengeRecord): Promise<void> {
    const key = `${challenge.accountId}\0${challenge.deviceId}`;
    const { by } = await this.#call('createChallenge', (s) => s.createChallenge(challenge));
    const older = this.#pendingOnFallback.get(key);
    if (by === 'fallback') {
      this.#challengesOnFallback.set(challenge.id, true);
      this.#pendingOnFallback.set(key, challenge.id);
    } else if (older !== undefined) {
      // The primary overrides its own older challenge; the one opened on the fallback is ours to close.
      this.#pendingOnFallback.delete(key);
      await this.#fallback.updateChallenge(older, [...PENDING_CHALLENGE], { status: 'overridden', updatedAt: challenge.createdAt });
    }
  }

  async getChallenge(id: string): Promise<ChallengeRecord | undefined> {
    if (this.#challengesOnFallback.has(id)) return this.#fallback.getChallenge(id);
    return (await this.#call('getChallenge', (s) => s.getChallenge(id))).value;
  }

  async findPendingChallenge(accountId: string, deviceId: string): Promise<ChallengeRecord | undefined> {
    const key = `${accountId}\0${deviceId}`;
    if (this.#pendingOnFallback.has(key)) {
      const pending = await this.#fallback.findPendingChallenge(accountId, deviceId);
      if (pending) return pending;
      this.#pendingOnFallback.delete(key);
    }
    return (await this.#call('findPendingChallenge', (s) => s.findPendingChallenge(accountId, deviceId))).value;
  }

  async updateChallenge(id: string, from: readonly ChallengeStatus[], patch: Partial<ChallengeRecord>): Promise<ChallengeRecord | undefined> {
    if (this.#challengesOnFallback.has(id)) return this.#fallback.updateChallenge(id, from, patch);
    return (await this.#call('updateChallenge', (s) => s.updateChallenge(id, from, patch))).value;
  }

  async recordFailedAttempt(id: string, maxAttempts: number): Promise<ChallengeRecord | undefined> {
    if (this.#challengesOnFallback.has(id)) return this.#fallback.recordFailedAttempt(id, maxAttempts);
    return (await this.#call('recordFailedAttempt', (s) => s.recordFailedAttempt(id, maxAttempts))).value;
  }

  /**
   * The primary's counter while it answers; while it is away, the fallback's, which starts from 0:
   * the core's challenge budgets then hold per process (each process allows a full budget) until
   * the primary is back, where the counts it kept still stand.
   */
  async countHit(accountId: string, name: string, windowMs: number, at: number, by?: number): Promise<CounterState> {
    return (await this.#call('countHit', (s) => s.countHit(accountId, name, windowMs, at, by))).value;
  }

  async recordExposure(deviceId: string, exposure: Exposure, ttlMs: number): Promise<void> {
    await this.#call('recordExposure', (s) => capable(s, 'recordExposure').recordExposure(deviceId, exposure, ttlMs));
  }

  async findExposures(deviceId: string): Promise<Exposure[]> {
    return (await this.#call('findExposures', (s) => capable(s, 'findExposures').findExposures(deviceId))).value;
  }

  async recordConversion(conversion: Conversion, day: string, counts: DayCounts, ttlMs: number): Promise<RecordedConversion> {
    return (await this.#call('recordConversion', (s) => capable(s, 'recordConversion').recordConversion(conversion, day, counts, ttlMs))).value;
  }

  async countDay(day: string, counts: DayCounts, ttlMs: number): Promise<void> {
    await this.#call('countDay', (s) => capable(s, 'countDay').countDay(day, counts, ttlMs));
  }

  async readDays(days: readonly string[]): Promise<DayCounts[]> {
    return (await this.#call('readDays', (s) => capable(s, 'readDays').readDays(days))).value;
  }

  async listConversions(days: readonly string[], limit: number): Promise<Conversion[]> {
    return (await this.#call('listConversions', (s) => capable(s, 'listConversions').listConversions(days, limit))).value;
  }

  async indexAccount(accountId: string, fields: Partial<AccountSummary>, keys?: AccountSortKeys): Promise<void> {
    await this.#call('indexAccount', (s) => capable(s, 'indexAccount').indexAccount(accountId, fields, keys));
  }

  async listAccounts(query: AccountIndexQuery): Promise<AccountIndexPage> {
    return (await this.#call('listAccounts', (s) => capable(s, 'listAccounts').listAccounts(query))).value;
  }

  async readAccount(accountId: string): Promise<StoredAccount> {
    return (await this.#call('readAccount', (s) => capable(s, 'readAccount').readAccount(accountId))).value;
  }

  /** Erased in both stores; fails when the primary cannot erase (an erasure must not be partial without saying so). */
  async eraseAccount(accountId: string): Promise<ErasedRecords> {
    const local = await capable(this.#fallback, 'eraseAccount').eraseAccount(accountId).catch(() => undefined);
    const erased = await capable(this.#primary, 'eraseAccount').eraseAccount(accountId);
    if (!local) return erased;
    return {
      devices: erased.devices + local.devices,
      accesses: erased.accesses + local.accesses,
      challenges: erased.challenges + local.challenges,
      counters: erased.counters + local.counters,
      profile: erased.profile || local.profile,
      indexed: erased.indexed || local.indexed,
    };
  }

  async forceChallenge(accountId: string, deviceId: string | undefined, at: number): Promise<void> {
    await this.#call('forceChallenge', (s) => capable(s, 'forceChallenge').forceChallenge(accountId, deviceId, at));
  }

  async clearForcedChallenge(accountId: string, deviceId: string | undefined): Promise<void> {
    await this.#call('clearForcedChallenge', (s) => capable(s, 'clearForcedChallenge').clearForcedChallenge(accountId, deviceId));
  }

  async addListEntry(entry: DynamicListEntry): Promise<void> {
    await capable(this.#primary, 'addListEntry').addListEntry(entry);
  }

  async removeListEntry(list: ListName, kind: ListKind, value: string): Promise<boolean> {
    return capable(this.#primary, 'removeListEntry').removeListEntry(list, kind, value);
  }

  async listEntries(): Promise<DynamicListEntry[]> {
    return capable(this.#primary, 'listEntries').listEntries();
  }

  /** The primary's invalidations (the fallback is local: the core already drops its own cache). */
  onInvalidate(listener: (accountId: string) => void): () => void {
    return this.#primary.onInvalidate?.(listener) ?? (() => {});
  }

  /** Close both stores. */
  async close(): Promise<void> {
    this.#challengesOnFallback.clear();
    this.#pendingOnFallback.clear();
    const results = await Promise.allSettled([this.#primary.close?.(), this.#fallback.close?.()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Run one call on the primary, or on the fallback while the primary is away. Only a call that
   * started as a retry brings the primary back: a slow success started before a failure does not.
   */
  async #call<T>(what: string, run: (store: Store) => Promise<T>): Promise<Served<T>> {
    const down = this.#downUntil !== undefined;
    if (down && (this.#probing || this.#now() < this.#downUntil!)) return { value: await run(this.#fallback), by: 'fallback' };
    if (down) this.#probing = true;
    try {
      const value = await bounded(run(this.#primary), this.#timeoutMs, what);
      if (down) {
        this.#downUntil = undefined;
        this.#switched('primary');
      }
      return { value, by: 'primary' };
    } catch (error) {
      if (down || this.#downUntil === undefined) {
        this.#downUntil = this.#now() + this.#retryAfterMs;
        if (!down) this.#switched('fallback', error);
      }
      return { value: await run(this.#fallback), by: 'fallback' };
    } finally {
      if (down) this.#probing = false;
    }
  }

  #switched(to: 'primary' | 'fallback', error?: unknown): void {
    try {
      this.#onSwitch?.(to, error);
    } catch {
      // A failing hook must not fail the request it was told about.
    }
  }
}

/** Reject when the primary takes longer than `ms`; its late answer is ignored. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SharelockError('SHARELOCK_E_STORE_TIMEOUT', `primary.${what}() took longer than ${ms} ms (primaryTimeoutMs).`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type InsightsMethod = 'recordExposure' | 'findExposures' | 'recordConversion' | 'countDay' | 'readDays' | 'listConversions';
type AdminMethod = 'indexAccount' | 'listAccounts' | 'readAccount' | 'eraseAccount' | 'forceChallenge' | 'clearForcedChallenge' | 'addListEntry' | 'removeListEntry' | 'listEntries';

/** The store, when it has this optional method; a store without it fails the call (the other one may answer). */
function capable<M extends InsightsMethod | AdminMethod>(store: Store, method: M): Store & Required<Pick<Store, M>> {
  if (typeof store[method] !== 'function') throw new Error(`This store does not implement ${method}().`);
  return store as Store & Required<Pick<Store, M>>;
}

function isStore(value: unknown): value is Store {
  return typeof value === 'object' && value !== null && typeof (value as Store).attach === 'function' && typeof (value as Store).getChallenge === 'function';
}
