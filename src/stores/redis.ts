import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { SharelockError, show } from '../errors.js';
import { invalidStoreOption, wholeNumberOption } from './store-options.js';
import type { AccountStatus, Agent, ChallengeRecord, ChallengeStatus, DeviceRecord, DeviceStatus, DeviceType, Limits, Location } from '../model.js';
import { PENDING_CHALLENGE } from '../model.js';
import { INSIGHTS_BOUNDS, LISTS_CHANGED, MAX_LIST_ENTRIES, type AccountIndexPage, type AccountIndexQuery, type AccountSnapshot, type AccountSortKeys, type AttachInput, type AttachOutcome, type AttachResult, type CounterState, type ErasedRecords, type ForcedChallenge, type RecordedConversion, type Store, type StoredAccount } from './store.js';
import type { AccountSort, AccountSummary, DynamicListEntry, ListKind, ListName } from '../admin/types.js';
import type { Conversion, DayCounts, Exposure } from '../insights/model.js';
import { LuaScript } from './lua-script.js';
import { HistoryMirror, type HistoryReply } from './redis-history.js';

// Served from `sharelock/redis`, where the apps that need it already look.
export { FallbackStore, type FallbackStoreOptions } from './fallback.js';

export interface RedisStoreOptions {
  /**
   * An ioredis client: `new Redis(...)` for a single server or Sentinel, or `new Cluster(...)`.
   * Required. It stays yours: `close()` leaves it open unless `quitClientOnClose` is set.
   * Calls wait for as long as the client lets them; the core bounds each one with `storeTimeoutMs`,
   * and `maxRetriesPerRequest: 1` makes calls fail fast while Redis is down.
   */
  client: Redis | Cluster;
  /**
   * Prefix of every key and of the invalidation channel (`<prefix>invalidate`). Default
   * `'sharelock:'`. Must not contain `{` or `}`: the account id is the Cluster hash tag.
   */
  prefix?: string;
  /**
   * Devices kept per account. Beyond it the least recently seen devices that no longer count and
   * have no logout pending (`detached` or `kicked`) are forgotten. Default 50.
   */
  maxDevicesPerAccount?: number;
  /**
   * How long an account's records are kept after its last write, at least, in ms. The inactive
   * window of `attach` (`access.at - inactiveBefore`) wins when longer. Default 30 days.
   */
  retentionMs?: number;
  /** How long a challenge is kept past its `expiresAt`, in ms, so a late click still finds it. Default 1 day. */
  challengeGraceMs?: number;
  /** `close()` also quits `client`. Default `false` (the client is yours); `fromUrl` sets it. */
  quitClientOnClose?: boolean;
  /**
   * Accounts kept in the admin index (`guard.admin.accounts()`); beyond it the least recently
   * judged are dropped from the index (not from the store). Default 100 000. Entries not judged
   * for `retentionMs` are dropped too, a few at each index write. About 0.5–1 KB per entry.
   */
  maxIndexedAccounts?: number;
  /**
   * Accesses this process keeps parsed from the histories of the accounts it judged lately, so a
   * cache miss reads only what was added since instead of the whole history (`historySize`, 100
   * by default): about 250 B each, least recently judged accounts first out. Default 50 000 (500
   * accounts' full histories); 0 reads the whole history on every miss.
   */
  mirroredAccesses?: number;
}

const DAY_MS = 86_400_000;
/** Upper bound for any TTL (10 years), so an infinite window still yields a valid `PEXPIRE`. */
const MAX_TTL_MS = 3650 * DAY_MS;

/**
 * A store shared by many processes, over ioredis: a single server, Sentinel or Cluster. Each
 * primitive is one Lua script (EVALSHA, reloaded on NOSCRIPT), so two devices racing for the last
 * slot can never both get it, and `attach` costs one round trip.
 *
 * Key layout (`P` is `prefix`, `A` the account id and `C` a challenge id, with `%`, `{` and `}`
 * percent-escaped; an empty id is written `%`):
 *
 * | key             | type   | holds                                                                     |
 * | --------------- | ------ | ------------------------------------------------------------------------- |
 * | `P{A}:d`        | hash   | device id → device JSON (status, logout pending, type, times, agent, ...) |
 * | `P{A}:h`        | list   | access JSON, oldest first, trimmed to `historySize`                       |
 * | `P{A}:s`        | string | `suspended`; absent while the account is active                           |
 * | `P{A}:p`        | string | the core's profile JSON (`saveProfile`), returned with each snapshot      |
 * | `P{A}:c`        | hash   | device id → `<expiresAt> <challenge id>` of the device's newest challenge |
 * | `P{A}:n:<name>` | string | `<count> <resetAt>`: the account's windowed counter `name` (`countHit`)   |
 * | `P{A}:ns`       | set    | the names of the account's counters, so an erasure finds them without a scan |
 * | `P{A}:f`        | hash   | device id (`''`: any device) → time of a forced challenge (admin)          |
 * | `Pix:{accounts}:e` | hash | account id → index entry (the admin summary, field → JSON)              |
 * | `Pix:{accounts}:<k>` | zset | account id by sort key `k`: `s` score, `p` people, `d` devices, `l` last seen |
 * | `Pls:{lists}`   | hash   | `[list, kind, value]` JSON → dynamic allow/deny entry JSON (admin)       |
 * | `Pch:{C}`       | hash   | challenge field → JSON value                                              |
 * | `Pdv:{D}`       | list   | exposure JSON of device `D`, newest first, at most 8 (attribution)        |
 * | `Pin:{insights}:d:<day>` | hash | the day's counters: challenge funnel, conversions, revenue     |
 * | `Pin:{insights}:l:<day>` | list | conversion JSON recorded that day, oldest first, at most 1 000  |
 * | `Pin:{insights}:cv:<D>:<A>` | string | conversion JSON of device `D` to new account `A` (URI-encoded) |
 * | `Pinvalidate`   | channel | account ids whose cached verdicts every instance should drop             |
 *
 * All keys of one account share the `{A}` hash tag, so every account script touches one Cluster
 * slot. A challenge is looked up by id alone, so it lives in its own slot `{C}`; `createChallenge`
 * is therefore three steps: write the challenge, swap the device's pointer on the account slot
 * (returning the previous id and any evicted ones), then mark those `overridden` if still pending.
 *
 * Self-cleaning, with no keyspace notifications and no unbounded index: account keys expire
 * `max(access.at - inactiveBefore, retentionMs)` after the last attach (status changes extend
 * them to `retentionMs` at least); a challenge expires `challengeGraceMs` after `expiresAt`; the
 * pointer hash drops entries of expired challenges and holds at most `maxDevicesPerAccount`; a
 * challenge whose pointer is evicted is overridden, so no device ever has two usable challenges.
 * A suspension stored here is renewed by each refused attach and lapses `retentionMs` after the
 * last one: the app's own `suspended` flag from `identify()` is the durable source.
 * A counter expires when its window ends (`resetAt`, on the caller's clock; one script reads,
 * resets and adds). The core's challenge budgets are counters named `<kind>` for the account and
 * `<kind>:<device id>` for one of its devices, with `day:` before either for the back-off (kinds
 * `wrongCodes`, `codesSent`, `challengesOpened`), all under the account's hash tag.
 *
 * Conversions and insights: a device's exposures (it saw a challenge, was logged out by the owner,
 * or was a challenged account's device) live in its own slot `{D}` for the attribution window
 * (`ttlMs` from the core, 30 days by default, renewed by each new one). Every `Pin:` key shares
 * the one slot `{insights}`, so recording a conversion (once per device and new account), counting
 * it in its day and listing it is one script, and reading 400 days is one round trip. Days are
 * UTC `YYYY-MM-DD`; a day's keys and its conversions expire 400 days after the day ends. They are
 * small (a day's hash: ~30 counters; a conversion ~300 B) and written at the pace of challenges and
 * signups, not requests, so one slot holds them all.
 *
 * Values Lua rewrites keep every number the app gave as a string and every nested object as
 * opaque JSON: Redis' cjson would round numbers to 14 digits and turn `[]` into `{}`.
 *
 * The admin index lives in one slot (`{accounts}`): one hash of summaries and one sorted set per
 * sort, written by one script on each verdict-cache miss (one extra round trip, not awaited by the
 * request) and bounded by `maxIndexedAccounts` (the least recently judged go first) and by
 * `retentionMs` (stale entries are dropped, at most 16 per write). A page is one script:
 * `ZREVRANGEBYSCORE` from the cursor's position, then `HMGET` of the summaries; `total` is `ZCARD`.
 *
 * `setDeviceStatus`, `setAccountStatus`, `eraseAccount` and `forceChallenge` publish the account
 * id on `Pinvalidate`, and dynamic list changes publish `LISTS_CHANGED`;
 * `onInvalidate` subscribes on a duplicate connection opened on first use.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { RedisStore } from 'sharelock/redis';
 * const store = new RedisStore({ client: new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 }) });
 */
export class RedisStore implements Store {
  readonly #client: Redis | Cluster;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #maxDevices: number;
  readonly #retentionMs: number;
  readonly #graceMs: number;
  readonly #quitClient: boolean;
  readonly #maxIndexed: number;
  readonly #listeners = new Set<(accountId: string) => void>();
  readonly #histories: HistoryMirror;
  #subscriber: Redis | Cluster | undefined;

  constructor(options: RedisStoreOptions) {
    const client = (options as Partial<RedisStoreOptions> | undefined)?.client;
    if (typeof client?.evalsha !== 'function' || typeof client.duplicate !== 'function') {
      throw invalidStoreOption('RedisStore', 'client', client, 'pass an ioredis client: new RedisStore({ client: new Redis(url) }) or RedisStore.fromUrl(url)');
    }
    const prefix = options.prefix ?? 'sharelock:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      throw invalidStoreOption('RedisStore', 'prefix', prefix, 'use a string without `{` or `}` (the account id is the hash tag), e.g. "sharelock:"');
    }
    this.#client = client;
    this.#prefix = prefix;
    this.#channel = `${prefix}invalidate`;
    this.#maxDevices = wholeNumberOption('RedisStore', 'maxDevicesPerAccount', options.maxDevicesPerAccount ?? 50, 1);
    this.#retentionMs = wholeNumberOption('RedisStore', 'retentionMs', options.retentionMs ?? 30 * DAY_MS, 1, 'ms');
    this.#graceMs = wholeNumberOption('RedisStore', 'challengeGraceMs', options.challengeGraceMs ?? DAY_MS, 0, 'ms');
    this.#quitClient = options.quitClientOnClose ?? false;
    this.#maxIndexed = wholeNumberOption('RedisStore', 'maxIndexedAccounts', options.maxIndexedAccounts ?? 100_000, 1);
    this.#histories = new HistoryMirror(wholeNumberOption('RedisStore', 'mirroredAccesses', options.mirroredAccesses ?? 50_000, 0));
  }

  /**
   * A store over its own connection to `url` (`redis://`, `rediss://`), quit by `close()`.
   * Calls fail after one reconnection attempt while Redis is down (`maxRetriesPerRequest: 1`);
   * `redisOptions` are passed to `new Redis(url, redisOptions)` and win over that default.
   * Connection errors are not printed: they reach you as failed calls (counted in the core's
   * `stats().storeFailures` and logged once per outage).
   * @example const store = RedisStore.fromUrl(process.env.REDIS_URL!, { prefix: 'myapp:sharelock:' });
   */
  static fromUrl(url: string, options: Omit<RedisStoreOptions, 'client' | 'quitClientOnClose'> & { redisOptions?: RedisOptions } = {}): RedisStore {
    const { redisOptions, ...rest } = options;
    const client = new Redis(url, { maxRetriesPerRequest: 1, ...redisOptions });
    // Connection errors surface as failed calls, which the core counts and logs once per outage;
    // without a listener ioredis would print every reconnection attempt.
    client.on('error', () => {});
    return new RedisStore({ ...rest, client, quitClientOnClose: true });
  }

  async attach(input: AttachInput): Promise<AttachResult> {
    const keys = this.#accountKeys(input.accountId);
    const window = input.access.at - input.inactiveBefore;
    const ttlMs = clampTtl(Math.max(Number.isNaN(window) ? 0 : window, this.#retentionMs));
    const typeLimit = input.limits[input.type];
    const held = this.#histories.held(input.accountId);
    const reply = (await ATTACH.run(
      this.#client,
      [keys.devices, keys.history, keys.status, keys.profile, keys.forced],
      [
        input.deviceId,
        input.type,
        JSON.stringify(input.agent),
        input.access.ip === undefined ? '-' : `+${input.access.ip}`,
        input.access.location === undefined ? '-' : `+${JSON.stringify(input.access.location)}`,
        input.metadata === undefined ? '' : encodeMetadata(input.metadata),
        limitArg(input.limits.devices),
        limitArg(typeLimit),
        cutoffArg(input.inactiveBefore),
        String(input.access.at),
        String(Math.max(0, Math.floor(input.historySize))),
        JSON.stringify(input.access),
        String(ttlMs),
        String(this.#maxDevices),
        input.access.network === undefined ? '-' : `+${input.access.network}`,
        input.force ? '1' : '0',
        input.verified ? '1' : '0',
        groupsArg(input.groups),
        held?.newest ?? '',
      ],
    )) as [string, string | string[], string, string[], HistoryReply, string | null, string[], string[]];
    const [kind, detail, status, devices, history, profile, inactive, forced] = reply;
    const snapshot: AccountSnapshot = {
      status: status === 'suspended' ? 'suspended' : 'active',
      devices: decodeDevices(input.accountId, devices),
      accesses: this.#histories.merge(input.accountId, held, history),
    };
    if (profile !== null) snapshot.profile = JSON.parse(profile) as unknown;
    if (forced.length > 0) snapshot.forced = decodeForced(forced);
    const result: AttachResult = { outcome: decodeOutcome(kind, detail), snapshot };
    if (inactive.length > 0) result.inactive = snapshot.devices.filter((d) => inactive.includes(d.id));
    return result;
  }

  async listDevices(accountId: string): Promise<DeviceRecord[]> {
    const fields = await this.#client.hgetall(this.#accountKeys(accountId).devices);
    return decodeDevices(accountId, Object.entries(fields).flat());
  }

  async setDeviceStatus(accountId: string, deviceId: string, status: DeviceStatus, at: number, options: { logout?: boolean } = {}): Promise<DeviceRecord | undefined> {
    const keys = this.#accountKeys(accountId);
    const raw = (await SET_DEVICE_STATUS.run(
      this.#client,
      [keys.devices, keys.history, keys.status, keys.profile],
      [deviceId, status, String(at), String(this.#retentionMs), this.#channel, accountId, options.logout === false ? '0' : '1'],
    )) as string | null;
    return raw === null ? undefined : decodeDevice(accountId, deviceId, raw);
  }

  /** Kept as long as the account's devices; ignored for an account the store does not know. */
  async saveProfile(accountId: string, profile: unknown): Promise<void> {
    const keys = this.#accountKeys(accountId);
    await SAVE_PROFILE.run(this.#client, [keys.profile, keys.devices, keys.status], [JSON.stringify(profile) ?? '', String(this.#retentionMs)]);
  }

  async getAccountStatus(accountId: string): Promise<AccountStatus> {
    return (await this.#client.get(this.#accountKeys(accountId).status)) === 'suspended' ? 'suspended' : 'active';
  }

  async setAccountStatus(accountId: string, status: AccountStatus): Promise<void> {
    const keys = this.#accountKeys(accountId);
    await SET_ACCOUNT_STATUS.run(this.#client, [keys.status, keys.devices], [status, String(this.#retentionMs), this.#channel, accountId]);
  }

  async createChallenge(challenge: ChallengeRecord): Promise<void> {
    const ttlMs = clampTtl(Math.max(challenge.expiresAt - challenge.createdAt, 0) + this.#graceMs);
    const fields = Object.entries(challenge).flatMap(([field, value]) => (value === undefined ? [] : [field, JSON.stringify(value)]));
    // Write the challenge before pointing at it, so the pointer never names a missing challenge.
    await CREATE_CHALLENGE.run(this.#client, [this.#challengeKey(challenge.id)], [String(ttlMs), ...fields]);
    const [previous, ...evicted] = (await POINT_CHALLENGE.run(
      this.#client,
      [this.#accountKeys(challenge.accountId).challenges],
      [challenge.deviceId, challenge.id, String(challenge.expiresAt), String(challenge.createdAt), String(this.#graceMs), String(this.#maxDevices), String(ttlMs)],
    )) as string[];
    // The device's older challenge, and those no pointer finds any more (a device whose pointer
    // was evicted would otherwise open a second challenge while its first stays usable).
    const closing = [previous, ...evicted].filter((id): id is string => Boolean(id) && id !== challenge.id);
    await Promise.all(closing.map((id) => OVERRIDE_CHALLENGE.run(this.#client, [this.#challengeKey(id)], [JSON.stringify(challenge.createdAt), ...PENDING_JSON])));
  }

  async getChallenge(id: string): Promise<ChallengeRecord | undefined> {
    return decodeChallenge(Object.entries(await this.#client.hgetall(this.#challengeKey(id))).flat());
  }

  async findPendingChallenge(accountId: string, deviceId: string): Promise<ChallengeRecord | undefined> {
    const pointers = this.#accountKeys(accountId).challenges;
    let pointer = await this.#client.hget(pointers, deviceId);
    // Two reads on two slots: if a newer challenge replaced the one we read meanwhile, read again.
    for (let attempt = 0; pointer !== null && attempt < 3; attempt++) {
      const challenge = await this.getChallenge(pointer.slice(pointer.indexOf(' ') + 1));
      if (challenge && PENDING_CHALLENGE.has(challenge.status)) return challenge;
      const again = await this.#client.hget(pointers, deviceId);
      if (again === pointer) return undefined;
      pointer = again;
    }
    return undefined;
  }

  async updateChallenge(id: string, from: readonly ChallengeStatus[], patch: Partial<ChallengeRecord>): Promise<ChallengeRecord | undefined> {
    const set: string[] = [];
    const del: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      // A challenge keeps its id and stays bound to its account and device: the device's pointer
      // on the account slot names it, and would otherwise point at another account's challenge.
      if (field === 'id' || field === 'accountId' || field === 'deviceId') continue;
      if (value === undefined) del.push(field);
      else set.push(field, JSON.stringify(value));
    }
    const op = { from: from.map((s) => JSON.stringify(s)), set, del, expires: 'expiresAt' in patch && patch.expiresAt !== undefined };
    const reply = (await UPDATE_CHALLENGE.run(this.#client, [this.#challengeKey(id)], [String(this.#graceMs), JSON.stringify(op)])) as string[] | null;
    return reply === null ? undefined : decodeChallenge(reply);
  }

  async recordFailedAttempt(id: string, maxAttempts: number): Promise<ChallengeRecord | undefined> {
    const reply = (await RECORD_FAILED_ATTEMPT.run(this.#client, [this.#challengeKey(id)], [String(maxAttempts), JSON.stringify('code_sent'), JSON.stringify('failed')])) as
      | string[]
      | null;
    return reply === null ? undefined : decodeChallenge(reply);
  }

  async countHit(accountId: string, name: string, windowMs: number, at: number, by = 1): Promise<CounterState> {
    const keys = this.#accountKeys(accountId);
    const [count, resetAt] = (await COUNT_HIT.run(this.#client, [`${keys.base}n:${name}`, keys.counters], [String(at), String(clampTtl(windowMs)), String(by), name])) as [string, string];
    return { count: Number(count), resetAt: Number(resetAt) };
  }

  async recordExposure(deviceId: string, exposure: Exposure, ttlMs: number): Promise<void> {
    await RECORD_EXPOSURE.run(this.#client, [this.#deviceKey(deviceId)], [JSON.stringify(exposure), String(INSIGHTS_BOUNDS.exposuresPerDevice), String(clampTtl(ttlMs))]);
  }

  async findExposures(deviceId: string): Promise<Exposure[]> {
    return (await this.#client.lrange(this.#deviceKey(deviceId), 0, -1)).map((json) => JSON.parse(json) as Exposure);
  }

  async recordConversion(conversion: Conversion, day: string, counts: DayCounts, ttlMs: number): Promise<RecordedConversion> {
    const base = this.#insightsBase;
    const key = `${base}cv:${encodeURIComponent(conversion.deviceId)}:${encodeURIComponent(conversion.accountId)}`;
    const [recorded, json] = (await RECORD_CONVERSION.run(
      this.#client,
      [key, `${base}d:${day}`, `${base}l:${day}`],
      [JSON.stringify(conversion), String(clampTtl(ttlMs)), String(INSIGHTS_BOUNDS.conversionsPerDay), String(INSIGHTS_BOUNDS.countersPerDay), ...countArgs(counts)],
    )) as [number, string];
    return { recorded: recorded === 1, conversion: JSON.parse(json) as Conversion };
  }

  async countDay(day: string, counts: DayCounts, ttlMs: number): Promise<void> {
    await COUNT_DAY.run(this.#client, [`${this.#insightsBase}d:${day}`], [String(clampTtl(ttlMs)), String(INSIGHTS_BOUNDS.countersPerDay), ...countArgs(counts)]);
  }

  async readDays(days: readonly string[]): Promise<DayCounts[]> {
    if (days.length === 0) return [];
    const replies = (await READ_DAYS.run(this.#client, days.map((day) => `${this.#insightsBase}d:${day}`), [])) as string[][];
    return replies.map((flat) => {
      const counts: DayCounts = {};
      for (let i = 0; i + 1 < flat.length; i += 2) counts[flat[i]!] = Number(flat[i + 1]);
      return counts;
    });
  }

  async listConversions(days: readonly string[], limit: number): Promise<Conversion[]> {
    if (days.length === 0 || limit < 1) return [];
    const replies = (await LIST_CONVERSIONS.run(this.#client, days.map((day) => `${this.#insightsBase}l:${day}`), [String(Math.floor(limit))])) as string[];
    return replies.map((json) => JSON.parse(json) as Conversion);
  }

  async indexAccount(accountId: string, fields: Partial<AccountSummary>, keys?: AccountSortKeys): Promise<void> {
    const encoded: Record<string, string> = {};
    for (const [field, value] of Object.entries(fields)) if (value !== undefined && field !== 'accountId') encoded[field] = JSON.stringify(value);
    const now = fields.lastSeen ?? 0;
    await INDEX_ACCOUNT.run(this.#client, this.#indexKeys, [
      accountId,
      JSON.stringify(encoded),
      keys ? '1' : '0',
      ...SORT_KEYS.map(([sort]) => String(keys?.[sort] ?? 0)),
      String(this.#maxIndexed),
      String(Math.max(0, now - this.#retentionMs)),
    ]);
  }

  async listAccounts(query: AccountIndexQuery): Promise<AccountIndexPage> {
    const [entries, zset] = [this.#indexKeys[0]!, this.#indexKeys[1 + SORT_KEYS.findIndex(([sort]) => sort === query.sort)]!];
    const after = query.after;
    const [total, ids, keys, summaries] = (await LIST_ACCOUNTS.run(
      this.#client,
      [zset, entries],
      [String(query.limit), after ? '1' : '0', after ? String(after.key) : '', after ? after.accountId : ''],
    )) as [number, string[], string[], Array<string | null>];
    const accounts: AccountIndexPage['accounts'] = [];
    ids.forEach((id, i) => {
      const raw = summaries[i];
      if (raw) accounts.push({ summary: decodeSummary(id, raw), key: Number(keys[i]) });
    });
    return { accounts, total };
  }

  async readAccount(accountId: string): Promise<StoredAccount> {
    const keys = this.#accountKeys(accountId);
    const [devices, accesses, status, profile, pointers, forced, counters] = (await READ_ACCOUNT.run(
      this.#client,
      [keys.devices, keys.history, keys.status, keys.profile, keys.challenges, keys.forced, keys.counters],
      [keys.base],
    )) as [string[], string[], string | null, string | null, string[], string[], string[]];
    const ids = pointers.filter((_, i) => i % 2 === 1).map((pointer) => pointer.slice(pointer.indexOf(' ') + 1));
    const [challenges, summary] = await Promise.all([
      Promise.all(ids.map((id) => this.getChallenge(id))),
      this.#client.hget(this.#indexKeys[0]!, accountId),
    ]);
    const account: StoredAccount = {
      status: status === 'suspended' ? 'suspended' : 'active',
      devices: decodeDevices(accountId, devices),
      accesses: accesses.map((a) => JSON.parse(a) as StoredAccount['accesses'][number]),
      challenges: challenges.filter((c): c is ChallengeRecord => c !== undefined),
      counters: {},
      forced: decodeForced(forced),
    };
    if (profile !== null) account.profile = JSON.parse(profile) as unknown;
    for (let i = 0; i + 1 < counters.length; i += 2) {
      const [count, resetAt] = counters[i + 1]!.split(' ');
      account.counters[counters[i]!] = { count: Number(count), resetAt: Number(resetAt) };
    }
    if (summary !== null) account.summary = decodeSummary(accountId, summary);
    return account;
  }

  async eraseAccount(accountId: string): Promise<ErasedRecords> {
    const keys = this.#accountKeys(accountId);
    this.#histories.forget(accountId);
    const [devices, accesses, pointers, counters, profile] = (await ERASE_ACCOUNT.run(
      this.#client,
      [keys.devices, keys.history, keys.status, keys.profile, keys.challenges, keys.forced, keys.counters],
      [keys.base, this.#channel, accountId],
    )) as [string[], number, string[], number, number];
    const challengeIds = pointers.map((pointer) => pointer.slice(pointer.indexOf(' ') + 1));
    // Challenges and exposures live in their own slots: one command each.
    const [removed, indexed] = await Promise.all([
      Promise.all(challengeIds.map((id) => this.#client.del(this.#challengeKey(id)))),
      REMOVE_INDEXED.run(this.#client, this.#indexKeys, [accountId]) as Promise<number>,
      Promise.all(devices.map((id) => this.#client.del(this.#deviceKey(id)))),
    ]);
    return { devices: devices.length, accesses, challenges: removed.reduce((a, b) => a + b, 0), counters, profile: profile === 1, indexed: indexed === 1 };
  }

  async forceChallenge(accountId: string, deviceId: string | undefined, at: number): Promise<void> {
    const keys = this.#accountKeys(accountId);
    await FORCE_CHALLENGE.run(this.#client, [keys.forced, keys.devices], [deviceId ?? '', String(at), String(this.#retentionMs), this.#channel, accountId]);
  }

  async clearForcedChallenge(accountId: string, deviceId: string | undefined): Promise<void> {
    await this.#client.hdel(this.#accountKeys(accountId).forced, deviceId ?? '');
  }

  async addListEntry(entry: DynamicListEntry): Promise<void> {
    const added = (await ADD_LIST_ENTRY.run(this.#client, [this.#listsKey], [listField(entry.list, entry.kind, entry.value), JSON.stringify(entry), String(MAX_LIST_ENTRIES), this.#channel, LISTS_CHANGED])) as number;
    if (added === 0) throw new SharelockError('SHARELOCK_E_ADMIN_INVALID', `The store keeps at most ${MAX_LIST_ENTRIES} dynamic list entries; remove some first.`);
  }

  async removeListEntry(list: ListName, kind: ListKind, value: string): Promise<boolean> {
    return ((await REMOVE_LIST_ENTRY.run(this.#client, [this.#listsKey], [listField(list, kind, value), this.#channel, LISTS_CHANGED])) as number) === 1;
  }

  async listEntries(): Promise<DynamicListEntry[]> {
    return Object.values(await this.#client.hgetall(this.#listsKey)).map((json) => JSON.parse(json) as DynamicListEntry);
  }

  /**
   * Call `listener(accountId)` whenever any instance on this Redis (this one included) changes a
   * device or account status, erases the account or forces a challenge on it (and
   * `listener(LISTS_CHANGED)` when dynamic list entries change). The first call opens a duplicate subscriber connection, which
   * ioredis reconnects and resubscribes by itself; messages sent while it is down are lost.
   */
  onInvalidate(listener: (accountId: string) => void): () => void {
    this.#listeners.add(listener);
    this.#subscribe();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#unsubscribe();
    };
  }

  /** Close the subscriber connection, and the client too when this store owns it (`quitClientOnClose`). */
  async close(): Promise<void> {
    this.#listeners.clear();
    this.#unsubscribe();
    if (this.#quitClient) {
      const client = this.#client;
      // QUIT waits for pending replies; while Redis is unreachable it would wait for a reconnect.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    }
  }

  #subscribe(): void {
    if (this.#subscriber) return;
    const subscriber = this.#client.duplicate();
    // Errors (a Redis restart) are retried by ioredis; without a handler it would print each one.
    subscriber.on('error', () => {});
    subscriber.on('message', (channel: string, accountId: string) => {
      if (channel !== this.#channel) return;
      // An erased account's accesses must not linger parsed in any process.
      this.#histories.forget(accountId);
      for (const listener of [...this.#listeners]) {
        try {
          listener(accountId);
        } catch {
          // A listener's fault must not break the subscriber connection for the others.
        }
      }
    });
    // Subscribe on every (re)connection: a SUBSCRIBE queued while Redis was down can be dropped
    // (maxRetriesPerRequest), and ioredis only resubscribes channels that were subscribed once.
    subscriber.on('ready', () => {
      subscriber.subscribe(this.#channel).catch(() => {});
    });
    if (subscriber.status === 'wait') subscriber.connect().catch(() => {}); // a lazyConnect client
    this.#subscriber = subscriber;
  }

  #unsubscribe(): void {
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }

  #accountKeys(accountId: string): { base: string; devices: string; history: string; status: string; profile: string; challenges: string; forced: string; counters: string } {
    const base = `${this.#prefix}{${hashTag(accountId)}}:`;
    return { base, devices: `${base}d`, history: `${base}h`, status: `${base}s`, profile: `${base}p`, challenges: `${base}c`, forced: `${base}f`, counters: `${base}ns` };
  }

  /** The admin index: the summaries' hash, then one sorted set per sort (in `SORT_KEYS` order). */
  get #indexKeys(): string[] {
    const base = `${this.#prefix}ix:{accounts}:`;
    return [`${base}e`, ...SORT_KEYS.map(([, k]) => `${base}${k}`)];
  }

  get #listsKey(): string {
    return `${this.#prefix}ls:{lists}`;
  }

  #challengeKey(id: string): string {
    return `${this.#prefix}ch:{${hashTag(id)}}`;
  }

  #deviceKey(deviceId: string): string {
    return `${this.#prefix}dv:{${hashTag(deviceId)}}`;
  }

  /** Every insights key starts so: one Cluster slot for all of them. */
  get #insightsBase(): string {
    return `${this.#prefix}in:{insights}:`;
  }
}


/**
 * Device JSON as stored: `s` status, `p` logout pending, `t` type, `f`/`l`/`v` first seen, last
 * seen and verified at (the app's numbers, as strings), `a` agent JSON, `ip`, `net` network, `loc`
 * location JSON, `m` metadata key → JSON, `g` groups JSON.
 */
interface StoredDevice {
  s: DeviceStatus;
  p: boolean;
  t: DeviceType;
  f: string;
  l: string;
  v?: string;
  a: string;
  ip?: string;
  net?: string;
  loc?: string;
  m?: Record<string, string>;
  g?: string;
}

/** Extends every existing key in `keys` to live `ttl` ms at least. */
const KEEP_ALIVE = `
local function keep_alive(keys, ttl)
  for _, key in ipairs(keys) do
    local current = redis.call('PTTL', key)
    if current ~= -2 and current < ttl then redis.call('PEXPIRE', key, ttl) end
  end
end
`;

/**
 * Mirrors `MemoryStore.attach` and `exceededLimits` (the contract suite holds both to it):
 * suspended → nothing recorded; lazy auto-detach of other idle devices; a pending logout is
 * consumed; a device not attached is checked against the limits; then record and trim.
 */
const ATTACH = new LuaScript(`
local devices_key, history_key, status_key, profile_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, dtype, agent, ip, loc, meta = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local limit_all, limit_type, cutoff, at = ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local history_size, access, ttl, max_devices = tonumber(ARGV[11]), ARGV[12], ARGV[13], tonumber(ARGV[14])
local network, force, verified, groups, known = ARGV[15], ARGV[16] == '1', ARGV[17] == '1', ARGV[18], ARGV[19]

local function expire()
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end
end
-- Devices detached below as unused, reported with every outcome.
local inactive = {}
-- The history's length and the entries after \`known\` (the newest the caller holds), or -1 and all
-- of them when \`known\` is not there: 100 entries through Lua cost several times the whole script.
local function history()
  if known ~= '' then
    local at = redis.call('LPOS', history_key, known, 'RANK', -1)
    if at then return { redis.call('LLEN', history_key), redis.call('LRANGE', history_key, at + 1, -1) } end
  end
  return { -1, redis.call('LRANGE', history_key, 0, -1) }
end
local function snapshot(kind, detail)
  return { kind, detail, redis.call('GET', status_key) or '', redis.call('HGETALL', devices_key), history(), redis.call('GET', profile_key) or false, inactive, redis.call('HGETALL', KEYS[5]) }
end
-- '+value' sets, '-' means the access did not say: the field is unknown now, not unchanged.
local function given(arg)
  if string.sub(arg, 1, 1) == '+' then return string.sub(arg, 2) end
  return nil
end

if redis.call('GET', status_key) == 'suspended' then
  expire()
  return snapshot('suspended', '')
end

local raw = redis.call('HGETALL', devices_key)
local devices, ids = {}, {}
for i = 1, #raw, 2 do
  ids[#ids + 1] = raw[i]
  devices[raw[i]] = cjson.decode(raw[i + 1])
end

if cutoff ~= '' then
  local before = tonumber(cutoff)
  for _, other in ipairs(ids) do
    local device = devices[other]
    if device.s == 'attached' and other ~= id and tonumber(device.l) < before then
      device.s = 'detached'
      inactive[#inactive + 1] = other
      redis.call('HSET', devices_key, other, cjson.encode(device))
    end
  end
end

local existing = devices[id]
if existing and existing.p then
  existing.p = false
  redis.call('HSET', devices_key, id, cjson.encode(existing))
  expire()
  return snapshot('logout', existing.s)
end

local newly = false
if not existing or (existing.s ~= 'attached' and existing.s ~= 'excluded') then
  local total, same = 0, 0
  for _, other in ipairs(ids) do
    local device = devices[other]
    if device.s == 'attached' then
      total = total + 1
      if device.t == dtype then same = same + 1 end
    end
  end
  local exceeded = {}
  if limit_all ~= '' and total + 1 > tonumber(limit_all) then
    exceeded[#exceeded + 1] = 'devices'
    exceeded[#exceeded + 1] = tostring(total + 1)
    exceeded[#exceeded + 1] = limit_all
  end
  if limit_type ~= '' and same + 1 > tonumber(limit_type) then
    exceeded[#exceeded + 1] = dtype
    exceeded[#exceeded + 1] = tostring(same + 1)
    exceeded[#exceeded + 1] = limit_type
  end
  if #exceeded > 0 and not force then
    expire()
    return snapshot('over_limit', exceeded)
  end
  newly = true
end

local device = existing or { s = 'attached', p = false, f = at, l = at }
if newly then device.s = 'attached' end
device.t = dtype
device.a = agent
if tonumber(at) > tonumber(device.l) then device.l = at end
device.ip = given(ip)
device.net = given(network)
device.loc = given(loc)
if verified then device.v = at end
-- '' leaves the groups as they are; '-' clears them.
if groups ~= '' then device.g = given(groups) end
if meta ~= '' then
  local merged = device.m or {}
  for k, v in pairs(cjson.decode(meta)) do merged[k] = v end
  device.m = merged
end
devices[id] = device
redis.call('HSET', devices_key, id, cjson.encode(device))

-- Forget the least recently seen devices that no longer count, beyond the cap.
local count = redis.call('HLEN', devices_key)
if count > max_devices then
  local candidates = {}
  for _, other in ipairs(ids) do
    local d = devices[other]
    if other ~= id and (d.s == 'detached' or d.s == 'kicked') and not d.p then candidates[#candidates + 1] = other end
  end
  table.sort(candidates, function(x, y)
    local lx, ly = tonumber(devices[x].l), tonumber(devices[y].l)
    if lx ~= ly then return lx < ly end
    return x < y
  end)
  for _, other in ipairs(candidates) do
    if count <= max_devices then break end
    redis.call('HDEL', devices_key, other)
    count = count - 1
  end
end

if history_size > 0 then
  redis.call('RPUSH', history_key, access)
  redis.call('LTRIM', history_key, -history_size, -1)
else
  redis.call('DEL', history_key)
end
expire()
if device.s == 'excluded' then return snapshot('excluded', '') end
return snapshot('attached', newly and '1' or '0')
`);

const SET_DEVICE_STATUS = new LuaScript(`${KEEP_ALIVE}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local device = cjson.decode(raw)
local status, at = ARGV[2], ARGV[3]
device.s = status
device.p = (status == 'kicked' or status == 'detached') and ARGV[7] ~= '0'
if status == 'attached' and tonumber(at) > tonumber(device.l) then device.l = at end
local encoded = cjson.encode(device)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
keep_alive(KEYS, tonumber(ARGV[4]))
redis.call('PUBLISH', ARGV[5], ARGV[6])
return encoded
`);

/** Saves the profile (ARGV[1], '' deletes it) only for an account that exists, for as long as it. */
const SAVE_PROFILE = new LuaScript(`
if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if ARGV[1] == '' then
  redis.call('DEL', KEYS[1])
else
  local ttl = math.max(tonumber(ARGV[2]), redis.call('PTTL', KEYS[2]))
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
end
return 1
`);

const SET_ACCOUNT_STATUS = new LuaScript(`
if ARGV[1] == 'active' then
  redis.call('DEL', KEYS[1])
else
  local ttl = math.max(tonumber(ARGV[2]), redis.call('PTTL', KEYS[2]))
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`);

const CREATE_CHALLENGE = new LuaScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`);

/**
 * Point the device at its new challenge. Returns the previous challenge id ('' for none) followed
 * by the ids of other devices' challenges whose pointers were evicted to keep at most `max` entries
 * (the soonest to expire go first); pointers to challenges past their grace are dropped.
 */
const POINT_CHALLENGE = new LuaScript(`${KEEP_ALIVE}
local key, device, id, expires, now, grace, max = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local previous = redis.call('HGET', key, device)
redis.call('HSET', key, device, expires .. ' ' .. id)
local raw = redis.call('HGETALL', key)
local live = {}
for i = 1, #raw, 2 do
  if raw[i] ~= device then
    local at = tonumber(string.match(raw[i + 1], '^(%S+)'))
    if at + grace < now then redis.call('HDEL', key, raw[i]) else live[#live + 1] = { raw[i], at, string.match(raw[i + 1], '^%S+ (.*)$') } end
  end
end
local result = { previous and string.match(previous, '^%S+ (.*)$') or '' }
if #live + 1 > max then
  table.sort(live, function(x, y) return x[2] < y[2] end)
  for i = 1, #live + 1 - max do
    redis.call('HDEL', key, live[i][1])
    result[#result + 1] = live[i][3]
  end
end
keep_alive(KEYS, tonumber(ARGV[7]))
return result
`);

/** Mark the challenge `overridden` (ARGV[1] = updatedAt) if its status is one of ARGV[2..]. */
const OVERRIDE_CHALLENGE = new LuaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
for i = 2, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', '"overridden"', 'updatedAt', ARGV[1])
    return 1
  end
end
return 0
`);

/** Compare-and-set: apply the patch only while the status is one of \`from\`. */
const UPDATE_CHALLENGE = new LuaScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
local op = cjson.decode(ARGV[2])
local allowed = false
for _, from in ipairs(op.from) do
  if from == status then allowed = true end
end
if not allowed then return false end
if #op.set > 0 then redis.call('HSET', KEYS[1], unpack(op.set)) end
if #op.del > 0 then redis.call('HDEL', KEYS[1], unpack(op.del)) end
if op.expires then
  local expires = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
  local updated = tonumber(redis.call('HGET', KEYS[1], 'updatedAt') or '') or expires
  local ttl = math.max(expires - updated, 0) + tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.ceil(ttl)))
end
return redis.call('HGETALL', KEYS[1])
`);

const RECORD_FAILED_ATTEMPT = new LuaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[2] then return false end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts >= tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'status', ARGV[3]) end
return redis.call('HGETALL', KEYS[1])
`);

/**
 * A fixed-window counter in one string, `<count> <resetAt>` (ARGV: at, windowMs, by). A window
 * opens at a positive hit when none is open (or the last one ended by `at`); `by` 0 only reads.
 * Times are the caller's: the key's TTL only cleans up once the window is over (a minute after).
 */
const COUNT_HIT = new LuaScript(`
local at, window, by = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local count, reset = 0, at
local raw = redis.call('GET', KEYS[1])
if raw then
  local c, r = string.match(raw, '^(%d+) (%d+)$')
  if r and tonumber(r) > at then count, reset = tonumber(c), tonumber(r) end
end
if by == 0 or (count == 0 and reset == at and by < 0) then
  return { string.format('%.0f', count), string.format('%.0f', reset) }
end
if reset == at then reset = at + window end
count = math.max(0, count + by)
local value = string.format('%.0f %.0f', count, reset)
-- A minute past the window's end: a server whose clock is behind (or a hit stamped just before
-- the end) must still find the window, not open a new one.
local ttl = math.max(0, reset - at) + 60000
redis.call('SET', KEYS[1], value, 'PX', string.format('%.0f', ttl))
-- The names, for an erasure without a scan; the set lives as long as its longest counter.
redis.call('SADD', KEYS[2], ARGV[4])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], string.format('%.0f', ttl)) end
return { string.format('%.0f', count), string.format('%.0f', reset) }
`);

/** Prepend a device's exposure (ARGV: JSON, max kept, ttl); the list lives `ttl` ms at least. */
const RECORD_EXPOSURE = new LuaScript(`
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`);

/**
 * Add `field, by` pairs from ARGV[first..] to a day's hash, at most `max` fields (a new field
 * beyond it is dropped), and keep the hash `ttl` ms.
 */
const ADD_COUNTS = `
local function add_counts(key, first, max, ttl)
  for i = first, #ARGV, 2 do
    if redis.call('HEXISTS', key, ARGV[i]) == 1 or redis.call('HLEN', key) < max then
      redis.call('HINCRBY', key, ARGV[i], ARGV[i + 1])
    end
  end
  redis.call('PEXPIRE', key, ttl)
end
`;

/** ARGV: ttl, max fields, then field, by, ... */
const COUNT_DAY = new LuaScript(`${ADD_COUNTS}
add_counts(KEYS[1], 3, tonumber(ARGV[2]), ARGV[1])
return 1
`);

/**
 * Record a conversion once (KEYS: its key, the day's hash, the day's list; ARGV: JSON, ttl, max
 * listed, max fields, then field, by, ...). Returns `{ 1, json }` when recorded and counted,
 * `{ 0, stored json }` when the pair was recorded before (nothing counted).
 */
const RECORD_CONVERSION = new LuaScript(`${ADD_COUNTS}
local existing = redis.call('GET', KEYS[1])
if existing then return { 0, existing } end
local ttl = ARGV[2]
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
redis.call('PEXPIRE', KEYS[3], ttl)
add_counts(KEYS[2], 5, tonumber(ARGV[4]), ttl)
return { 1, ARGV[1] }
`);

/** Every day's hash in one call (all in the `{insights}` slot). */
const READ_DAYS = new LuaScript(`
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HGETALL', key) end
return out
`);

/** The newest conversions of the listed days, day by day, newest first, at most ARGV[1]. */
const LIST_CONVERSIONS = new LuaScript(`
local limit, out = tonumber(ARGV[1]), {}
for _, key in ipairs(KEYS) do
  local want = limit - #out
  if want <= 0 then break end
  local items = redis.call('LRANGE', key, -want, -1)
  for i = #items, 1, -1 do out[#out + 1] = items[i] end
end
return out
`);

/** Each sort and the suffix of its sorted set. */
const SORT_KEYS: ReadonlyArray<readonly [AccountSort, string]> = [['score', 's'], ['people', 'p'], ['devices', 'd'], ['lastSeen', 'l']];

/**
 * Write an index entry (KEYS: the summaries' hash, then the score, people, devices and last-seen
 * sorted sets; ARGV: account id, fields as JSON of JSON values, '1' to upsert with the four keys
 * that follow or '0' to update an existing entry only, the cap, the last-seen cutoff). Fields are
 * merged as opaque JSON strings (cjson would round numbers and turn `[]` into `{}`). Then drops
 * stale entries (at most 16) and the least recently seen beyond the cap.
 */
const INDEX_ACCOUNT = new LuaScript(`
local id = ARGV[1]
local existing = redis.call('HGET', KEYS[1], id)
local upsert = ARGV[3] == '1'
if not upsert and not existing then return 0 end
local entry = existing and cjson.decode(existing) or {}
for k, v in pairs(cjson.decode(ARGV[2])) do entry[k] = v end
redis.call('HSET', KEYS[1], id, cjson.encode(entry))
if not upsert then return 1 end
for i = 2, 5 do redis.call('ZADD', KEYS[i], ARGV[2 + i], id) end
local drop = {}
for _, other in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[9], 'LIMIT', 0, 16)) do
  if other ~= id then drop[other] = true end
end
local over = redis.call('ZCARD', KEYS[5]) - tonumber(ARGV[8])
if over > 0 then
  for _, other in ipairs(redis.call('ZRANGE', KEYS[5], 0, over - 1)) do drop[other] = true end
end
for other in pairs(drop) do
  redis.call('HDEL', KEYS[1], other)
  for i = 2, 5 do redis.call('ZREM', KEYS[i], other) end
end
return 1
`);

/**
 * A page of the index (KEYS: the sort's sorted set, the summaries' hash; ARGV: limit, '1' when
 * continuing after key ARGV[3] and account id ARGV[4]). Members of one score come in reverse byte
 * order, as \`ZREVRANGEBYSCORE\` gives them; a cursor's ties are compared byte by byte (Lua's
 * \`<\` follows the server's locale). Returns { total, ids, keys, summaries }.
 */
const LIST_ACCOUNTS = new LuaScript(`
local limit = tonumber(ARGV[1])
local ids, keys = {}, {}
local function take(flat, keep)
  for i = 1, #flat, 2 do
    if #ids >= limit then return end
    if keep == nil or keep(flat[i]) then
      ids[#ids + 1] = flat[i]
      keys[#keys + 1] = flat[i + 1]
    end
  end
end
local function before(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
if ARGV[2] == '1' then
  take(redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[3], ARGV[3], 'WITHSCORES'), function(m) return before(m, ARGV[4]) end)
  if #ids < limit then take(redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. ARGV[3], '-inf', 'WITHSCORES', 'LIMIT', 0, limit - #ids)) end
else
  take(redis.call('ZREVRANGE', KEYS[1], 0, limit - 1, 'WITHSCORES'))
end
local summaries = {}
if #ids > 0 then summaries = redis.call('HMGET', KEYS[2], unpack(ids)) end
return { redis.call('ZCARD', KEYS[1]), ids, keys, summaries }
`);

/** Everything of one account (KEYS: d, h, s, p, c, f, ns; ARGV: the account's key base, for its counters). */
const READ_ACCOUNT = new LuaScript(`
local counters = {}
for _, name in ipairs(redis.call('SMEMBERS', KEYS[7])) do
  local value = redis.call('GET', ARGV[1] .. 'n:' .. name)
  if value then
    counters[#counters + 1] = name
    counters[#counters + 1] = value
  end
end
return { redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1), redis.call('GET', KEYS[3]) or false, redis.call('GET', KEYS[4]) or false, redis.call('HGETALL', KEYS[5]), redis.call('HGETALL', KEYS[6]), counters }
`);

/**
 * Delete every key of the account's slot (KEYS: d, h, s, p, c, f, ns; ARGV: key base, channel,
 * account id; counter keys are named from the set, under the same hash tag) and publish the
 * account id. Returns { device ids, accesses, challenge pointers, counters, profile existed }.
 */
const ERASE_ACCOUNT = new LuaScript(`
local devices = redis.call('HKEYS', KEYS[1])
local accesses = redis.call('LLEN', KEYS[2])
local pointers = redis.call('HVALS', KEYS[5])
local counters = 0
for _, name in ipairs(redis.call('SMEMBERS', KEYS[7])) do counters = counters + redis.call('DEL', ARGV[1] .. 'n:' .. name) end
local profile = redis.call('EXISTS', KEYS[4])
redis.call('DEL', unpack(KEYS))
redis.call('PUBLISH', ARGV[2], ARGV[3])
return { devices, accesses, pointers, counters, profile }
`);

/** Remove an account from the index (KEYS as INDEX_ACCOUNT's; ARGV: account id). */
const REMOVE_INDEXED = new LuaScript(`
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return redis.call('HDEL', KEYS[1], ARGV[1])
`);

/** KEYS: forced hash, devices hash; ARGV: field, at, retention, channel, account id. Lives as long as the account's devices. */
const FORCE_CHALLENGE = new LuaScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[3]), redis.call('PTTL', KEYS[2])))
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`);

/** ARGV: field, entry JSON, max entries, channel, message. Returns 0 when full. */
const ADD_LIST_ENTRY = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`);

/** ARGV: field, channel, message. Returns 1 when removed. */
const REMOVE_LIST_ENTRY = new LuaScript(`
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
if removed == 1 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return removed
`);

function listField(list: ListName, kind: ListKind, value: string): string {
  return JSON.stringify([list, kind, value]);
}

/** An index entry: field → JSON of the value. */
function decodeSummary(accountId: string, raw: string): AccountSummary {
  const summary: Record<string, unknown> = {};
  for (const [field, json] of Object.entries(JSON.parse(raw) as Record<string, string>)) summary[field] = JSON.parse(json);
  return { ...summary, accountId } as AccountSummary;
}

/** Forced challenges from a flat `[device id or '', at, ...]` list. */
function decodeForced(flat: string[]): ForcedChallenge[] {
  const forced: ForcedChallenge[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) forced.push(flat[i] === '' ? { at: Number(flat[i + 1]) } : { deviceId: flat[i]!, at: Number(flat[i + 1]) });
  return forced;
}

/** `field, by` pairs for HINCRBY: whole numbers only. */
function countArgs(counts: DayCounts): string[] {
  return Object.entries(counts).flatMap(([field, by]) => [field, String(Math.trunc(by))]);
}

const PENDING_JSON = [...PENDING_CHALLENGE].map((s) => JSON.stringify(s));

/**
 * The id inside a `{...}` hash tag, escaped so it is never empty and never holds a brace: an
 * account `a}b` must not share keys, or a slot computed on the wrong text, with another account.
 */
function hashTag(id: string): string {
  if (id === '') return '%';
  return id.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Metadata as key → JSON of the value, so Lua merges top-level keys without re-encoding values. */
function encodeMetadata(metadata: Record<string, unknown>): string {
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    const json = JSON.stringify(value);
    if (json !== undefined) encoded[key] = json;
  }
  return JSON.stringify(encoded);
}

/** `''` keeps the device's groups, `'-'` clears them, `'+<json>'` sets them (opaque JSON: cjson turns `[]` into `{}`). */
function groupsArg(groups: string[] | undefined): string {
  if (groups === undefined) return '';
  return groups.length === 0 ? '-' : `+${JSON.stringify(groups)}`;
}

/** `''` means no limit: `NaN` and `Infinity` can never be exceeded, as in `exceededLimits`. */
function limitArg(limit: number | undefined): string {
  return limit === undefined || Number.isNaN(limit) || limit === Infinity ? '' : String(limit);
}

/** `''` means never auto-detach (`-Infinity`, `NaN`); `Infinity` detaches every other device. */
function cutoffArg(inactiveBefore: number): string {
  if (Number.isNaN(inactiveBefore) || inactiveBefore === -Infinity) return '';
  return inactiveBefore === Infinity ? String(Number.MAX_VALUE) : String(inactiveBefore);
}

function clampTtl(ms: number): number {
  return Math.max(1, Math.min(Math.ceil(ms), MAX_TTL_MS));
}

function decodeOutcome(kind: string, detail: string | string[]): AttachOutcome {
  switch (kind) {
    case 'attached':
      return { kind, newlyAttached: detail === '1' };
    case 'excluded':
    case 'suspended':
      return { kind };
    case 'logout':
      return { kind, status: detail as DeviceStatus };
    case 'over_limit': {
      const exceeded: Extract<AttachOutcome, { kind: 'over_limit' }>['exceeded'] = [];
      const flat = detail as string[];
      for (let i = 0; i + 2 < flat.length; i += 3) {
        exceeded.push({ limit: flat[i] as keyof Limits, observed: Number(flat[i + 1]), threshold: Number(flat[i + 2]) });
      }
      return { kind, exceeded };
    }
    default:
      throw new Error(`RedisStore: unexpected attach reply ${show(kind)}`);
  }
}

/** Devices from a flat `[id, json, id, json, ...]` list, least recently seen first. */
function decodeDevices(accountId: string, flat: string[]): DeviceRecord[] {
  const devices: DeviceRecord[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) devices.push(decodeDevice(accountId, flat[i] as string, flat[i + 1] as string));
  return devices.sort((a, b) => a.lastSeen - b.lastSeen || a.firstSeen - b.firstSeen || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function decodeDevice(accountId: string, id: string, json: string): DeviceRecord {
  const stored = JSON.parse(json) as StoredDevice;
  const device: DeviceRecord = {
    id,
    accountId,
    type: stored.t,
    agent: JSON.parse(stored.a) as Agent,
    status: stored.s,
    logoutPending: stored.p,
    firstSeen: Number(stored.f),
    lastSeen: Number(stored.l),
  };
  if (stored.v !== undefined) device.verifiedAt = Number(stored.v);
  if (stored.ip !== undefined) device.lastIp = stored.ip;
  if (stored.net !== undefined) device.lastNetwork = stored.net;
  if (stored.loc !== undefined) device.lastLocation = JSON.parse(stored.loc) as Location;
  if (stored.m !== undefined) {
    const metadata: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(stored.m)) metadata[key] = JSON.parse(value);
    device.metadata = metadata;
  }
  if (stored.g !== undefined) device.groups = JSON.parse(stored.g) as string[];
  return device;
}

/** A challenge from a flat `[field, json, ...]` list; `undefined` when empty (no such key). */
function decodeChallenge(flat: string[]): ChallengeRecord | undefined {
  if (flat.length === 0) return undefined;
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i] as string] = JSON.parse(flat[i + 1] as string);
  return record as unknown as ChallengeRecord;
}

// Durable webhook deliveries on the same Redis, so `sharelock/redis` offers both.
export { RedisDeliveryQueue, type RedisDeliveryQueueOptions } from './deliveries/redis.js';
