import { hours } from './time.js';
import type { Admin } from './admin/types.js';
import { AdminApi, isAdminStore, type AdminStore } from './admin/admin.js';
import { DynamicLists } from './admin/lists.js';
import { accountSortKeys, lastChallengeOf, summarise } from './admin/summary.js';
import { LRUCache } from 'lru-cache';
import type { ChallengeInsights } from './insights/conversions.js';
import type { SignalResult } from './signals/context.js';
import { AgentParser, sameBrowser, type AgentInfo } from './device/agent.js';
import { DeviceIdentity, type DeviceCookie } from './device/identity.js';
import { isPromiseLike, type MaybePromise } from './maybe-promise.js';
import { VerdictCache } from './cache.js';
import { ChallengeFlow } from './challenge/flow.js';
import type { Outbox } from './challenge/senders/outbox.js';
import { SharelockError } from './errors.js';
import { checkIdentity, type PayingIdentity } from './identify.js';
import type { AccountStatus, ChallengeRecord, DeviceRecord, DeviceStatus, DeviceType, Reason } from './model.js';
import { clientIp } from './net/ip.js';
import { resolveOptions, resolveRouteOptions, type Config, type Options, type ResolvedRouteOptions, type RouteOptions } from './options.js';
import { firstValue, isPageNavigation, type RequestLike } from './http/request.js';
import { matchRoute } from './routes.js';
import { GeoResolver } from './geo/resolver.js';
import { NetworkKnowledge } from './net/knowledge.js';
import { networkOf } from './net/network.js';
import { evaluate } from './policy/engine.js';
import type { Policy } from './policy/policy.js';
import type { SignalContext } from './signals/context.js';
import { readProfile, recordAccess, sameHomeAs, type AccountProfile } from './signals/households.js';
import { safeReturnTo } from './challenge/return-to.js';
import { routeMiddleware, type NodeMiddleware } from './http/node.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LISTS_CHANGED, type AttachInput, type AttachResult, type Store } from './stores/store.js';
import { withTimeout } from './stores/timeout.js';
import type { Verdict } from './verdict.js';
import { Events, type EventName, type Listener } from './events/emitter.js';
import { Ingestor, OPENS_ON_NEXT_REQUEST, type IngestCall, type IngestedAccess, type IngestReport } from './ingest/ingestor.js';
import { asOf } from './ingest/as-of.js';
import { Flags, attachedEvent, publishDetached, publishInactive } from './events/publish.js';
import { WebhookDispatcher, type Webhooks } from './events/webhooks.js';
import { ConversionTracker, type ConversionResult, type InsightsRange } from './insights/conversions.js';
import type { ConversionInput } from './insights/conversion-input.js';
import type { Insights } from './insights/funnel.js';
import type { Conversion } from './insights/model.js';
import { enableDashboard, type Dashboard, type DashboardOptions } from './dashboard/index.js';
import { attachToPools, canMakeRoom, giveBackSlots, poolId, poolsCounting, releaseFromPools, type GroupUsage } from './groups.js';
import { fnv1a32 } from './hash.js';

/** A browser idle this long may be the one a new cookie with the same agent and network replaces. */
const REPLACE_AFTER_IDLE_MS = hours(1);
/**
 * A judged request whose index entry would only move `lastSeen` is not written again within this
 * window (per process): the admin index's last seen is accurate to a minute, and a busy account
 * costs one index write a minute, not one per verdict-cache miss.
 */
const INDEX_COALESCE_MS = 60_000;

/**
 * The verdict for one request, and the device cookie to set with the response. Read it, do not
 * change it: a cached allow and a free user's decision are shared frozen objects (changing them
 * throws in strict mode), so no request pays for copies.
 */
export interface Decision {
  verdict: Verdict;
  /** A `Set-Cookie` value to send whatever the verdict: a new device, or a cookie re-signed with the current key. */
  setCookie?: string;
  /** Set when the request was protected. */
  accountId?: string;
  deviceId?: string;
}

/** Told after each store call: the operation (`attach`, `listDevices`, ...), how long it took in ms, and whether it succeeded. */
export type StoreTimer = (operation: string, ms: number, ok: boolean) => void;

/** Counters since start, e.g. for a metrics endpoint. */
export interface Stats {
  decisions: number;
  allow: number;
  challenge: number;
  logout: number;
  suspended: number;
  deny: number;
  /** Decisions answered from the verdict cache, with no store round trip. */
  cacheHits: number;
  /** Decisions the verdict cache could not answer (judged with the store). */
  cacheMisses: number;
  /** Store calls that failed or exceeded `storeTimeoutMs`; each was handled by `storeFailure`. */
  storeFailures: number;
  /** `identify()` calls that threw or returned a malformed identity; each request was let through. */
  identifyFailures: number;
  /** Decisions where a policy matched in monitor mode (recorded, nobody challenged). */
  monitored: number;
  /** Distinct accounts a monitoring policy matched (counted up to 100 000): who *would* be challenged. */
  monitoredAccounts: number;
  /** Matches per policy name, enforcing or monitoring. */
  policies: Record<string, number>;
}


/**
 * The framework-neutral core: decides each protected request, runs the challenge flow, and offers
 * an admin API. Adapters (`sharelock/express`, ...) map their framework to `decide()` and back.
 */
export class Sharelock<Req = any, Res = any> {
  readonly config: Config;
  /** The challenge lifecycle as a headless API, for apps that render their own challenge UI. */
  readonly challenges: ChallengeFlow;
  /** The development outbox holding sent codes, when no `senders` were configured. */
  readonly outbox: Outbox | undefined;
  /**
   * Webhook deliveries (`webhooks` option): read and retry dead letters, count what is pending.
   * Present without endpoints too (then empty).
   */
  readonly webhooks: Webhooks;
  /**
   * The admin API: accounts by how likely they are shared, one account's devices, places and
   * accesses, actions (detach, exclude, suspend, force a challenge), runtime allow/deny entries,
   * and a data export and erasure per account. Authorise every call in your app. See docs/admin.md.
   */
  readonly admin: Admin;
  readonly #webhooks: WebhookDispatcher;
  readonly #flags = new Flags();
  readonly #devices: DeviceIdentity;
  readonly #agents: AgentParser;
  // The type each device was given, so Client Hints coming and going never flip it (see #typeOf).
  // Made at the first decision: an LRU allocates for its whole size, and many instances never decide (tests, option checks).
  #types: LRUCache<string, DeviceType> | undefined;
  readonly #cache: VerdictCache;
  readonly #ownsStore: boolean;
  readonly #stopInvalidation: (() => void) | undefined;
  readonly #stats: Stats = { decisions: 0, allow: 0, challenge: 0, logout: 0, suspended: 0, deny: 0, cacheHits: 0, cacheMisses: 0, storeFailures: 0, identifyFailures: 0, monitored: 0, monitoredAccounts: 0, policies: {} };
  readonly #monitoredAccounts = new Set<string>();
  readonly #geo: GeoResolver;
  /** Shared egress learned from every account's traffic (judged requests only). */
  readonly #networks = new NetworkKnowledge();
  readonly #ingestor: Ingestor;
  readonly #conversions: ConversionTracker;
  readonly #events = new Events((name, error) => this.#once(`event:${name}`, () => this.config.logger.error(`A '${name}' event listener failed; the request was not affected (logged once).`, error)));
  readonly #warned = new Set<string>();
  readonly #storeTimers = new Set<StoreTimer>();
  /** The dynamic allow/deny entries (`admin.addListEntry()`), on top of the `lists` option. */
  readonly #lists: DynamicLists;
  /** The store, when it keeps the admin index (checked once: the store is fixed). */
  readonly #adminStore: AdminStore | undefined;
  /** What this process last wrote to the admin index per account, to skip writes that would change nothing but `lastSeen`. */
  // Made at the first index write, like #types.
  #indexed: LRUCache<string, { fingerprint: number; at: number }> | undefined;
  #storeDown = false;
  #closed = false;

  constructor(options: Options<Req, Res>) {
    this.config = resolveOptions(options as Options);
    this.#ownsStore = options.store === undefined;
    this.#devices = new DeviceIdentity(this.config);
    this.#agents = new AgentParser({ consoleType: this.config.consoleType });
    this.#geo = new GeoResolver(this.config.geo, (error) => this.#once('geo', () => this.config.logger.error('A geo lookup failed; continuing without a location (logged once).', error)));
    this.#cache = new VerdictCache({ max: this.config.cache.max, ttlMs: this.config.cache.allowTtlMs, now: this.config.now });
    this.#conversions = new ConversionTracker(this.config, (what, run) => this.#store(what, run), (conversion) => this.#conversionRecorded(conversion), (key, message) => this.#once(key, () => this.config.logger.warn(message)));
    const insights: ChallengeInsights = {
      changed: (challenge) => {
        this.#conversions.changed(challenge);
        this.#indexChallenge(challenge);
      },
      ownerLoggedOut: (challenge, deviceId) => this.#conversions.ownerLoggedOut(challenge, deviceId),
    };
    this.challenges = new ChallengeFlow(this.config, (what, run) => this.#store(what, run), (accountId) => this.#cache.invalidate(accountId), this.#events, insights);
    this.outbox = this.config.outbox;
    this.webhooks = this.#webhooks = new WebhookDispatcher(this.config.webhooks, this.config.now, this.config.logger);
    if (this.#webhooks.enabled) this.#events.sink(this.#webhooks);
    const store = this.config.store;
    this.#adminStore = isAdminStore(store) ? store : undefined;
    const adminStore = this.#adminStore;
    // Read in the background, never on a request's path: a failure keeps the entries read last.
    this.#lists = new DynamicLists(
      adminStore &&
        (() =>
          withTimeout(adminStore.listEntries(), this.config.storeTimeoutMs, 'store.listEntries()').catch((error: unknown) => {
            this.#backgroundFailed('listEntries', 'Reading the dynamic allow/deny entries failed; applying the last ones read.', error);
            return undefined;
          })),
      this.config.now,
      () => this.#cache.clear(),
    );
    this.admin = new AdminApi({
      store,
      call: (what, run) => this.#store(what, run),
      now: this.config.now,
      lists: this.#lists,
      invalidate: (accountId) => this.#cache.invalidate(accountId),
      invalidateAll: () => this.#cache.clear(),
      detach: (accountId, deviceId) => this.detach(accountId, deviceId),
      exclude: (accountId, deviceId) => this.exclude(accountId, deviceId),
      suspend: (accountId) => this.suspend(accountId),
      unsuspend: (accountId) => this.unsuspend(accountId),
      forget: (accountId) => {
        this.#indexed?.delete(accountId);
        this.#monitoredAccounts.delete(accountId);
      },
      releasePools: async (devices) => {
        const at = this.config.now();
        await Promise.all(devices.map((d) => this.#releaseFromPools(d.id, poolsCounting(d.groups), at)));
      },
    });
    this.#stopInvalidation = store.onInvalidate?.((accountId) => {
      if (accountId === LISTS_CHANGED) {
        this.#lists.changed();
        this.#cache.clear();
        return;
      }
      this.#cache.invalidate(accountId);
      // Erased, perhaps: the next judged request writes its index entry again.
      this.#indexed?.delete(accountId);
    });
    this.#ingestor = new Ingestor({
      now: this.config.now,
      bounds: this.config.ingest,
      identify: this.config.ingest.identify,
      verifyCookie: (value) => this.deviceOf({ headers: { cookie: `${this.config.cookie.name}=${value}` } }),
      decide: (access, identity) => this.#decideIngested(access, identity),
      logOnce: (key, message, error) => this.#once(key, () => this.config.logger.error(message, error)),
    });
  }

  /**
   * Route options resolved and validated once, e.g. for a per-route guard. Throws on invalid
   * options, naming them by `label` (how the app passed them, e.g. `@Protect()`).
   */
  route(options?: RouteOptions, label = 'protect()'): ResolvedRouteOptions {
    return resolveRouteOptions(label, options, this.config.defaultRoute);
  }

  /** The route options of the `protect` pattern covering this request, or `undefined` when none does. */
  match(method: string, path: string): ResolvedRouteOptions | undefined {
    return matchRoute(this.config, method, path);
  }

  /**
   * A per-route guard with its own options, as connect-style middleware (Express 4 and 5).
   * @example app.get('/watch/:id', guard.protect({ limits: { devices: 2 } }), handler)
   */
  protect(options?: RouteOptions): NodeMiddleware & { route: ResolvedRouteOptions } {
    const route = this.route(options);
    return Object.assign(routeMiddleware(this as unknown as Sharelock<IncomingMessage, ServerResponse>, route), { route });
  }

  /** The client's IP, from the socket or a trusted proxy's `X-Forwarded-For`. */
  clientIp(request: Pick<RequestLike, 'headers' | 'remoteAddress'>): string | undefined {
    return clientIp(request.headers, request.remoteAddress, this.config.trustProxy);
  }

  /** The verified device id in the request's cookie, if any. Never mints one. */
  deviceOf(request: Pick<RequestLike, 'headers'>): string | undefined {
    return this.#devices.read(firstValue(request.headers.cookie));
  }

  /** Decide one request on a protected route. Never throws for bad input or a broken store. */
  async decide(request: RequestLike, appRequest: Req, route: ResolvedRouteOptions = this.config.defaultRoute): Promise<Decision> {
    return this.decision(request, appRequest, route);
  }

  /**
   * `decide()` for adapters: the decision itself when no I/O is needed (a free user, a suspended
   * identity, a cached allow, with a synchronous `identify`), else a promise of it, so the hot path
   * creates no promise and waits for no microtask. Throws `SHARELOCK_E_CLOSED` after `close()`.
   */
  decision(request: RequestLike, appRequest: Req, route: ResolvedRouteOptions = this.config.defaultRoute): MaybePromise<Decision> {
    if (this.#closed) throw new SharelockError('SHARELOCK_E_CLOSED', 'This sharelock instance was closed; create a new one.');
    this.#stats.decisions++;
    const identity = this.#identify(appRequest);
    if (!isPromiseLike(identity)) return this.#decideFor(request, identity, route);
    return identity.then((later) => this.#decideFor(request, later, route));
  }

  #decideFor(request: RequestLike, identity: PayingIdentity | undefined, route: ResolvedRouteOptions): MaybePromise<Decision> {
    if (!identity) return this.#count(FREE);
    const header = firstValue(request.headers.cookie);
    const policy = hasKeys(identity.limits) ? `${route.key}|${JSON.stringify(limitsOf(route, identity))}` : route.key;
    // Keyed by the cookie as sent: only a verified cookie was ever stored, so a hit needs no verification.
    const sent = identity.suspended ? undefined : this.#devices.sent(header);
    const now = this.config.now();
    const cached = sent === undefined ? undefined : this.#cache.get(sent, identity.id, policy, now);
    if (cached) {
      this.#stats.cacheHits++;
      if (now - cached.touchedAt >= this.config.touchIntervalMs) {
        cached.touchedAt = now;
        void this.#attachInput(request, identity, cached.deviceId, limitsOf(route, identity), true).then((input) => this.#touch(input));
      }
      return this.#decided(identity, cached.deviceId, undefined, ALLOW);
    }
    const secure = this.#devices.isSecure(request.https, firstValue(request.headers.host));
    this.#warnInsecure(request, secure);
    const cookie = this.#devices.resolve(header, secure);
    if (identity.suspended) return this.#decided(identity, cookie.deviceId, cookie.setCookie, this.#suspended('identify'));
    return this.#decideUncached(request, identity, cookie, route, policy);
  }

  /** A decision the verdict cache could not answer: one store round trip, the signals, the policies. */
  async #decideUncached(request: RequestLike, identity: PayingIdentity, cookie: DeviceCookie, route: ResolvedRouteOptions, policy: string): Promise<Decision> {
    this.#stats.cacheMisses++;

    // Read by a challenge only, so not on the cached path; and only when the app vouches for what its
    // events say (`ingest.dangerouslyTrustEventContacts`).
    if (this.config.ingest.dangerouslyTrustEventContacts) this.#ingestor.fillContacts(identity);
    const input = await this.#attachInput(request, identity, cookie.deviceId, limitsOf(route, identity), true);
    const verdict = await this.#judge(request, identity, input, route);
    this.#judged(identity.id, input, verdict);
    // An allow is reused, unless it only let the request through because the store failed.
    if (verdict.kind === 'allow' && !verdict.reasons.some((r) => r.check === 'store_unavailable')) this.#cache.allow(cookie.value, identity.id, policy, cookie.deviceId);
    return this.#decided(identity, cookie.deviceId, cookie.setCookie, verdict);
  }

  /** A protected request's decision: field by field, as object spreads take V8's slow path. */
  #decided(identity: PayingIdentity, deviceId: string, setCookie: string | undefined, verdict: Verdict): Decision {
    const decision: Decision = { verdict, accountId: identity.id, deviceId };
    if (setCookie) decision.setCookie = setCookie;
    return this.#count(decision);
  }

  /**
   * Record Segment-spec events from an analytics pipeline, as the ingest endpoint does with a
   * request's body: one event, a list, or Segment's `{ batch, sentAt }`. A `page` or `screen` view
   * attaches its device and records the access through the same decision path as a request
   * (store, signals, policies, events and webhooks), at the time it happened; an `identify` event
   * teaches the account's email and phone (used for codes only with
   * `ingest.dangerouslyTrustEventContacts`, when `identify(req)` gives neither). Every event
   * is checked before any is written, and each gets its own result. Never throws for what the
   * events carry or a broken store (those events are `failed`: send them again).
   *
   * No event can answer a challenge. A device known only from events (`ingest.…`) takes no slot
   * unless `ingest.countEventDevices` is set; a challenge opened for one carries no contacts, so it
   * sends no code and spends no budget: it is reported, and recorded for insights and webhooks. A sharelock cookie's device (its cookie value in `context.device.id`)
   * is challenged by its own next protected request instead, judged afresh with `identify(req)`.
   * @example await guard.ingest({ type: 'page', userId: 'acct_1', anonymousId: 'a1', context: { ip, userAgent } })
   */
  async ingest(events: unknown, call?: IngestCall): Promise<IngestReport> {
    if (this.#closed) throw new SharelockError('SHARELOCK_E_CLOSED', 'This sharelock instance was closed; create a new one.');
    return this.#ingestor.ingest(events, call);
  }

  /** One ingested view through the decision path: a request of its device, at its own time. */
  async #decideIngested(access: IngestedAccess, identity: PayingIdentity): Promise<Verdict> {
    if (identity.suspended) return this.#suspended('identify');
    // Contacts from events never reach a challenge: only the app's own identify() decides where codes go.
    const { email: _email, phone: _phone, ...account } = identity;
    const request: RequestLike = { method: 'POST', path: access.page ?? '', url: access.page ?? '', headers: access.headers, remoteAddress: access.ip, https: true };
    const input = await this.#attachInput(request, account, access.device.id, { ...this.config.defaultRoute.limits, ...identity.limits }, true, true);
    input.access.at = access.at;
    if (access.page === undefined) delete input.access.page;
    if (access.agent) Object.assign(input, access.agent);
    // The event's device metadata goes on the record; the identity's alone (the app's) meets the policies.
    if (Object.keys(access.metadata).length > 0) input.metadata = { ...access.metadata, ...identity.metadata };
    const uncounted = !access.device.cookie && !this.config.ingest.countEventDevices;
    const verdict = await this.#judge(request, account, input, this.config.defaultRoute, { defer: access.device.cookie, uncounted });
    if (verdict.reasons.some((r) => r.check === 'store_unavailable')) return verdict;
    // The account's devices may have changed: its cached allows are judged again.
    if (verdict.kind !== 'allow') this.#cache.invalidate(identity.id);
    const logout = verdict.kind === 'logout' && access.device.cookie ? verdict.reasons.find((r) => r.check === 'device_logged_out') : undefined;
    if (logout) {
      // The store handed this cookie's pending logout to the event: give it back, so the browser's next request clears its session.
      await this.#store('setDeviceStatus', (store) => store.setDeviceStatus(identity.id, input.deviceId, logout.observed as DeviceStatus, this.config.now())).catch(() => undefined);
    }
    if (verdict.kind === 'challenge' && verdict.challenge.id === OPENS_ON_NEXT_REQUEST) return verdict;
    this.#judged(identity.id, input, verdict);
    return verdict;
  }

  /**
   * A decision the cache could not answer: lists, one store round trip, signals, policies.
   * `ingested`: an event's view (see `ingest()`), judged as of its time; `defer` leaves a
   * challenge to the device's next request (an empty challenge id).
   */
  async #judge(request: RequestLike, identity: PayingIdentity, input: AttachInput, route: ResolvedRouteOptions, ingested?: { defer: boolean; uncounted?: boolean }): Promise<Verdict> {
    const { lists } = this.config;
    const subject = { accountId: identity.id, deviceId: input.deviceId, ip: input.access.ip ?? this.clientIp(request), country: input.access.location?.country };
    const denied = lists.deny?.match(subject, input.access.at) ?? this.#lists.match('deny', subject, input.access.at);
    if (denied) return { kind: 'deny', status: 403, reasons: [{ check: 'deny_list', observed: denied, threshold: 'listed' }] };
    const allowed = lists.allow?.match(subject, input.access.at) ?? this.#lists.match('allow', subject, input.access.at);
    // A device known only from events, when they do not count: recorded, never refused a slot.
    input.force = allowed !== undefined || !this.config.enforceLimits || ingested?.uncounted === true;
    // An address block unrelated accounts share, or that hands one device new addresses within hours: no place, no journey.
    if (this.#networks.observe(identity.id, subject.ip, input.access.at)) input.access.location = { ...input.access.location, pooled: true };

    let result: AttachResult;
    try {
      result = await this.#store('attach', (store) => store.attach(input));
    } catch {
      return this.#storeFailed(route);
    }
    // The store answers: read the dynamic entries in the background if they changed or are 30 s old.
    this.#lists.refresh();
    // A browser whose cookies were cleared comes back as a new device: it takes its old slot, over
    // the limit or below it (stale cookies must not fill the account for the devices still to come).
    const replaced = !ingested?.uncounted && isNewDevice(result, input) ? this.#replacedBy(input, result.snapshot.devices, readProfile(result.snapshot.profile)) : undefined;
    if (replaced) {
      try {
        await this.#store('setDeviceStatus', (store) => store.setDeviceStatus(identity.id, replaced.id, 'detached', input.access.at, { logout: false }));
        // Its cookie is gone, so it never comes back to leave its groups' pools by itself.
        await this.#releaseFromPools(replaced.id, poolsCounting(replaced.groups, identity.pools), input.access.at);
        result =
          result.outcome.kind === 'over_limit'
            ? await this.#store('attach', (store) => store.attach(input))
            : { ...result, snapshot: { ...result.snapshot, devices: result.snapshot.devices.map((d) => (d.id === replaced.id ? { ...d, status: 'detached' as const } : d)) } };
      } catch {
        return this.#storeFailed(route);
      }
    }
    const { outcome, snapshot } = result;
    publishInactive(this.#events, result, input.access.at);
    const newlyAttached = outcome.kind === 'attached' && outcome.newlyAttached;
    switch (outcome.kind) {
      case 'suspended':
        return this.#suspended('store');
      case 'logout':
        // Its account logged it out: it leaves its groups' pools too.
        void this.#releaseFromPools(input.deviceId, poolsCounting(snapshot.devices.find((d) => d.id === input.deviceId)?.groups, identity.pools), input.access.at).catch(() => undefined);
        return {
          kind: 'logout',
          url: this.config.urls.logout,
          reasons: [{ check: 'device_logged_out', observed: outcome.status, threshold: 'attached', message: `This device was ${outcome.status === 'kicked' ? 'logged out by the account owner' : 'detached from the account'}.` }],
        };
      case 'excluded':
        return { kind: 'allow', reasons: [] };
      case 'attached':
      case 'over_limit':
        break;
    }
    if (ingested?.uncounted) {
      // Its accesses stay in the account's history; it never takes a slot nor meets the policies.
      if (newlyAttached) await this.#store('setDeviceStatus', (store) => store.setDeviceStatus(identity.id, input.deviceId, 'excluded', input.access.at)).catch(() => undefined);
      return { kind: 'allow', reasons: [] };
    }
    const overLimit = outcome.kind === 'over_limit';
    // A device its account refused asks no pool for a slot (unless a policy lets it in below).
    let groups: GroupUsage[] = [];
    if (!overLimit && identity.pools.length > 0) {
      try {
        groups = await this.#attachToPools(input, identity.pools);
      } catch {
        return this.#storeFailed(route);
      }
    }
    // Attached with `force`, in its groups' pools too.
    if (allowed) {
      if (newlyAttached) this.#events.publish('device.attached', () => attachedEvent(input));
      return { kind: 'allow', reasons: [{ check: 'allow_list', observed: allowed, threshold: 'listed' }] };
    }
    const device = snapshot.devices.find((d) => d.id === input.deviceId);
    // An event may arrive after later ones: judge it on the account as it was then.
    const { devices, accesses } = ingested ? asOf(snapshot, input.deviceId, input.access.at, this.config.signals.activeWindowMs) : snapshot;
    const context: SignalContext = {
      now: input.access.at,
      access: input.access,
      device: { id: input.deviceId, type: input.type, ...(device?.verifiedAt !== undefined ? { verifiedAt: device.verifiedAt } : {}) },
      devices,
      accesses,
      profile: readProfile(snapshot.profile),
      limits: input.limits,
      settings: this.config.signals,
      ...(groups.length > 0 ? { groups } : {}),
    };
    if (!overLimit) {
      const recorded = recordAccess(context.profile, input.access, devices, accesses, this.config.signals);
      context.profile = recorded.profile;
      if (recorded.changed) void this.#saveProfile(identity.id, recorded.profile);
    }
    const evaluation = evaluate(this.config.policies, {
      context,
      overLimit,
      ...(identity.plan ? { plan: identity.plan } : {}),
      groups: identity.groups,
      ...(identity.metadata ? { metadata: identity.metadata } : {}),
      verifiedTrustMs: this.config.verifiedTrustMs,
      monitorAll: this.config.monitor,
    });
    this.#recordPolicies(identity.id, evaluation.policy, evaluation.monitored);
    // A replayed old event says nothing about the account now.
    if (!ingested || input.access.at >= this.config.now() - INDEX_COALESCE_MS) this.#indexJudged(identity.id, input, snapshot, evaluation.signals);
    let { action, reasons } = evaluation;
    // An admin asked to verify this device (or any of the account's): challenge it unless a policy does more.
    const forced = snapshot.forced?.find((f) => f.deviceId === undefined || f.deviceId === input.deviceId);
    if (forced && (action === 'allow' || action === 'monitor')) {
      action = { challenge: 'verify' };
      reasons = [...reasons, { check: 'admin_challenge', observed: forced.deviceId === undefined ? 'account' : 'device', threshold: 'none', message: 'An administrator asked to verify this device.' }];
    }
    if (reasons.length > 0) this.config.logger.debug?.(`account ${identity.id} device ${input.deviceId}: ${typeof action === 'string' ? action : `challenge ${action.challenge}`} — ${reasons.map((r) => `${r.policy}: ${r.check} ${r.observed} > ${r.threshold}${r.monitor ? ' (monitor)' : ''}`).join('; ')}`);

    const refusedBy = groups.filter((g) => g.exceeded.length > 0).map((g) => identity.pools.find((p) => p.id === g.id)!);
    if (action === 'allow' || action === 'monitor') {
      // The store refused the device, but no enforcing policy wants it out: let it in after all,
      // into every pool it is not in yet (all of them when its account refused it), so pools count it.
      const outside = overLimit ? identity.pools : refusedBy;
      let forced: AttachResult | undefined;
      try {
        [forced] = await Promise.all([
          overLimit ? this.#store('attach', (store) => store.attach({ ...input, force: true })) : undefined,
          this.#attachToPools(input, outside, true),
        ]);
      } catch {
        return this.#storeFailed(route);
      }
      if (newlyAttached || (forced?.outcome.kind === 'attached' && forced.outcome.newlyAttached)) this.#events.publish('device.attached', () => attachedEvent(input));
      return { kind: 'allow', reasons };
    }
    // Not let in, and over a pool's limit: it must not keep the slots this request gave it.
    if (refusedBy.length > 0) {
      const tookAccountSlot = outcome.kind === 'attached' && outcome.newlyAttached;
      await giveBackSlots((w, run) => this.#store(w, run), input, tookAccountSlot, groups, input.access.at).catch(() => undefined);
    } else if (newlyAttached) {
      // Attached, though challenged or refused: it counts until it is logged out.
      this.#events.publish('device.attached', () => attachedEvent(input));
    }
    if (action === 'deny') return { kind: 'deny', status: 403, reasons };
    if (action === 'logout') {
      await this.#setDevice(identity.id, input.deviceId, 'detached', 'policy').catch(() => undefined);
      return { kind: 'logout', url: this.config.urls.logout, reasons };
    }
    if (action === 'suspend') {
      await this.#setAccount(identity.id, 'suspended', { by: 'policy', deviceId: input.deviceId, reasons }).catch(() => undefined);
      return { kind: 'suspended', url: this.config.urls.suspended, reasons };
    }
    if (ingested?.defer) return { kind: 'challenge', challenge: { id: OPENS_ON_NEXT_REQUEST, kind: action.challenge }, url: '', reasons };
    const returnTo = isPageNavigation(request) ? safeReturnTo(request.url) : undefined;
    // Pools the member's own devices cannot make room in, so the first page can say only the team's admin can.
    const own = new Set(snapshot.devices.filter((d) => d.status === 'attached' && d.id !== input.deviceId).map((d) => d.id));
    const full = groups.filter((g) => g.exceeded.length > 0 && !canMakeRoom(g.exceeded, g.devices, own)).map((g) => g.id);
    try {
      const challenge = await this.challenges.open({
        accountId: identity.id,
        deviceId: input.deviceId,
        kind: action.challenge,
        reasons,
        limits: input.limits,
        ...(identity.pools.length > 0 ? { groups: identity.pools } : {}),
        ...(full.length > 0 ? { blocked: { reason: 'group_full', groups: full } } : {}),
        device: { type: input.type, agent: input.agent, ...(input.access.ip ? { ip: input.access.ip } : {}), ...(input.metadata ? { metadata: input.metadata } : {}) },
        contact: { ...(identity.email ? { email: identity.email } : {}), ...(identity.phone ? { phone: identity.phone } : {}) },
        ...(returnTo ? { returnTo } : {}),
      });
      const store = this.#adminStore;
      if (forced && store) this.#background('clearForcedChallenge', () => store.clearForcedChallenge(identity.id, forced.deviceId));
      return { kind: 'challenge', challenge: { id: challenge.id, kind: challenge.kind }, url: this.challenges.url(challenge.id), reasons };
    } catch {
      return this.#storeFailed(route);
    }
  }

  /**
   * Listen to what sharelock decides: the typed events (\`device.attached\`, \`device.detached\`,
   * \`account.flagged\`, \`account.suspended\`, \`challenge.*\`, \`conversion.recorded\`; each with a
   * stable \`id\`, also sent as webhooks), and \`decision\` (judged requests, with reasons),
   * \`challenge\` (every status change), \`device\` (logged out, detached, excluded). Returns a
   * function that stops listening.
   * @example guard.on('device.detached', ({ metadata, logout }) => logout && sessions.revoke(metadata?.sessionId))
   */
  on<E extends EventName>(name: E, listener: Listener<E>): () => void {
    return this.#events.on(name, listener);
  }

  off<E extends EventName>(name: E, listener: Listener<E>): void {
    this.#events.off(name, listener);
  }

  // ---- Admin API: act on an account's devices from the app (support tools, account settings). ----

  /** Every device known for the account, attached or not, most recently used last. */
  devices(accountId: string): Promise<DeviceRecord[]> {
    return this.#store('listDevices', (store) => store.listDevices(accountId));
  }

  /** The devices in a group's pool (members' devices counted against its pooled limits); `metadata.accountId` names the member. */
  groupDevices(groupId: string): Promise<DeviceRecord[]> {
    return this.#store('listDevices', (store) => store.listDevices(poolId(groupId)));
  }

  /** Log a device out: its next request goes to `urls.logout`, and it stops counting. */
  async kick(accountId: string, deviceId: string): Promise<boolean> {
    const kicked = await this.#setDevice(accountId, deviceId, 'kicked');
    // Logged out by the account's side: if it signs up on its own, that is a conversion.
    if (kicked) this.#conversions.loggedOut(accountId, deviceId);
    return kicked;
  }

  /** Detach a device on the app's behalf (e.g. from account settings): logged out, stops counting. */
  detach(accountId: string, deviceId: string): Promise<boolean> {
    return this.#setDevice(accountId, deviceId, 'detached');
  }

  /** Never count this device (support staff, QA). */
  exclude(accountId: string, deviceId: string): Promise<boolean> {
    return this.#setDevice(accountId, deviceId, 'excluded');
  }

  suspend(accountId: string): Promise<void> {
    return this.#setAccount(accountId, 'suspended');
  }

  unsuspend(accountId: string): Promise<void> {
    return this.#setAccount(accountId, 'active');
  }

  // ---- Conversions and insights: what sharing turned into. ----

  /**
   * Tell sharelock that someone signed up or subscribed, from the app's signup or checkout code.
   * It is recorded as a conversion when the device (the request's cookie, or `deviceId` for a
   * server-side call such as a payment webhook) saw a challenge, was logged out by an owner, or
   * was a challenged account's device within `conversions.windowMs` (30 days); otherwise nothing
   * is recorded. Once per device and new account; published as `conversion.recorded`.
   * Never throws for what the request carries or a broken store; throws
   * `SHARELOCK_E_CONVERSION_INVALID` for a malformed `input` (a programming error).
   * @example await guard.trackConversion(req, { account: user.id, plan: 'premium', revenue: { amount: 9.99, currency: 'EUR' } })
   */
  trackConversion(request: Pick<RequestLike, 'headers'> | { headers: object } | null | undefined, input: ConversionInput): Promise<ConversionResult> {
    return this.#conversions.track(request, input, (req) => this.deviceOf(req as Pick<RequestLike, 'headers'>));
  }

  /**
   * Per-day figures and totals for a range of UTC days (default: the last 30): challenges by kind
   * and outcome, conversions, revenue per currency. Read from the store, so every app server on a
   * shared store sees the same. Rejects with `SHARELOCK_E_INSIGHTS_RANGE` on a bad range.
   * @example const { totals } = await guard.insights({ from: '2026-01-01', to: '2026-01-31' })
   */
  insights(range?: InsightsRange): Promise<Insights> {
    return this.#conversions.insights(range);
  }

  /** The conversions recorded in a range of days (default: the last 30), newest first, at most `limit` (100; up to 1 000). */
  conversions(range?: InsightsRange & { limit?: number }): Promise<Conversion[]> {
    return this.#conversions.conversions(range);
  }

  /**
   * Time every store call, e.g. for a latency histogram (`sharelock/metrics` does). A request
   * answered from the verdict cache makes no store call, so it pays nothing. Returns a function that stops it.
   */
  timeStore(timer: StoreTimer): () => void {
    this.#storeTimers.add(timer);
    return () => void this.#storeTimers.delete(timer);
  }

  /**
   * Turn on the sharing dashboard (overview, accounts, actions), served by every adapter's
   * app-wide middleware at `path` (default `/admin/sharing`). Call it once, before mounting the
   * adapter. `authorize(req)` is required and receives the framework's request; whoever it does
   * not accept gets a 403. Throws `SHARELOCK_E_DASHBOARD_AUTHORIZE` without it.
   * @example guard.dashboard({ authorize: (req) => req.session.user?.role === 'admin' })
   */
  dashboard(options: DashboardOptions<Req>): Dashboard {
    return enableDashboard(this, options);
  }

  stats(): Stats {
    return { ...this.#stats, policies: { ...this.#stats.policies }, monitoredAccounts: this.#monitoredAccounts.size };
  }

  /** Stop timers and listeners; closes the store and senders only when sharelock created them. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopInvalidation?.();
    this.#cache.clear();
    this.#events.clear();
    await this.#conversions.settled(true);
    // After the last events: deliveries under way go back to the queue, timers stop.
    await this.#webhooks.close();
    if (this.#ownsStore) await this.config.store.close?.();
    if (this.outbox) return;
    await Promise.all(Object.values(this.config.senders).map((sender) => sender?.close?.()));
  }

  async #setDevice(accountId: string, deviceId: string, status: DeviceStatus, by: 'admin' | 'policy' = 'admin'): Promise<boolean> {
    const at = this.config.now();
    const device = await this.#store('setDeviceStatus', (store) => store.setDeviceStatus(accountId, deviceId, status, at));
    this.#cache.invalidate(accountId);
    // It stops counting in its groups' pools now, not at its next request (which may never come).
    if (status !== 'attached') await this.#releaseFromPools(deviceId, poolsCounting(device?.groups), at);
    if (device) this.#events.emit('device', { at, accountId, deviceId, status, by });
    publishDetached(this.#events, device, at, by);
    return device !== undefined;
  }

  async #setAccount(accountId: string, status: AccountStatus, why: { by: 'admin' | 'policy'; deviceId?: string; reasons?: Reason[] } = { by: 'admin' }): Promise<void> {
    await this.#store('setAccountStatus', (store) => store.setAccountStatus(accountId, status));
    this.#cache.invalidate(accountId);
    const store = this.#adminStore;
    if (store) this.#background('indexAccount', () => store.indexAccount(accountId, { status }));
    if (status === 'suspended') this.#events.publish('account.suspended', { at: this.config.now(), accountId, ...why });
  }

  /** Write a judged request's summary to the admin index, in the background (see `INDEX_COALESCE_MS`). */
  #indexJudged(accountId: string, input: AttachInput, snapshot: AttachResult['snapshot'], signals: readonly SignalResult[]): void {
    const store = this.#adminStore;
    if (!store) return;
    const summary = summarise(accountId, input.access.at, snapshot.devices, signals, input.limits.devices, snapshot.status);
    const { lastSeen, ...rest } = summary;
    // A 32-bit hash, not the JSON (200–400 bytes per account kept): a collision only delays a write by INDEX_COALESCE_MS.
    const fingerprint = fnv1a32(JSON.stringify(rest));
    const indexed = (this.#indexed ??= new LRUCache({ max: 10_000 }));
    const known = indexed.get(accountId);
    if (known && known.fingerprint === fingerprint && lastSeen >= known.at && lastSeen - known.at < INDEX_COALESCE_MS) return;
    indexed.set(accountId, { fingerprint, at: lastSeen });
    this.#background('indexAccount', () => store.indexAccount(accountId, summary, accountSortKeys(summary)), () => this.#indexed?.delete(accountId));
  }

  /** A challenge opened or changed status: the account's index entry shows it as its last challenge. */
  #indexChallenge(challenge: ChallengeRecord): void {
    const store = this.#adminStore;
    if (store) this.#background('indexAccount', () => store.indexAccount(challenge.accountId, { lastChallenge: lastChallengeOf(challenge) }));
  }

  /**
   * A store write nobody waits for (the admin index): bounded by `storeTimeoutMs`, and a failure is
   * logged once and changes no verdict. Not counted in `stats().storeFailures` (no request was affected).
   */
  #background(what: string, run: () => Promise<unknown>, failed?: () => void): void {
    void withTimeout(new Promise((resolve) => resolve(run())), this.config.storeTimeoutMs, `store.${what}()`).catch((error: unknown) => {
      failed?.();
      this.#backgroundFailed(what, 'A background admin-index write failed; decisions are not affected.', error);
    });
  }

  /** Logged once per kind of call, and not at all during an outage the decisions already logged. */
  #backgroundFailed(what: string, message: string, error: unknown): void {
    if (this.#storeDown || this.#closed) return;
    this.#once(`admin:${what}`, () => this.config.logger.error(`${message} (store.${what}(); further failures are not logged)`, error));
  }

  /** Attach the device to these group pools (`force` defaults to the input's). */
  #attachToPools(input: AttachInput, pools: PayingIdentity['pools'], force?: boolean): Promise<GroupUsage[]> {
    return attachToPools((w, run) => this.#store(w, run), input, pools, force);
  }

  /** Free a device's slots in these group pools (see `poolsCounting`). */
  #releaseFromPools(deviceId: string, groupIds: readonly string[], at: number): Promise<void> {
    return releaseFromPools((w, run) => this.#store(w, run), deviceId, groupIds, at);
  }

  /** The paying identity `identify()` returns, at once when it returns synchronously; `undefined` lets the request through (also when it fails). */
  #identify(appRequest: Req): MaybePromise<PayingIdentity | undefined> {
    try {
      const value = this.config.identify(appRequest);
      if (!isPromiseLike(value)) return checkIdentity(value);
      return Promise.resolve(value).then(checkIdentity).catch((error: unknown) => this.#identifyFailed(error));
    } catch (error) {
      return this.#identifyFailed(error);
    }
  }

  #identifyFailed(error: unknown): undefined {
    this.#stats.identifyFailures++;
    const code = error instanceof SharelockError ? error.code : 'identify() threw';
    this.#once(`identify:${code}`, () => this.config.logger.error(`Letting the request through: ${code === 'identify() threw' ? 'identify() threw' : (error as Error).message} (logged once).`, error));
    return undefined;
  }

  /** `fromEvent`: an ingested view, whose headers (often none) must not fix the type of the device's own requests. */
  async #attachInput(request: RequestLike, identity: PayingIdentity, deviceId: string, limits: AttachInput['limits'], locate: boolean, fromEvent = false): Promise<AttachInput> {
    const parsed = this.#agents.parse({
      userAgent: firstValue(request.headers['user-agent']),
      mobile: firstValue(request.headers['sec-ch-ua-mobile']),
      platform: firstValue(request.headers['sec-ch-ua-platform']),
      model: firstValue(request.headers['sec-ch-ua-model']),
      formFactors: firstValue(request.headers['sec-ch-ua-form-factors']),
    });
    const { agent } = parsed;
    const type = fromEvent ? parsed.type : this.#typeOf(deviceId, parsed);
    const ip = this.clientIp(request);
    const network = networkOf(ip);
    const now = this.config.now();
    const fromTrustedProxy = request.remoteAddress !== undefined && this.config.trustProxy(request.remoteAddress, 0);
    const location = locate && this.#geo.enabled ? await this.#geo.locate(ip, request.headers, fromTrustedProxy) : undefined;
    return {
      accountId: identity.id,
      deviceId,
      type,
      agent,
      access: {
        at: now,
        deviceId,
        ...(ip && this.config.recordIps ? { ip } : {}),
        ...(network ? { network } : {}),
        ...(location ? { location } : {}),
        ...(this.config.recordPages ? { page: request.path.slice(0, 512) } : {}),
      },
      ...(identity.metadata ? { metadata: identity.metadata } : {}),
      groups: identity.pools.map((p) => p.id),
      limits,
      inactiveBefore: now - this.config.inactiveAfterMs,
      historySize: this.config.historySize,
    };
  }

  /**
   * A device keeps the type Client Hints settled: hints come and go between its requests (only to
   * origins that asked, only on secure requests), and per-type limits and the concurrency signal
   * must not see it change. A type the hints settled replaces one they did not, once. Only hinted
   * types are remembered (a User-Agent alone gives the same type each time), so the memory grows
   * with Chromium devices only. Per process: another instance, or a restart, may type a device's
   * first request there without its hints.
   */
  #typeOf(deviceId: string, parsed: AgentInfo): DeviceType {
    const known = this.#types?.get(deviceId);
    if (known) return known;
    if (parsed.hinted) (this.#types ??= new LRUCache({ max: 50_000 })).set(deviceId, parsed.type);
    return parsed.type;
  }

  /**
   * The attached device this new one most likely is, after its cookies were cleared: the same
   * browser, OS and model, at the same or a newer version (browsers update themselves), in the same
   * home (the same network, the home's other IP family, or the household the old one was last used
   * in, see `sameHomeAs`), unused for an hour. Cookie clearing never buys a free slot this way: the
   * new device takes the old one's. If the old one comes back after all (two browser profiles, two
   * phones of one model), it is a device the account knows, so it attaches as itself: never
   * logged out, and never taking the new one's slot in turn.
   */
  #replacedBy(input: AttachInput, devices: readonly DeviceRecord[], profile: AccountProfile): DeviceRecord | undefined {
    const { network, at } = input.access;
    if (network === undefined) return undefined;
    return devices
      .filter((d) => d.status === 'attached' && d.id !== input.deviceId && sameBrowser(d, input) && sameHomeAs(profile, network, d))
      .filter((d) => at - d.lastSeen > REPLACE_AFTER_IDLE_MS)
      .sort((a, b) => a.lastSeen - b.lastSeen)[0];
  }

  async #saveProfile(accountId: string, profile: AccountProfile): Promise<void> {
    const store = this.config.store;
    if (!store.saveProfile) return;
    await this.#store('saveProfile', () => store.saveProfile!(accountId, profile)).catch(() => undefined);
  }

  #recordPolicies(accountId: string, deciding: Policy | undefined, monitored: Policy[]): void {
    for (const policy of deciding ? [deciding, ...monitored] : monitored) {
      this.#stats.policies[policy.name] = (this.#stats.policies[policy.name] ?? 0) + 1;
    }
    if (monitored.length > 0) {
      this.#stats.monitored++;
      if (this.#monitoredAccounts.size < 100_000) this.#monitoredAccounts.add(accountId);
    }
  }

  /** Record the access of a cached request in the background; anything but `attached` drops the cache. */
  async #touch(input: AttachInput): Promise<void> {
    try {
      const result = await this.#store('attach', (store) => store.attach(input));
      publishInactive(this.#events, result, input.access.at);
      if (result.outcome.kind !== 'attached' && result.outcome.kind !== 'excluded') this.#cache.invalidate(input.accountId);
    } catch {
      // Already counted and logged by #store; the next miss retries.
    }
  }

  /** Every store call: bounded by `storeTimeoutMs`, failures counted and logged once per outage. */
  async #store<T>(what: string, run: (store: Store) => Promise<T>): Promise<T> {
    const started = this.#storeTimers.size > 0 ? performance.now() : -1;
    try {
      const value = await withTimeout(run(this.config.store), this.config.storeTimeoutMs, `store.${what}()`);
      if (started >= 0) this.#timed(what, started, true);
      if (this.#storeDown) {
        this.#storeDown = false;
        this.config.logger.warn('The store answers again.');
      }
      return value;
    } catch (error) {
      this.#stats.storeFailures++;
      if (started >= 0) this.#timed(what, started, false);
      if (!this.#storeDown) {
        this.#storeDown = true;
        this.config.logger.error(`The store failed (store.${what}()); applying \`storeFailure\` until it recovers. Further failures are counted in stats(), not logged.`, error);
      }
      throw error;
    }
  }

  #timed(what: string, started: number, ok: boolean): void {
    const ms = performance.now() - started;
    for (const timer of this.#storeTimers) {
      try {
        timer(what, ms, ok);
      } catch (error) {
        this.#once('timeStore', () => this.config.logger.error('A timeStore() listener failed; the store call was not affected (logged once).', error));
      }
    }
  }

  #storeFailed(route: ResolvedRouteOptions): Verdict {
    const reasons: Reason[] = [{ check: 'store_unavailable', observed: 'error', threshold: route.storeFailure, message: 'The device store failed or timed out.' }];
    return route.storeFailure === 'allow' ? { kind: 'allow', reasons } : { kind: 'deny', status: 503, reasons };
  }

  #suspended(source: 'identify' | 'store'): Verdict {
    return { kind: 'suspended', url: this.config.urls.suspended, reasons: [{ check: 'account_suspended', observed: source, threshold: 'active' }] };
  }

  #count(decision: Decision): Decision {
    this.#stats[decision.verdict.kind]++;
    return decision;
  }

  /** A `Secure` cookie over plain http is dropped by browsers: every request would be a new device. */
  #warnInsecure(request: RequestLike, secure: boolean): void {
    if (secure && !request.https && !this.#warned.has('insecure')) {
      this.#once('insecure', () =>
        this.config.logger.warn(`Requests arrive over plain http (host ${JSON.stringify(firstValue(request.headers.host) ?? '')}) but the device cookie is Secure, so browsers will not send it back. Serve over HTTPS, set \`trustProxy\` so X-Forwarded-Proto is honoured, or set \`cookie.secure: false\` for a trusted local network.`),
      );
    }
  }

  /** What a judged request or event tells listeners: its `decision`, and `account.flagged` for a signal that fired. */
  #judged(accountId: string, input: AttachInput, verdict: Verdict): void {
    const { at, ip } = input.access;
    if (this.#events.has('decision')) this.#events.emit('decision', { at, accountId, deviceId: input.deviceId, verdict, ...(ip ? { ip } : {}) });
    this.#flags.publish(this.#events, accountId, input.deviceId, verdict, at, ip);
  }

  #conversionRecorded(conversion: Conversion): void {
    const { at, accountId, fromAccountId, deviceId, challengeId, reason, plan, revenue } = conversion;
    this.#events.publish('conversion.recorded', () => ({
      at, accountId, fromAccountId, deviceId,
      ...(challengeId !== undefined ? { challengeId } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(plan !== undefined ? { plan } : {}),
      ...(revenue !== undefined ? { revenue } : {}),
    }));
  }

  #once(key: string, log: () => void): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    log();
  }
}

/**
 * The verdict of a cached allow, and the decision for a free user: one shared, frozen object each,
 * not two new ones per request.
 */
const ALLOW: Verdict = Object.freeze({ kind: 'allow', reasons: Object.freeze([]) as unknown as Reason[] });
const FREE: Decision = Object.freeze({ verdict: ALLOW });

/** A device the account had never seen: the only kind a cleared cookie can be (see `#replacedBy`). */
function isNewDevice({ outcome, snapshot }: AttachResult, input: AttachInput): boolean {
  if (outcome.kind === 'over_limit') return !snapshot.devices.some((d) => d.id === input.deviceId);
  return outcome.kind === 'attached' && outcome.newlyAttached && snapshot.devices.find((d) => d.id === input.deviceId)?.firstSeen === input.access.at;
}

/** The route's limits under the account's own overrides. */
function limitsOf(route: ResolvedRouteOptions, identity: PayingIdentity): AttachInput['limits'] {
  return { ...route.limits, ...identity.limits };
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/** Create the sharelock core. Validates every option now; throws `SharelockError` with a stable code. */
export function createSharelock<Req = any, Res = any>(options: Options<Req, Res>): Sharelock<Req, Res> {
  return new Sharelock(options);
}
