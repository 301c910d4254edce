import type { AccountStatus, Access, Agent, ChallengeRecord, ChallengeStatus, DeviceRecord, DeviceStatus, DeviceType, Limits } from '../model.js';
import type { Conversion, DayCounts, Exposure } from '../insights/model.js';
import type { AccountSort, AccountSummary, DynamicListEntry, ListKind, ListName } from '../admin/types.js';

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

/**
 * Read-only: a store may hand out its own records, frozen (the memory store does), instead of
 * copies. A caller that wants to change one copies it first.
 */
export interface AccountSnapshot {
  status: AccountStatus;
  devices: ReadonlyArray<Readonly<DeviceRecord>>;
  /** Recent accesses, oldest first, at most `historySize`. Read-only: stores may share the entries. */
  accesses: ReadonlyArray<Readonly<Access>>;
  /**
   * What the core last saved with `saveProfile()` (its household model), or `undefined`. The core
   * changes what it is given: hand out a fresh copy each time (the built-in stores parse it anew)
   * or a frozen value, which the core copies before changing.
   */
  profile?: unknown;
  /**
   * Challenges an admin asked for (`forceChallenge()`), waiting for the next request; absent or
   * empty when none. Stores with the admin capability return them with every snapshot.
   */
  forced?: ReadonlyArray<Readonly<ForcedChallenge>>;
}

/** A challenge an admin asked for: of this device, or of any device of the account (`deviceId` absent). */
export interface ForcedChallenge {
  deviceId?: string;
  at: number;
}

/** Each sort's value for one account (see `accountSortKeys`): larger first, then the larger account id. */
export type AccountSortKeys = Record<AccountSort, number>;

/** A page request on the admin index. */
export interface AccountIndexQuery {
  sort: AccountSort;
  /** How many to return: 1 to 501 (the core asks for one more than a page, to know whether another follows). */
  limit: number;
  /** Continue strictly after this position: a smaller key, or the same key and a smaller account id (code-unit order on the memory store, byte order on Redis). */
  after?: { key: number; accountId: string };
}

export interface AccountIndexPage {
  accounts: Array<{ summary: AccountSummary; key: number }>;
  /** Accounts in the index. */
  total: number;
}

/** Everything a store keeps about one account (`readAccount`). */
export interface StoredAccount {
  status: AccountStatus;
  devices: DeviceRecord[];
  /** Oldest first. */
  accesses: Access[];
  profile?: unknown;
  /** Each device's newest challenge still kept. */
  challenges: ChallengeRecord[];
  /** Windows still open or not yet forgotten, by name. */
  counters: Record<string, CounterState>;
  forced: ForcedChallenge[];
  /** Its admin index entry, if any. */
  summary?: AccountSummary;
}

/** What `eraseAccount` removed, counted. */
export interface ErasedRecords {
  devices: number;
  accesses: number;
  challenges: number;
  counters: number;
  profile: boolean;
  /** The admin index entry. */
  indexed: boolean;
}

/** Published on the invalidation channel (`onInvalidate`) when dynamic list entries change: not an account id. */
export const LISTS_CHANGED = '\u0000sharelock:lists';

/** Dynamic list entries a store keeps at most; `addListEntry` rejects a new one beyond it. */
export const MAX_LIST_ENTRIES = 10_000;

export interface AttachResult {
  outcome: AttachOutcome;
  snapshot: AccountSnapshot;
  /** The devices this attach detached because they were unused since `inactiveBefore` (optional: reported as `device.detached`, cause `inactivity`). */
  inactive?: ReadonlyArray<Readonly<DeviceRecord>>;
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

  // Optional capability: the admin API (`guard.admin`). A store has all nine or none; without them
  // `guard.admin` rejects with `SHARELOCK_E_ADMIN_UNSUPPORTED`, and decisions are unchanged. The
  // index is bounded (the memory store's entries go with its accounts; Redis keeps
  // `maxIndexedAccounts`); it never needs a scan of the keyspace.

  /**
   * Write the account's index entry: with `keys`, create or update it (the core's summary of a
   * judged request, fields it leaves out are kept); without `keys`, update fields of an entry that
   * exists and do nothing otherwise (a challenge's or status's change). Last write wins.
   */
  indexAccount?(accountId: string, fields: Partial<AccountSummary>, keys?: AccountSortKeys): Promise<void>;
  /** A page of the index in `query.sort` order, largest key first, then larger account id. One round trip. */
  listAccounts?(query: AccountIndexQuery): Promise<AccountIndexPage>;
  /** Everything kept about the account; empty lists for an unknown one. */
  readAccount?(accountId: string): Promise<StoredAccount>;
  /**
   * Forget the account: devices, accesses, status, profile, challenges (and each device's pointer),
   * counters, forced challenges, index entry, and the exposures of its devices. A shared store
   * tells every instance to drop the account's cached verdicts (as `setAccountStatus` does).
   */
  eraseAccount?(accountId: string): Promise<ErasedRecords>;
  /**
   * Ask for a challenge at the device's (or, without `deviceId`, any device's) next request:
   * returned in `AccountSnapshot.forced` until cleared. Kept as long as the account's records; tells
   * every instance to drop the account's cached verdicts.
   */
  forceChallenge?(accountId: string, deviceId: string | undefined, at: number): Promise<void>;
  /** Clear a forced challenge (`deviceId` as given to `forceChallenge`); nothing when there is none. */
  clearForcedChallenge?(accountId: string, deviceId: string | undefined): Promise<void>;
  /**
   * Keep a dynamic allow or deny entry, replacing one with the same list, kind and value; rejects
   * beyond `MAX_LIST_ENTRIES`. A shared store publishes `LISTS_CHANGED` to every instance.
   */
  addListEntry?(entry: DynamicListEntry): Promise<void>;
  /** Remove one; `false` when there was none. Publishes `LISTS_CHANGED` like `addListEntry`. */
  removeListEntry?(list: ListName, kind: ListKind, value: string): Promise<boolean>;
  /** Every dynamic entry kept, expired ones included (the core filters them). One round trip. */
  listEntries?(): Promise<DynamicListEntry[]>;

  /**
   * Optional, for stores shared by several processes: call `listener(accountId)` whenever another
   * instance kicks or detaches a device, changes the account status, erases the account or forces
   * a challenge on it, so this process drops its cached verdicts for that account; and
   * `listener(LISTS_CHANGED)` when dynamic list entries change. Returns a function that stops listening.
   */
  onInvalidate?(listener: (accountId: string) => void): () => void;
  /** Optional: release connections and timers. */
  close?(): Promise<void>;
}
