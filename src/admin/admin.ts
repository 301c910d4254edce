import ipaddr from 'ipaddr.js';
import { SharelockError, show } from '../errors.js';
import type { ChallengeRecord, DeviceRecord } from '../model.js';
import { MAX_ID_LENGTH } from '../identify.js';
import { householdsOf, readProfile } from '../signals/households.js';
import type { Store, StoredAccount } from '../stores/store.js';
import type { Clock } from '../time.js';
import { accountSortKeys, countDevices, decodeCursor, encodeCursor, lastChallengeOf, shareScore, SORTS } from './summary.js';
import type { DynamicLists } from './lists.js';
import type { AccountDetail, AccountExport, AccountPage, AccountPlace, AccountQuery, AccountSummary, Admin, ChallengeSummary, DynamicListEntry, ErasedAccount, ListEntryInput, ListKind, ListName } from './types.js';

type StoreCall = <T>(what: string, run: (store: Store) => Promise<T>) => Promise<T>;

/** The store methods behind the admin API: a store has all of them or none. */
export const ADMIN_CAPABILITY = ['indexAccount', 'listAccounts', 'readAccount', 'eraseAccount', 'forceChallenge', 'clearForcedChallenge', 'addListEntry', 'removeListEntry', 'listEntries'] as const;
export type AdminStore = Store & Required<Pick<Store, (typeof ADMIN_CAPABILITY)[number]>>;

/** Whether the store has the admin capability (every method of it). */
export function isAdminStore(store: Store): store is AdminStore {
  return ADMIN_CAPABILITY.every((method) => typeof store[method] === 'function');
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const MAX_VALUE_LENGTH = 512;
const MAX_NOTE_LENGTH = 500;
const DAY_MS = 86_400_000;
const LISTS: readonly ListName[] = ['allow', 'deny'];
const KINDS: readonly ListKind[] = ['accounts', 'devices', 'ips', 'countries'];

/** What the admin API needs from the facade: its store calls and its actions, so both paths stay one. */
export interface AdminDeps {
  store: Store;
  call: StoreCall;
  now: Clock;
  lists: DynamicLists;
  /** Drop this process's cached verdicts of the account (other servers hear it from the store). */
  invalidate(accountId: string): void;
  /** Drop every cached verdict of this process (a deny entry may cover any of them). */
  invalidateAll(): void;
  detach(accountId: string, deviceId: string): Promise<boolean>;
  exclude(accountId: string, deviceId: string): Promise<boolean>;
  suspend(accountId: string): Promise<void>;
  unsuspend(accountId: string): Promise<void>;
  /** Forget what this process remembers about the account (index write de-duplication, monitored set). */
  forget(accountId: string): void;
  /** Free these devices' slots in their groups' pools (team plans). */
  releasePools(devices: readonly DeviceRecord[]): Promise<void>;
}

/** `guard.admin`: see `Admin`. */
export class AdminApi implements Admin {
  readonly #deps: AdminDeps;

  constructor(deps: AdminDeps) {
    this.#deps = deps;
  }

  async accounts(query: AccountQuery = {}): Promise<AccountPage> {
    if (query === null || typeof query !== 'object') throw invalid('accounts()', 'query', query, 'pass `{ sort?, limit?, cursor? }` or nothing');
    const sort = query.sort ?? 'score';
    if (!SORTS.includes(sort)) throw invalid('accounts()', 'sort', sort, `use one of ${SORTS.map((s) => `'${s}'`).join(', ')}`);
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalid('accounts()', 'limit', limit, `use a whole number from 1 to ${MAX_LIMIT}`);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, sort);
    const store = this.#store();
    // One more than asked, so the last page says it is the last.
    const page = await this.#deps.call('listAccounts', () => store.listAccounts({ sort, limit: limit + 1, ...(after ? { after } : {}) }));
    const listed = page.accounts.slice(0, limit);
    const last = listed.at(-1);
    return {
      accounts: listed.map((a) => a.summary),
      ...(page.accounts.length > limit && last ? { next: encodeCursor(sort, last.key, last.summary.accountId) } : {}),
      total: page.total,
    };
  }

  async account(accountId: string): Promise<AccountDetail> {
    checkId('account()', 'accountId', accountId);
    const store = this.#store();
    const stored = await this.#deps.call('readAccount', () => store.readAccount(accountId));
    const accesses = [...stored.accesses].reverse();
    return {
      accountId,
      status: stored.status,
      ...(stored.summary ? { summary: stored.summary } : {}),
      devices: [...stored.devices].sort((a, b) => b.lastSeen - a.lastSeen),
      places: placesOf(stored),
      accesses,
      challenges: stored.challenges.map(challengeSummary).sort((a, b) => b.createdAt - a.createdAt),
      signals: stored.summary?.signals ?? [],
      forcedChallenges: stored.forced,
    };
  }

  async detach(accountId: string, deviceId: string): Promise<boolean> {
    checkId('detach()', 'accountId', accountId);
    checkId('detach()', 'deviceId', deviceId);
    const done = await this.#deps.detach(accountId, deviceId);
    if (done) await this.#reindex(accountId);
    return done;
  }

  async exclude(accountId: string, deviceId: string): Promise<boolean> {
    checkId('exclude()', 'accountId', accountId);
    checkId('exclude()', 'deviceId', deviceId);
    const done = await this.#deps.exclude(accountId, deviceId);
    if (done) await this.#reindex(accountId);
    return done;
  }

  async suspend(accountId: string): Promise<void> {
    checkId('suspend()', 'accountId', accountId);
    await this.#deps.suspend(accountId);
  }

  async unsuspend(accountId: string): Promise<void> {
    checkId('unsuspend()', 'accountId', accountId);
    await this.#deps.unsuspend(accountId);
  }

  async forceChallenge(accountId: string, deviceId?: string): Promise<void> {
    checkId('forceChallenge()', 'accountId', accountId);
    if (deviceId !== undefined) checkId('forceChallenge()', 'deviceId', deviceId);
    const store = this.#store();
    await this.#deps.call('forceChallenge', () => store.forceChallenge(accountId, deviceId, this.#deps.now()));
    this.#deps.invalidate(accountId);
  }

  async addListEntry(input: ListEntryInput): Promise<DynamicListEntry> {
    const entry = checkEntry(input, this.#deps.now());
    const store = this.#store();
    await this.#deps.call('addListEntry', () => store.addListEntry(entry));
    this.#deps.lists.added(entry);
    // A deny entry may cover any cached allow.
    this.#deps.invalidateAll();
    return entry;
  }

  async removeListEntry(list: ListName, kind: ListKind, value: string): Promise<boolean> {
    const entry = checkEntry({ list, kind, value }, 0, 'removeListEntry()');
    const store = this.#store();
    const removed = await this.#deps.call('removeListEntry', () => store.removeListEntry(entry.list, entry.kind, entry.value));
    this.#deps.lists.removed(entry.list, entry.kind, entry.value);
    // An allow entry's verdicts were cached too.
    if (removed) this.#deps.invalidateAll();
    return removed;
  }

  async listEntries(list?: ListName): Promise<DynamicListEntry[]> {
    if (list !== undefined && !LISTS.includes(list)) throw invalid('listEntries()', 'list', list, "use 'allow' or 'deny'");
    const store = this.#store();
    const now = this.#deps.now();
    const entries = await this.#deps.call('listEntries', () => store.listEntries());
    return entries.filter((e) => (list === undefined || e.list === list) && (e.expiresAt === undefined || e.expiresAt > now)).sort((a, b) => b.addedAt - a.addedAt);
  }

  async exportAccount(accountId: string): Promise<AccountExport> {
    checkId('exportAccount()', 'accountId', accountId);
    const store = this.#store();
    const [stored, entries] = await Promise.all([this.#deps.call('readAccount', () => store.readAccount(accountId)), this.#deps.call('listEntries', () => store.listEntries())]);
    return {
      accountId,
      exportedAt: this.#deps.now(),
      status: stored.status,
      devices: stored.devices,
      accesses: stored.accesses,
      ...(stored.profile !== undefined ? { profile: stored.profile } : {}),
      challenges: stored.challenges.map(({ codeHash: _secret, ...challenge }) => challenge),
      ...(stored.summary ? { summary: stored.summary } : {}),
      counters: stored.counters,
      forcedChallenges: stored.forced,
      listEntries: entries.filter(naming(accountId, stored.devices)),
    };
  }

  async eraseAccount(accountId: string): Promise<ErasedAccount> {
    checkId('eraseAccount()', 'accountId', accountId);
    const store = this.#store();
    const [stored, entries] = await Promise.all([this.#deps.call('readAccount', () => store.readAccount(accountId)), this.#deps.call('listEntries', () => store.listEntries())]);
    // Its devices stop counting in their teams' pools (those records are the pools', kept as detached).
    await this.#deps.releasePools(stored.devices);
    const erased = await this.#deps.call('eraseAccount', () => store.eraseAccount(accountId));
    const named = entries.filter(naming(accountId, stored.devices));
    await Promise.all(named.map((e) => this.#deps.call('removeListEntry', () => store.removeListEntry(e.list, e.kind, e.value))));
    for (const e of named) this.#deps.lists.removed(e.list, e.kind, e.value);
    this.#deps.invalidate(accountId);
    this.#deps.forget(accountId);
    return { accountId, ...erased, listEntries: named.length };
  }

  /** The store, when it has the admin capability; otherwise a stable error. */
  #store(): AdminStore {
    const store = this.#deps.store;
    if (isAdminStore(store)) return store;
    const missing = ADMIN_CAPABILITY.filter((method) => typeof store[method] !== 'function');
    throw new SharelockError('SHARELOCK_E_ADMIN_UNSUPPORTED', `The store has no admin index (it lacks ${missing.map((m) => `${m}()`).join(', ')}); MemoryStore and RedisStore have it. See docs/admin.md.`);
  }

  /** After a device changed status: its index entry counts the account's devices again (other fields wait for the next judged request). */
  async #reindex(accountId: string): Promise<void> {
    const store = this.#deps.store;
    if (!isAdminStore(store)) return;
    const stored = await this.#deps.call('readAccount', () => store.readAccount(accountId));
    if (!stored.summary) return;
    const summary: AccountSummary = { ...stored.summary, ...countDevices(stored.devices), status: stored.status };
    summary.score = shareScore(summary);
    await this.#deps.call('indexAccount', () => store.indexAccount(accountId, summary, accountSortKeys(summary)));
  }
}

/** The places of the household model, most recently used first, with what the recent accesses say of each. */
function placesOf(stored: StoredAccount): AccountPlace[] {
  const profile = readProfile(stored.profile);
  const households = [...new Set(householdsOf(profile).values())];
  return profile.places
    .map((place) => {
      const accesses = stored.accesses.filter((a) => a.network !== undefined && place.networks.includes(a.network));
      const firstDay = place.days.length > 0 ? Math.min(...place.days) : undefined;
      const found: AccountPlace = {
        ...(place.networks[0] !== undefined ? { network: place.networks[0] } : {}),
        networks: [...place.networks],
        ...(place.country !== undefined ? { country: place.country } : {}),
        ...(place.lat !== undefined && place.lon !== undefined ? { lat: place.lat, lon: place.lon } : {}),
        devices: [...place.devices],
        accesses: accesses.length,
        days: place.days.length,
        household: households.findIndex((h) => h.has(place)),
        ...(firstDay !== undefined ? { firstSeen: firstDay * DAY_MS } : {}),
        lastSeen: place.lastSeen,
      };
      return found;
    })
    .sort((a, b) => b.lastSeen - a.lastSeen);
}

function challengeSummary(challenge: ChallengeRecord): ChallengeSummary {
  const { at: _updatedAt, ...last } = lastChallengeOf(challenge);
  return {
    ...last,
    reasons: challenge.reasons,
    createdAt: challenge.createdAt,
    updatedAt: challenge.updatedAt,
    expiresAt: challenge.expiresAt,
    attempts: challenge.attempts,
  };
}

/** Entries naming the account or one of its devices. */
function naming(accountId: string, devices: readonly DeviceRecord[]): (entry: DynamicListEntry) => boolean {
  const ids = new Set(devices.map((d) => d.id));
  return (entry) => (entry.kind === 'accounts' && entry.value === accountId) || (entry.kind === 'devices' && ids.has(entry.value));
}

function checkEntry(input: ListEntryInput, now: number, method = 'addListEntry()'): DynamicListEntry {
  if (input === null || typeof input !== 'object') throw invalid(method, 'entry', input, 'pass `{ list, kind, value, expiresAt?, note? }`');
  const { list, kind, value, expiresAt, note } = input;
  if (!LISTS.includes(list)) throw invalid(method, 'list', list, "use 'allow' or 'deny'");
  if (!KINDS.includes(kind)) throw invalid(method, 'kind', kind, `use one of ${KINDS.map((k) => `'${k}'`).join(', ')}`);
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_LENGTH) throw invalid(method, 'value', value, `use a string of 1 to ${MAX_VALUE_LENGTH} characters`);
  let normalised = value;
  if (kind === 'countries') {
    if (!/^[A-Za-z]{2}$/.test(value)) throw invalid(method, 'value', value, 'use an ISO 3166-1 alpha-2 country code, e.g. "FR"');
    normalised = value.toUpperCase();
  }
  if (kind === 'ips') {
    const valid = value.includes('/') ? isCidr(value) : ipaddr.isValid(value);
    if (!valid) throw invalid(method, 'value', value, 'use an IP address or a CIDR range, e.g. "203.0.113.0/24"');
  }
  if (expiresAt !== undefined && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) throw invalid(method, 'expiresAt', expiresAt, 'use ms since the epoch, e.g. Date.now() + days(7), or leave it out');
  if (note !== undefined && (typeof note !== 'string' || note.length > MAX_NOTE_LENGTH)) throw invalid(method, 'note', note, `use a string of at most ${MAX_NOTE_LENGTH} characters`);
  return { list, kind, value: normalised, ...(expiresAt !== undefined ? { expiresAt } : {}), ...(note !== undefined ? { note } : {}), addedAt: now };
}

function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

function checkId(method: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) throw invalid(method, name, value, `pass the id as a string of 1 to ${MAX_ID_LENGTH} characters`);
}

function invalid(method: string, name: string, value: unknown, fix: string): SharelockError {
  return new SharelockError('SHARELOCK_E_ADMIN_INVALID', `${method}: \`${name}\` is invalid: got ${show(value)}; ${fix}.`);
}
