import type { ErasedRecords } from '../stores/store.js';
import type { AccountStatus, Access, ChallengeKind, ChallengeRecord, ChallengeResolution, ChallengeStatus, DeviceRecord, DeviceType, Reason } from '../model.js';

/** How `accounts()` orders its page. Every order is descending (the most suspicious, largest or newest first), ties broken by the most recent `lastSeen`, then by account id. */
export type AccountSort = 'score' | 'people' | 'devices' | 'lastSeen';

/** The account's newest challenge, as the index last saw it. */
export interface LastChallenge {
  id: string;
  /** The device it was opened for. */
  deviceId: string;
  kind: ChallengeKind;
  status: ChallengeStatus;
  /** How it ended, once `completed`: the owner proved it, the device logged out, or it signed up on its own. */
  resolution?: ChallengeResolution;
  /** When it last changed status (ms since the epoch). */
  at: number;
}

/**
 * One account in the admin index: what its last judged request (a verdict-cache miss) showed,
 * updated by admin actions and challenge transitions. Plain JSON.
 */
export interface AccountSummary {
  accountId: string;
  /**
   * How likely the account is shared, 0 (no sign) to 1; the default sort key. Three pieces of
   * evidence, combined as independent ones (`1 - (1-p)(1-d)(1-s)`):
   * - `p`, people: `1 - 0.5^(people - allowedPeople)` when more households are in use than the
   *   plan allows (0.5 for one more, 0.75 for two), else 0;
   * - `d`, devices: `0.5` over the device limit (attached, or asking to be: `device_count` fired), else
   *   `0.25 × devices / limit` (near the limit is weak evidence);
   * - `s`, other signals that fired (concurrency, impossible travel, cloned device, velocity, ...):
   *   `1 - 0.6^n` for `n` distinct checks (0.4 for one, 0.64 for two).
   *
   * Rounded to 4 decimals. A heuristic for ordering a support queue, not a verdict: the policies decide.
   */
  score: number;
  /** Estimated people (households in use on separate networks, see `people_count`); at least 1. */
  people: number;
  /** People the plan allows (`limits.people`, default 1). */
  allowedPeople: number;
  /** Attached devices (the ones that count against the limit). */
  devices: number;
  /** The overall device limit in force at the last judged request; absent when unlimited. */
  deviceLimit?: number;
  /** Attached devices per type; types with none are left out. */
  types: Partial<Record<DeviceType, number>>;
  /** Every check that fired at the last judged request, enforced by a policy or not, with what was observed and the threshold. */
  signals: Reason[];
  status: AccountStatus;
  /** The last judged request (ms since the epoch). Cached requests in between do not move it. */
  lastSeen: number;
  /** The challenge of the account that changed status last (opened, verified, completed, ...). */
  lastChallenge?: LastChallenge;
}

/** What `accounts()` returns, and in which order. */
export interface AccountQuery {
  /** Default `'score'`. */
  sort?: AccountSort;
  /** Accounts per page: default 50, at most 500. */
  limit?: number;
  /**
   * `next` from the previous page, to continue after it (the same `sort` is required). Opaque.
   * A cursor is a position in the order, not an offset: accounts that do not change while you page
   * are each listed exactly once, whatever else is added, updated or removed meanwhile; an account
   * whose sort value changes during the walk may be listed twice or not at all.
   */
  cursor?: string;
}

export interface AccountPage {
  accounts: AccountSummary[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
  /** Accounts in the index (all pages), at the time of this call. */
  total: number;
}

/** A place the account is used from: one home, office or campus (its fixed networks), from the household model. */
export interface AccountPlace {
  /** The networks seen there (IPv4 /24, IPv6 /56); the first is listed as `network`. */
  network?: string;
  networks: string[];
  country?: string;
  /** Only when geolocation placed it precisely (a city, not a country). */
  lat?: number;
  lon?: number;
  /** The devices seen there. */
  devices: string[];
  /** Accesses from there among the recent ones (`accesses`). */
  accesses: number;
  /** Days on which it was in use (the latest 31 are remembered). */
  days: number;
  /** The household (places joined by a device they share) it belongs to: equal numbers, one household. */
  household: number;
  firstSeen?: number;
  lastSeen: number;
}

/** A challenge as the admin API shows it: no code hash, no contacts. */
export interface ChallengeSummary {
  id: string;
  deviceId: string;
  kind: ChallengeKind;
  status: ChallengeStatus;
  resolution?: ChallengeResolution;
  reasons: Reason[];
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** Wrong codes entered. */
  attempts: number;
}

/** Everything the admin API shows about one account. */
export interface AccountDetail {
  accountId: string;
  status: AccountStatus;
  /** Its index entry; absent when the index has none (never judged, evicted, or no index). */
  summary?: AccountSummary;
  /** Every device known, attached or not, most recently used first. */
  devices: DeviceRecord[];
  /** Where it is used from, most recently used first. */
  places: AccountPlace[];
  /** Recent accesses, newest first (at most the `historySize` kept). */
  accesses: Access[];
  /** Each device's newest challenge, newest first. */
  challenges: ChallengeSummary[];
  /** The checks that fired at the last judged request (`summary.signals`), with observed value and threshold. */
  signals: Reason[];
  /** Set when `forceChallenge()` is waiting for the next request: `deviceId` absent means any device of the account. */
  forcedChallenges: Array<{ deviceId?: string; at: number }>;
}

/** Which list a dynamic entry is on. */
export type ListName = 'allow' | 'deny';
/** What a list entry matches: an account id, a device id, an IP or CIDR range, or an ISO country code. */
export type ListKind = 'accounts' | 'devices' | 'ips' | 'countries';

/** An entry added at runtime with `addListEntry()`, on top of the `lists` option. */
export interface DynamicListEntry {
  list: ListName;
  kind: ListKind;
  /** The account id, device id, IP address or CIDR range, or country code (upper case). */
  value: string;
  /** When it stops applying (ms since the epoch); absent: until removed. */
  expiresAt?: number;
  /** Why it was added, for the next person reading the list. At most 500 characters. */
  note?: string;
  addedAt: number;
}

/** What `addListEntry()` takes. */
export interface ListEntryInput {
  list: ListName;
  kind: ListKind;
  value: string;
  expiresAt?: number;
  note?: string;
}

/** Everything stored about one account (`exportAccount()`), for a data-access request. JSON-serialisable. */
export interface AccountExport {
  accountId: string;
  /** When the export was made (ms since the epoch). */
  exportedAt: number;
  status: AccountStatus;
  devices: DeviceRecord[];
  /** Recent accesses, oldest first: time, device, IP, network, location, page. */
  accesses: Access[];
  /** The household model: places with their networks, devices, days, coarse location. */
  profile?: unknown;
  /** Each device's newest challenge, as stored but without the code hash (a secret, not personal data). */
  challenges: Array<Omit<ChallengeRecord, 'codeHash'>>;
  /** Its admin index entry. */
  summary?: AccountSummary;
  /** Its windowed counters (challenge budgets), by name. */
  counters: Record<string, { count: number; resetAt: number }>;
  forcedChallenges: Array<{ deviceId?: string; at: number }>;
  /** Dynamic list entries naming the account or one of its devices. */
  listEntries: DynamicListEntry[];
}

/** What `eraseAccount()` removed. */
export interface ErasedAccount extends ErasedRecords {
  accountId: string;
  /** Dynamic list entries naming the account or one of its devices. */
  listEntries: number;
}

/**
 * The admin API, `guard.admin`: support tools and account settings over the store, for every app
 * server at once on a shared store. It trusts its caller: authorise every call in your app
 * (sharelock cannot know who your admins are) and pass ids you took from your own records.
 *
 * Listing needs a store with the admin index (`MemoryStore` and `RedisStore` have it); without it
 * `accounts()` rejects with `SHARELOCK_E_ADMIN_UNSUPPORTED`. Bad arguments (an unknown sort, a
 * limit out of range, a malformed cursor or list entry) reject with `SHARELOCK_E_ADMIN_INVALID`.
 * @example
 * app.get('/admin/accounts', requireAdmin, async (req, res) => res.json(await guard.admin.accounts({ sort: 'score', cursor: req.query.cursor })))
 */
export interface Admin {
  /** A page of accounts, most likely shared first by default. One store call; no scan. */
  accounts(query?: AccountQuery): Promise<AccountPage>;
  /** One account's devices, places, recent accesses, challenges and signals. An unknown account has empty lists. */
  account(accountId: string): Promise<AccountDetail>;
  /** Detach a device: logged out at its next request (on every server), stops counting. `false` when the account has no such device. */
  detach(accountId: string, deviceId: string): Promise<boolean>;
  /** Never count this device again (support staff, QA). `false` when the account has no such device. */
  exclude(accountId: string, deviceId: string): Promise<boolean>;
  /** Send every device of the account to `urls.suspended` from its next request, on every server. */
  suspend(accountId: string): Promise<void>;
  unsuspend(accountId: string): Promise<void>;
  /**
   * Challenge (`verify`) the next protected request of this device, or of any device of the
   * account when `deviceId` is left out, on every server: cached verdicts are dropped. Cleared
   * once that challenge is opened. A device on the allow list, or excluded, is not challenged.
   */
  forceChallenge(accountId: string, deviceId?: string): Promise<void>;
  /**
   * Add an allow or deny entry at runtime, on top of the `lists` option, stored so every server
   * applies it: at once on this one, on the others when the store's invalidation message arrives
   * (Redis pub/sub), and within 30 s at worst. Replaces an entry with the same list, kind and value.
   */
  addListEntry(entry: ListEntryInput): Promise<DynamicListEntry>;
  /** Remove (clear) a dynamic entry; `false` when there was none. Entries of the `lists` option cannot be removed at runtime. */
  removeListEntry(list: ListName, kind: ListKind, value: string): Promise<boolean>;
  /** The dynamic entries, expired ones left out. */
  listEntries(list?: ListName): Promise<DynamicListEntry[]>;
  /** Everything stored about the account, for a data-access request (GDPR art. 15). */
  exportAccount(accountId: string): Promise<AccountExport>;
  /**
   * Forget the account (GDPR art. 17): its devices, accesses, profile, challenges, counters,
   * forced challenges, index entry and the dynamic list entries naming it or its devices; every
   * server drops its cached verdicts. Returns what was erased. The account's next request starts afresh.
   */
  eraseAccount(accountId: string): Promise<ErasedAccount>;
}
