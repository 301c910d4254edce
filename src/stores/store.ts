import type { AccountStatus, Access, Agent, ChallengeRecord, ChallengeStatus, DeviceRecord, DeviceStatus, DeviceType, Limits } from '../model.js';
import type { Conversion, DayCounts, Exposure } from '../insights/model.js';

/** One protected request, as the store records it. */
export interface AttachInput {
  accountId: string;
  deviceId: string;
  type: DeviceType;
  agent: Agent;
  access: Access;
  metadata?: Record<string, unknown>;
  /**
   * The groups whose pools count this device, kept on the device record (`DeviceRecord.groups`)
   * so the core can free its pool slots when it is logged out. An empty list removes them; when
   * omitted the record keeps what it has.
   */
  groups?: string[];
  /** Limits to enforce when the device is not attached yet. `devices` is always set. */
  limits: Required<Pick<Limits, 'devices'>> & Limits;
  /** Attached devices unused since before this time are detached first (lazy auto-detach). */
  inactiveBefore: number;
  /** Accesses kept per account for signals. */
  historySize: number;
  /** Attach even over the limits (monitor mode, or a policy that lets the device in). Default `false`. */
  force?: boolean;
  /** The owner just proved this device is theirs: set `verifiedAt` to the access time. */
  verified?: boolean;
}

/**
 * - `attached`: the device is (now) attached; `newlyAttached` tells whether this call attached it.
 * - `excluded`: the device never counts (support staff, QA).
 * - `over_limit`: attaching would exceed `limits`; nothing was attached. `exceeded` names the limits.
 * - `logout`: the device was kicked or detached; its pending logout is now consumed.
 * - `suspended`: the account is suspended; nothing was recorded.
 */
export type AttachOutcome =
  | { kind: 'attached'; newlyAttached: boolean }
  | { kind: 'excluded' }
  | { kind: 'over_limit'; exceeded: Array<{ limit: keyof Limits; observed: number; threshold: number }> }
  | { kind: 'logout'; status: DeviceStatus }
  | { kind: 'suspended' };

export interface AccountSnapshot {
  status: AccountStatus;
  devices: DeviceRecord[];
  /** Recent accesses, oldest first, at most `historySize`. Read-only: stores may share the entries. */
  accesses: ReadonlyArray<Readonly<Access>>;
  /** What the core last saved with `saveProfile()` (its household model), or `undefined`. */
  profile?: unknown;
}

export interface AttachResult {
  outcome: AttachOutcome;
  snapshot: AccountSnapshot;
  /** The devices this attach detached because they were unused since `inactiveBefore` (optional: reported as `device.detached`, cause `inactivity`). */
  inactive?: DeviceRecord[];
}

/** A windowed counter, as `countHit` leaves it. */
export interface CounterState {
  /** Hits counted in the current window; 0 when no window is open. Never negative. */
  count: number;
  /** When the current window ends (the count starts again from 0); `at` itself when no window is open. */
  resetAt: number;
}

export interface SetDeviceStatusOptions {
  /**
   * `false`: detach without logging the device out (a browser whose cookies were cleared, replaced
   * by its new cookie: the old one never comes back). Default `true`.
   */
  logout?: boolean;
}

/** The bounds every store keeps for conversions and insights, so neither grows without end. */
export const INSIGHTS_BOUNDS = {
  /** Exposures kept per device (`recordExposure`), the newest. */
  exposuresPerDevice: 8,
  /** Counters per day (`countDay`, `recordConversion`); a new counter beyond it is dropped, existing ones still count. */
  countersPerDay: 512,
  /** Conversions listed per day (`listConversions`), the newest; all still count in the day's counters. */
  conversionsPerDay: 1000,
} as const;

/** What `recordConversion` did: `recorded: false` when the pair was already recorded; `conversion` is then the stored one. */
export interface RecordedConversion {
  recorded: boolean;
  conversion: Conversion;
}

/**
 * The storage contract: small atomic primitives, no policy. Every method must be atomic per
 * account, so two requests racing for the last slot can never both get it.
 */
export interface Store {
  /** Attach the device if within limits (or `force`), record the access, return the account snapshot. */
  attach(input: AttachInput): Promise<AttachResult>;
  /**
   * Every device the store knows for the account, attached or not; `[]` for an unknown account.
   * The order is unspecified (stores differ): sort the result when order matters.
   */
  listDevices(accountId: string): Promise<DeviceRecord[]>;
  /**
   * Set a device's status. `kicked` and `detached` also mark a logout as pending. Returns the
   * updated device, or `undefined` when the account has no such device.
   */
  setDeviceStatus(accountId: string, deviceId: string, status: DeviceStatus, at: number, options?: SetDeviceStatusOptions): Promise<DeviceRecord | undefined>;
  /**
   * Keep the core's per-account profile (a small JSON value, a few KB at most) until the account is
   * forgotten. Last write wins: the core re-derives anything lost.
   */
  saveProfile?(accountId: string, profile: unknown): Promise<void>;
  getAccountStatus(accountId: string): Promise<AccountStatus>;
  setAccountStatus(accountId: string, status: AccountStatus): Promise<void>;
  /**
   * Save a new challenge. Any other pending challenge for the same account and device becomes
   * `overridden`. Kept until `challenge.expiresAt` at least.
   */
  createChallenge(challenge: ChallengeRecord): Promise<void>;
  getChallenge(id: string): Promise<ChallengeRecord | undefined>;
  /** The newest pending challenge of this device, if any. */
  findPendingChallenge(accountId: string, deviceId: string): Promise<ChallengeRecord | undefined>;
  /**
   * Apply `patch` only while the challenge is in one of `from` (compare-and-set), so two tabs cannot
   * both spend the last attempt. `id`, `accountId` and `deviceId` in the patch are ignored: a
   * challenge stays bound to its account and device. A field given as `undefined` is cleared.
   * Returns the updated challenge, or `undefined` if it did not apply (unknown id, other status).
   */
  updateChallenge(id: string, from: readonly ChallengeStatus[], patch: Partial<ChallengeRecord>): Promise<ChallengeRecord | undefined>;
  /**
   * Count one wrong code atomically; the challenge becomes `failed` when `attempts` reaches
   * `maxAttempts`. Returns the challenge after the increment, or `undefined` when the challenge is
   * unknown or not `code_sent` (nothing is counted before a code was sent, nor after it failed).
   */
  recordFailedAttempt(id: string, maxAttempts: number): Promise<ChallengeRecord | undefined>;
  /**
   * Add `by` to the account's counter `name` and return it, atomically: 50 racing hits count 50.
   * A fixed window opens at a hit (`by` > 0) when none is open, ends `windowMs` (at least 1) later,
   * and is not moved by later hits; once it ended, the counter starts again from 0. `by` 0 only
   * reads (it opens nothing); a negative `by` gives hits back, never below 0 (and does nothing
   * when no window is open). `at` is the caller's clock, not the store's, so every process and an
   * injected test clock agree. The store keeps a counter until its window ends, at least; it may
   * forget one earlier only when the account itself is forgotten (a bounded store's LRU).
   *
   * The core keeps its challenge budgets here (wrong codes, codes sent, challenges opened, per
   * device and per account, `challenge.budget`), so they hold across every app server. Required,
   * not optional: a per-process fallback would multiply every budget by the number of processes
   * and reset it at each deploy, silently weakening the bound on code guessing.
   */
  countHit(accountId: string, name: string, windowMs: number, at: number, by?: number): Promise<CounterState>;

  // Optional capability: conversions and per-day insights (`guard.trackConversion()`,
  // `guard.insights()`). A store has all six or none; without them nothing is recorded and
  // sharelock logs so once. Days are UTC `YYYY-MM-DD` strings; `ttlMs` is a minimum lifetime,
  // computed by the core on its own clock (a bounded store may forget earlier, oldest first).

  /**
   * Remember, for `ttlMs` at least, that the device may convert: it saw a challenge, was logged
   * out by the account's owner, or was one of a challenged account's devices. A device keeps its
   * `INSIGHTS_BOUNDS.exposuresPerDevice` newest exposures.
   */
  recordExposure?(deviceId: string, exposure: Exposure, ttlMs: number): Promise<void>;
  /**
   * The device's exposures, newest recorded first; `[]` for a device with none. May include some
   * older than the attribution window: the core filters them by their `at`.
   */
  findExposures?(deviceId: string): Promise<Exposure[]>;
  /**
   * Record a conversion once per (`deviceId`, `accountId`) pair and add `counts` to `day`'s
   * counters, atomically: of two racing calls for one pair, one records and counts, the other
   * gets `{ recorded: false, conversion: <the stored one> }` and counts nothing. The conversion
   * is kept `ttlMs` at least, and listed under `day` (see `listConversions`).
   */
  recordConversion?(conversion: Conversion, day: string, counts: DayCounts, ttlMs: number): Promise<RecordedConversion>;
  /**
   * Add each of `counts` (whole numbers) to the day's counter of that name, atomically; 50 racing
   * calls count 50. The day's counters are kept `ttlMs` at least.
   */
  countDay?(day: string, counts: DayCounts, ttlMs: number): Promise<void>;
  /** Each day's counters, in the order given; `{}` for a day with none. One round trip, no scan. */
  readDays?(days: readonly string[]): Promise<DayCounts[]>;
  /** Conversions listed under these days, day by day in the order given, each day's newest first; at most `limit`. */
  listConversions?(days: readonly string[], limit: number): Promise<Conversion[]>;

  /**
   * Optional, for stores shared by several processes: call `listener(accountId)` whenever another
   * instance kicks or detaches a device or changes the account status, so this process drops its
   * cached verdicts for that account. Returns a function that stops listening.
   */
  onInvalidate?(listener: (accountId: string) => void): () => void;
  /** Optional: release connections and timers. */
  close?(): Promise<void>;
}
