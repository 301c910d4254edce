import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AccountStatus, Access, Agent, ChallengeRecord, ChallengeStatus, DeviceRecord, DeviceStatus, Location } from '../model.js';
import { PENDING_CHALLENGE } from '../model.js';
import { SharelockError } from '../errors.js';
import { wholeNumberOption } from './store-options.js';
import { exceededLimits } from './attach-rules.js';
import { frozenCopy, plainCopy, SharedRecords, sharingCopy, updatedDevice } from './memory-records.js';
import { decodeProfile, encodeProfile } from './profile-codec.js';
import { AccessHistory, Pages, sourceOf } from './memory-history.js';
import { INSIGHTS_BOUNDS, MAX_LIST_ENTRIES, type AccountIndexPage, type AccountIndexQuery, type AccountSortKeys, type AttachInput, type AttachResult, type CounterState, type ErasedRecords, type ForcedChallenge, type RecordedConversion, type Store, type StoredAccount } from './store.js';
import type { AccountSummary, DynamicListEntry, ListKind, ListName } from '../admin/types.js';
import type { Conversion, DayCounts, Exposure } from '../insights/model.js';
import { INSIGHTS_RETENTION_MS } from '../insights/day.js';

/**
 * Counters kept per account (`countHit`), beyond which ended windows and then the least recently
 * used are forgotten. The core opens a device's counter only while its account's budget has room,
 * so a live budget never gets near this: rotating cookies cannot flush an account's own counters.
 */
const MAX_COUNTERS_PER_ACCOUNT = 1000;

/** Days of insights kept: the newest, as many as the retention (400 days) spans. */
const MAX_INSIGHT_DAYS = Math.ceil(INSIGHTS_RETENTION_MS / 86_400_000) + 1;

export interface MemoryStoreOptions {
  /**
   * Accounts kept; the least recently used is forgotten beyond this. Default 100 000. Measured in
   * the detection lab (accounts of about 4.4 devices, each with a full history of 100 accesses, a
   * household profile and its challenges of the last day): about 1.8 KB of heap per device in the
   * store, 2.0 KB with the core's own per-account state; each kept access 16 bytes plus its share
   * of the sources. Size this to the memory you give it.
   */
  maxAccounts?: number;
  /** Challenges kept; the least recently used is forgotten beyond this. Default 100 000. */
  maxChallenges?: number;
  /**
   * How long a challenge is kept past its `expiresAt`, in ms, so a late click still finds it (and
   * says it expired); then it is forgotten, as `RedisStore` expires it. Default 1 day.
   */
  challengeGraceMs?: number;
  /**
   * Devices kept per account. Beyond it the least recently used devices that no longer count and
   * have no logout pending (`detached` or `kicked`) are forgotten; `attached` and `excluded`
   * devices never are. Default 50.
   */
  maxDevicesPerAccount?: number;
  /**
   * Conversions kept (`trackConversion`), the least recently recorded forgotten first (a later
   * call for a forgotten one would count it again). Default 100 000. The per-day figures are kept
   * apart: 400 days, at most 512 counters and 1 000 listed conversions each.
   */
  maxConversions?: number;
  /** Devices whose challenges and logouts are remembered for attribution; the least recently exposed forgotten first. Default: `maxAccounts`. */
  maxExposedDevices?: number;
}

interface DayState {
  counts: Map<string, number>;
  /** Conversions recorded that day, oldest first, at most `INSIGHTS_BOUNDS.conversionsPerDay`. */
  listed: Conversion[];
}

/**
 * One account. Its device and forced-challenge records are frozen and replaced, never changed in
 * place, so an attach snapshot hands them out without copying them; its accesses are kept in
 * columns (`AccessHistory`), its profile packed (`encodeProfile`).
 */
interface AccountState {
  status: AccountStatus;
  /**
   * Least recently used first. Frozen and replaced on every change, never changed in place, so a
   * snapshot hands it out as it is (an array the exact size, not a Map: ~130 bytes less an account).
   */
  devices: ReadonlyArray<Readonly<DeviceRecord>>;
  accesses: AccessHistory;
  /** The core's profile, packed (`encodeProfile`): a third of its JSON, a seventh of the heap of its objects. */
  profile?: string;
  /** `countHit` counters, least recently used first. */
  counters?: Map<string, CounterState>;
  /** The admin index entry: forgotten with the account (the LRU bounds the index too). */
  index?: { summary: AccountSummary; keys: AccountSortKeys };
  /** Forced challenges by device id (`ANY_DEVICE` for any). */
  forced?: Map<string, Readonly<ForcedChallenge>>;
}

/** The key of a forced challenge for any device of the account (a device id is never empty). */
const ANY_DEVICE = '';

/**
 * The default store: one process, bounded memory. Every method runs without an `await` between
 * reading and writing, so each is atomic per account on Node's single thread.
 */
export class MemoryStore implements Store {
  readonly #accounts: LRUCache<string, AccountState>;
  readonly #challenges: LRUCache<string, ChallengeRecord>;
  /** `account \0 device` → id of its newest challenge. */
  readonly #challengeByDevice: LRUCache<string, string>;
  readonly #challengeGraceMs: number;
  /**
   * Challenge id → when it may be forgotten (`expiresAt + challengeGraceMs`), in the order they were
   * queued (created, or given a new `expiresAt`), which is nearly the order they expire: a sweep
   * stops at the first not yet due.
   */
  readonly #expiring = new Map<string, number>();
  /** The earliest time in `#expiring` (`Infinity` when empty): an attach sweeps only from then. */
  #sweepAt = Infinity;
  readonly #maxDevices: number;
  /** Each device's exposures, newest first: frozen copies sharing the caller's strings (a challenge id, a reason). */
  readonly #exposures: LRUCache<string, ReadonlyArray<Readonly<Exposure>>>;
  /** `device \0 account` → its conversion. */
  readonly #conversions: LRUCache<string, Conversion>;
  /** Per-day insights, at most `MAX_INSIGHT_DAYS` (the oldest day goes first). */
  readonly #days = new Map<string, DayState>();
  /** Dynamic list entries, by `list \0 kind \0 value`. */
  readonly #lists = new Map<string, DynamicListEntry>();
  readonly #pages = new Pages();
  readonly #locations = new SharedRecords<Location>();
  readonly #agents = new SharedRecords<Agent>();
  /** Identifies this instance, e.g. in logs of a fleet. */
  readonly id = randomUUID();

  constructor(options: MemoryStoreOptions = {}) {
    const maxAccounts = wholeNumberOption('MemoryStore', 'maxAccounts', options.maxAccounts ?? 100_000, 1);
    const maxChallenges = wholeNumberOption('MemoryStore', 'maxChallenges', options.maxChallenges ?? 100_000, 1);
    this.#maxDevices = wholeNumberOption('MemoryStore', 'maxDevicesPerAccount', options.maxDevicesPerAccount ?? 50, 1);
    this.#accounts = new LRUCache({ max: maxAccounts });
    this.#challengeGraceMs = wholeNumberOption('MemoryStore', 'challengeGraceMs', options.challengeGraceMs ?? 86_400_000, 0, 'ms');
    this.#challenges = new LRUCache({ max: maxChallenges, dispose: (_challenge, id) => this.#expiring.delete(id) });
    this.#challengeByDevice = new LRUCache({ max: maxChallenges });
    this.#conversions = new LRUCache({ max: wholeNumberOption('MemoryStore', 'maxConversions', options.maxConversions ?? 100_000, 1) });
    this.#exposures = new LRUCache({ max: wholeNumberOption('MemoryStore', 'maxExposedDevices', options.maxExposedDevices ?? maxAccounts, 1) });
  }

  async attach(input: AttachInput): Promise<AttachResult> {
    if (input.access.at >= this.#sweepAt) this.#forgetExpiredChallenges(input.access.at);
    const account = this.#account(input.accountId, true);
    forgetEndedCounters(account, input.access.at);
    if (account.status === 'suspended') return { outcome: { kind: 'suspended' }, snapshot: this.#snapshot(account) };

    const inactive: string[] = [];
    const unused = (device: Readonly<DeviceRecord>) => device.status === 'attached' && device.lastSeen < input.inactiveBefore && device.id !== input.deviceId;
    if (account.devices.some(unused)) {
      account.devices = Object.freeze(
        account.devices.map((device) => {
          if (!unused(device)) return device;
          inactive.push(device.id);
          return frozenCopy(device, { status: 'detached' });
        }),
      );
    }
    const result = this.#attachTo(account, input);
    if (inactive.length === 0) return result;
    return { ...result, inactive: result.snapshot.devices.filter((d) => inactive.includes(d.id)) };
  }

  /** The attach itself, once unused devices were detached. */
  #attachTo(account: AccountState, input: AttachInput): AttachResult {
    const existing = account.devices.find((d) => d.id === input.deviceId);
    if (existing?.logoutPending) {
      replaceDevice(account, frozenCopy(existing, { logoutPending: false }));
      return { outcome: { kind: 'logout', status: existing.status }, snapshot: this.#snapshot(account) };
    }

    let newlyAttached = false;
    if (existing?.status !== 'attached' && existing?.status !== 'excluded') {
      const exceeded = exceededLimits(account.devices, input.type, input.limits);
      if (exceeded.length > 0 && !input.force) {
        return { outcome: { kind: 'over_limit', exceeded }, snapshot: this.#snapshot(account) };
      }
      newlyAttached = true;
    }

    // Copied on the way in (the caller may reuse its objects), sharing what the device's last access had.
    const at = input.access.at;
    const source = sourceOf(input.access, existing?.id ?? input.deviceId, existing && account.accesses.lastOf(existing.id), existing?.lastLocation, this.#locations);
    const device = updatedDevice(existing, input, at, source, newlyAttached, this.#agents);
    // Last: the list stays ordered by last use.
    account.devices = withLast(account.devices, existing, device);
    this.#pruneDevices(account);
    account.accesses.push(at, source, this.#pages.intern(input.access.page), input.historySize);

    const outcome = device.status === 'excluded' ? ({ kind: 'excluded' } as const) : ({ kind: 'attached', newlyAttached } as const);
    return { outcome, snapshot: this.#snapshot(account) };
  }

  async listDevices(accountId: string): Promise<DeviceRecord[]> {
    const account = this.#account(accountId, false);
    return account ? account.devices.map((d) => structuredClone(d)) : [];
  }

  async setDeviceStatus(accountId: string, deviceId: string, status: DeviceStatus, at: number, options: { logout?: boolean } = {}): Promise<DeviceRecord | undefined> {
    const account = this.#account(accountId, false);
    const stored = account?.devices.find((d) => d.id === deviceId);
    if (!account || !stored) return undefined;
    const logoutPending = (status === 'kicked' || status === 'detached') && options.logout !== false;
    const device = frozenCopy(stored, { status, logoutPending, lastSeen: status === 'attached' ? Math.max(stored.lastSeen, at) : stored.lastSeen });
    replaceDevice(account, device);
    return structuredClone(device);
  }

  /** Packed here (a few times a day per account); each snapshot decodes its own copy. */
  async saveProfile(accountId: string, profile: unknown): Promise<void> {
    const account = this.#account(accountId, false);
    if (!account) return;
    const stored = encodeProfile(profile);
    if (stored === undefined) delete account.profile;
    else account.profile = stored;
  }

  async getAccountStatus(accountId: string): Promise<AccountStatus> {
    return this.#account(accountId, false)?.status ?? 'active';
  }

  async setAccountStatus(accountId: string, status: AccountStatus): Promise<void> {
    this.#account(accountId, true).status = status;
  }

  async createChallenge(challenge: ChallengeRecord): Promise<void> {
    const key = `${challenge.accountId}\0${challenge.deviceId}`;
    const previous = this.#challenges.get(this.#challengeByDevice.get(key) ?? '');
    if (previous && PENDING_CHALLENGE.has(previous.status)) {
      previous.status = 'overridden';
      previous.updatedAt = challenge.createdAt;
    }
    this.#challenges.set(challenge.id, sharingCopy(challenge));
    this.#challengeByDevice.set(key, challenge.id);
    this.#forgetLater(challenge);
    if (challenge.createdAt >= this.#sweepAt) this.#forgetExpiredChallenges(challenge.createdAt);
  }

  async getChallenge(id: string): Promise<ChallengeRecord | undefined> {
    const challenge = this.#challenges.get(id);
    return challenge && structuredClone(challenge);
  }

  async findPendingChallenge(accountId: string, deviceId: string): Promise<ChallengeRecord | undefined> {
    const challenge = this.#challenges.get(this.#challengeByDevice.get(`${accountId}\0${deviceId}`) ?? '');
    return challenge && PENDING_CHALLENGE.has(challenge.status) ? structuredClone(challenge) : undefined;
  }

  async updateChallenge(id: string, from: readonly ChallengeStatus[], patch: Partial<ChallengeRecord>): Promise<ChallengeRecord | undefined> {
    const challenge = this.#challenges.get(id);
    if (!challenge || !from.includes(challenge.status)) return undefined;
    // A challenge keeps its id and stays bound to its account and device (the pending-challenge index is keyed by them).
    Object.assign(challenge, sharingCopy(patch), { id: challenge.id, accountId: challenge.accountId, deviceId: challenge.deviceId });
    if (patch.expiresAt !== undefined) this.#forgetLater(challenge);
    return structuredClone(challenge);
  }

  async recordFailedAttempt(id: string, maxAttempts: number): Promise<ChallengeRecord | undefined> {
    const challenge = this.#challenges.get(id);
    if (!challenge || challenge.status !== 'code_sent') return undefined;
    challenge.attempts++;
    if (challenge.attempts >= maxAttempts) challenge.status = 'failed';
    return structuredClone(challenge);
  }

  async countHit(accountId: string, name: string, windowMs: number, at: number, by = 1): Promise<CounterState> {
    const account = by > 0 ? this.#account(accountId, true) : this.#account(accountId, false);
    const stored = account?.counters?.get(name);
    const open = stored !== undefined && stored.resetAt > at;
    if (by === 0 || (!open && by < 0) || !account) return open ? { ...stored } : { count: 0, resetAt: at };
    const counters = (account.counters ??= new Map());
    const counter = open ? stored : { count: 0, resetAt: at + Math.max(1, windowMs) };
    counter.count = Math.max(0, counter.count + by);
    counters.delete(name); // re-insert: the map stays ordered by last use
    counters.set(name, counter);
    if (counters.size > MAX_COUNTERS_PER_ACCOUNT) {
      for (const [key, c] of counters) if (c.resetAt <= at) counters.delete(key);
      for (const key of counters.keys()) {
        if (counters.size <= MAX_COUNTERS_PER_ACCOUNT) break;
        counters.delete(key);
      }
    }
    return { ...counter };
  }

  async recordExposure(deviceId: string, exposure: Exposure): Promise<void> {
    const kept = this.#exposures.get(deviceId) ?? [];
    this.#exposures.set(deviceId, [frozenCopy(exposure), ...kept.slice(0, INSIGHTS_BOUNDS.exposuresPerDevice - 1)]);
  }

  async findExposures(deviceId: string): Promise<Exposure[]> {
    return (this.#exposures.get(deviceId) ?? []).map((exposure) => ({ ...exposure }));
  }

  async recordConversion(conversion: Conversion, day: string, counts: DayCounts): Promise<RecordedConversion> {
    const key = `${conversion.deviceId}\0${conversion.accountId}`;
    const existing = this.#conversions.get(key);
    if (existing) return { recorded: false, conversion: structuredClone(existing) };
    const stored = structuredClone(conversion);
    this.#conversions.set(key, stored);
    const state = this.#day(day);
    state.listed.push(stored);
    if (state.listed.length > INSIGHTS_BOUNDS.conversionsPerDay) state.listed.shift();
    addCounts(state, counts);
    return { recorded: true, conversion: structuredClone(stored) };
  }

  async countDay(day: string, counts: DayCounts): Promise<void> {
    addCounts(this.#day(day), counts);
  }

  async readDays(days: readonly string[]): Promise<DayCounts[]> {
    return days.map((day) => Object.fromEntries(this.#days.get(day)?.counts ?? []));
  }

  async listConversions(days: readonly string[], limit: number): Promise<Conversion[]> {
    const found: Conversion[] = [];
    for (const day of days) {
      const listed = this.#days.get(day)?.listed ?? [];
      for (let i = listed.length - 1; i >= 0 && found.length < limit; i--) found.push(structuredClone(listed[i]!));
    }
    return found;
  }

  async indexAccount(accountId: string, fields: Partial<AccountSummary>, keys?: AccountSortKeys): Promise<void> {
    const account = keys ? this.#account(accountId, true) : this.#account(accountId, false);
    if (!account || (!keys && !account.index)) return;
    // A plain copy (the fields are JSON-like): structuredClone was 6 % of a new account's decision.
    const summary = { ...account.index?.summary, ...plainCopy(fields), accountId } as AccountSummary;
    account.index = { summary, keys: keys ?? account.index!.keys };
  }

  /** Sorts every indexed account (at most `maxAccounts`) for each page: fine for one process's memory, never for a fleet's. */
  async listAccounts(query: AccountIndexQuery): Promise<AccountIndexPage> {
    const entries: Array<{ summary: AccountSummary; key: number }> = [];
    let total = 0;
    const after = query.after;
    for (const account of this.#accounts.values()) {
      if (!account.index) continue;
      total++;
      const key = account.index.keys[query.sort];
      const id = account.index.summary.accountId;
      if (after && !(key < after.key || (key === after.key && id < after.accountId))) continue;
      entries.push({ summary: account.index.summary, key });
    }
    entries.sort((a, b) => b.key - a.key || (a.summary.accountId < b.summary.accountId ? 1 : a.summary.accountId > b.summary.accountId ? -1 : 0));
    return { accounts: entries.slice(0, query.limit).map((e) => ({ summary: structuredClone(e.summary), key: e.key })), total };
  }

  async readAccount(accountId: string): Promise<StoredAccount> {
    const account = this.#accounts.peek(accountId);
    const challenges = this.#challengesOf(accountId).map(([, id]) => this.#challenges.peek(id)).filter((c): c is ChallengeRecord => c !== undefined);
    return structuredClone({
      status: account?.status ?? 'active',
      devices: account?.devices.slice() ?? [],
      accesses: account?.accesses.entries() ?? [],
      ...(account?.profile !== undefined ? { profile: decodeProfile(account.profile) } : {}),
      challenges,
      counters: Object.fromEntries(account?.counters ?? []),
      forced: [...(account?.forced?.values() ?? [])],
      ...(account?.index ? { summary: account.index.summary } : {}),
    });
  }

  async eraseAccount(accountId: string): Promise<ErasedRecords> {
    const account = this.#accounts.peek(accountId);
    const pointers = this.#challengesOf(accountId);
    let challenges = 0;
    for (const [key, id] of pointers) {
      this.#challengeByDevice.delete(key);
      if (this.#challenges.delete(id)) challenges++;
    }
    for (const device of account?.devices ?? []) this.#exposures.delete(device.id);
    this.#accounts.delete(accountId);
    return {
      devices: account?.devices.length ?? 0,
      accesses: account?.accesses.length ?? 0,
      challenges,
      counters: account?.counters?.size ?? 0,
      profile: account?.profile !== undefined,
      indexed: account?.index !== undefined,
    };
  }

  async forceChallenge(accountId: string, deviceId: string | undefined, at: number): Promise<void> {
    const account = this.#account(accountId, true);
    (account.forced ??= new Map()).set(deviceId ?? ANY_DEVICE, Object.freeze(deviceId === undefined ? { at } : { deviceId, at }));
  }

  async clearForcedChallenge(accountId: string, deviceId: string | undefined): Promise<void> {
    const account = this.#accounts.peek(accountId);
    account?.forced?.delete(deviceId ?? ANY_DEVICE);
    if (account?.forced?.size === 0) delete account.forced;
  }

  async addListEntry(entry: DynamicListEntry): Promise<void> {
    const key = listKey(entry.list, entry.kind, entry.value);
    if (!this.#lists.has(key) && this.#lists.size >= MAX_LIST_ENTRIES) throw new SharelockError('SHARELOCK_E_ADMIN_INVALID', `The store keeps at most ${MAX_LIST_ENTRIES} dynamic list entries; remove some first.`);
    this.#lists.set(key, structuredClone(entry));
  }

  async removeListEntry(list: ListName, kind: ListKind, value: string): Promise<boolean> {
    return this.#lists.delete(listKey(list, kind, value));
  }

  async listEntries(): Promise<DynamicListEntry[]> {
    return structuredClone([...this.#lists.values()]);
  }

  /**
   * Queue `challenge` to be forgotten `challengeGraceMs` after its `expiresAt`, behind the ones
   * queued before it (created, or given a later `expiresAt`, earlier).
   */
  #forgetLater(challenge: ChallengeRecord): void {
    const forgetAt = challenge.expiresAt + this.#challengeGraceMs;
    this.#expiring.delete(challenge.id);
    this.#expiring.set(challenge.id, forgetAt);
    if (forgetAt < this.#sweepAt) this.#sweepAt = forgetAt;
  }

  /**
   * Forget the challenges whose grace ended by `now` (the caller's time of the attach or challenge at
   * hand), and the device pointers naming them, up to the first one in the queue not yet due.
   */
  #forgetExpiredChallenges(now: number): void {
    this.#sweepAt = Infinity;
    for (const [id, forgetAt] of this.#expiring) {
      if (forgetAt > now) {
        this.#sweepAt = forgetAt;
        return;
      }
      this.#expiring.delete(id);
      const challenge = this.#challenges.peek(id);
      if (!challenge) continue;
      this.#challenges.delete(id);
      const key = `${challenge.accountId}\0${challenge.deviceId}`;
      if (this.#challengeByDevice.peek(key) === id) this.#challengeByDevice.delete(key);
    }
  }

  /** The account's challenge pointers, `[account \0 device, challenge id]` (a walk of the pointer cache: admin calls only). */
  #challengesOf(accountId: string): Array<[string, string]> {
    const prefix = `${accountId}\0`;
    const found: Array<[string, string]> = [];
    for (const [key, id] of this.#challengeByDevice.entries()) if (key.startsWith(prefix)) found.push([key, id]);
    return found;
  }

  async close(): Promise<void> {
    this.#lists.clear();
    this.#accounts.clear();
    this.#challenges.clear();
    this.#challengeByDevice.clear();
    this.#expiring.clear();
    this.#sweepAt = Infinity;
    this.#exposures.clear();
    this.#conversions.clear();
    this.#days.clear();
    this.#pages.clear();
    this.#locations.clear();
    this.#agents.clear();
  }

  /** The account as the core reads it: the stored, frozen records and device list, and the accesses and profile built anew. */
  #snapshot(account: AccountState): AttachResult['snapshot'] {
    return {
      status: account.status,
      devices: account.devices,
      accesses: account.accesses.entries(),
      ...(account.profile !== undefined ? { profile: decodeProfile(account.profile) } : {}),
      ...(account.forced ? { forced: [...account.forced.values()] } : {}),
    };
  }

  /** A day's insights, created when missing; beyond `MAX_INSIGHT_DAYS` the oldest day is forgotten. */
  #day(day: string): DayState {
    let state = this.#days.get(day);
    if (!state) {
      state = { counts: new Map(), listed: [] };
      this.#days.set(day, state);
      if (this.#days.size > MAX_INSIGHT_DAYS) {
        let oldest = day;
        for (const key of this.#days.keys()) if (key < oldest) oldest = key;
        this.#days.delete(oldest);
      }
    }
    return state;
  }

  #account(id: string, create: true): AccountState;
  #account(id: string, create: false): AccountState | undefined;
  #account(id: string, create: boolean): AccountState | undefined {
    let account = this.#accounts.get(id);
    if (!account && create) {
      account = { status: 'active', devices: NO_DEVICES, accesses: new AccessHistory() };
      this.#accounts.set(id, account);
    }
    return account;
  }

  /**
   * Forget the least recently used devices that no longer count and have nothing left to deliver
   * (`detached` or `kicked`, logout delivered), beyond the per-account cap. `excluded` devices are
   * kept: forgetting one would make it count again on its next request.
   */
  #pruneDevices(account: AccountState): void {
    let over = account.devices.length - this.#maxDevices;
    if (over <= 0) return;
    account.devices = Object.freeze(account.devices.filter((device) => !(over > 0 && (device.status === 'detached' || device.status === 'kicked') && !device.logoutPending && over-- > 0)));
  }
}


const NO_DEVICES: ReadonlyArray<Readonly<DeviceRecord>> = Object.freeze([]);

/** `devices` without `existing`, `device` last, in a frozen array of the exact size (spread and filter leave spare slots). */
function withLast(devices: ReadonlyArray<Readonly<DeviceRecord>>, existing: Readonly<DeviceRecord> | undefined, device: Readonly<DeviceRecord>): ReadonlyArray<Readonly<DeviceRecord>> {
  const next = new Array<Readonly<DeviceRecord>>(devices.length + (existing ? 0 : 1));
  let k = 0;
  for (const d of devices) if (d !== existing) next[k++] = d;
  next[k] = device;
  return Object.freeze(next);
}

/**
 * Counters whose window ended count as none (`countHit` starts them anew), so each attach lets them
 * go, as Redis expires them: a challenged account's budgets are not kept for as long as the account.
 */
function forgetEndedCounters(account: AccountState, at: number): void {
  const counters = account.counters;
  if (!counters) return;
  for (const [name, counter] of counters) if (counter.resetAt <= at) counters.delete(name);
  if (counters.size === 0) delete account.counters;
}

/** The account's devices with `device` in place of the record of the same id. */
function replaceDevice(account: AccountState, device: Readonly<DeviceRecord>): void {
  account.devices = Object.freeze(account.devices.map((d) => (d.id === device.id ? device : d)));
}

function listKey(list: ListName, kind: ListKind, value: string): string {
  return `${list}\0${kind}\0${value}`;
}

/** Add to a day's counters; a new counter beyond `INSIGHTS_BOUNDS.countersPerDay` is dropped. */
function addCounts(state: DayState, counts: DayCounts): void {
  for (const [field, by] of Object.entries(counts)) {
    const current = state.counts.get(field);
    if (current === undefined && state.counts.size >= INSIGHTS_BOUNDS.countersPerDay) continue;
    state.counts.set(field, (current ?? 0) + by);
  }
}

