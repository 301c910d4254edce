import type { Logger } from '../options.js';
import type { Clock } from '../time.js';
import { seconds } from '../time.js';
import { MemoryDeliveryQueue } from '../stores/deliveries/memory.js';
import type { Claimed, Delivery, DeliveryQueue } from '../stores/deliveries/queue.js';
import type { EventSink } from './emitter.js';
import type { EventType, SharelockEvent, WebhookMessage } from './types.js';
import type { ResolvedEndpoint, WebhookConfig } from './webhook-options.js';

/** A delivery that failed `webhooks.maxAttempts` times, as `guard.webhooks.deadLetters()` lists it. */
export interface DeadLetter {
  /** Pass it to `guard.webhooks.retry(id)`. */
  id: string;
  eventId: string;
  type: EventType;
  url: string;
  attempts: number;
  createdAt: number;
  failedAt: number;
  /** The receiver's last HTTP status, when it answered. */
  lastStatus?: number;
  /** Why the last attempt failed: `HTTP 500`, `ETIMEDOUT`, `ECONNREFUSED`, ... */
  lastError?: string;
  /** What was sent. */
  message: WebhookMessage;
}

/** Counters since start, for this process. */
export interface WebhookStats {
  /** Deliveries the receiver accepted (a 2xx answer). */
  delivered: number;
  /** Attempts that failed (non-2xx, timeout, connection error); each is retried or becomes a dead letter. */
  failedAttempts: number;
  deadLettered: number;
  inFlight: number;
  /** Deliveries this process holds because the queue refused them (e.g. Redis down); pushed again at the next poll. */
  waitingForQueue: number;
}

/** `guard.webhooks`: what the admin API reads and does. */
export interface Webhooks {
  /** Whether any endpoint is configured. */
  readonly enabled: boolean;
  /** Deliveries that failed `maxAttempts` times, most recent first. Default limit 100. */
  deadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  /** Send a dead letter again, now, with a fresh set of attempts. `false` when there is no such dead letter. */
  retry(id: string): Promise<boolean>;
  /** Deliveries waiting or in flight, in the queue (all processes, on Redis). */
  pending(): Promise<number>;
  /**
   * Attempt every delivery due now and wait for the attempts to end (failures are rescheduled as
   * usual). For tests, and for a best-effort drain before `close()` with the memory queue.
   */
  flush(): Promise<void>;
  stats(): WebhookStats;
}

const USER_AGENT = 'sharelock-webhooks (+https://www.standardwebhooks.com)';
/** Longest `close()` waits for queue writes and for aborted deliveries to hand their claim back. */
const CLOSE_WAIT_MS = seconds(2);
/** Deliveries kept in the process while the queue refuses them. */
const MAX_BACKLOG = 10_000;
const DELIVERY_ID = /^evt_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{12}$/;

interface InFlight {
  abort: AbortController;
  done: Promise<void>;
}

type Attempt = { ok: true } | { ok: false; status?: number; error: string };

/**
 * Sends published events to the webhook endpoints: each event is queued (never awaited by the
 * request that caused it), then a background worker claims due deliveries, POSTs them signed with
 * got (no got-level retry), and acks, reschedules with exponential back-off and jitter, or buries
 * them as dead letters. Its timers are `unref()`ed and stopped by `close()`.
 */
export class WebhookDispatcher implements Webhooks, EventSink {
  readonly enabled: boolean;
  readonly types: ReadonlySet<EventType>;
  readonly #config: WebhookConfig | undefined;
  readonly #queue: DeliveryQueue | undefined;
  /** Only this process adds to the queue: with nothing pending, there is nothing to poll for. */
  readonly #local: boolean;
  readonly #endpoints: ReadonlyMap<string, ResolvedEndpoint>;
  readonly #now: Clock;
  readonly #logger: Logger;
  /** A claim outlives the longest attempt, so only a crashed worker's claim lapses. */
  readonly #leaseMs: number;
  readonly #inflight = new Map<string, InFlight>();
  readonly #writes = new Set<Promise<void>>();
  readonly #stats = { delivered: 0, failedAttempts: 0, deadLettered: 0 };
  #backlog: Delivery[] = [];
  readonly #failing = new Set<string>();
  /** Keys of messages logged once (until their condition clears). */
  readonly #logged = new Set<string>();
  #queueDown = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #pumping: Promise<number> | undefined;
  #again = false;
  #closed = false;

  constructor(config: WebhookConfig | undefined, now: Clock, logger: Logger) {
    this.#config = config;
    this.enabled = config !== undefined;
    this.types = config?.types ?? new Set();
    this.#queue = config ? (config.queue ?? new MemoryDeliveryQueue()) : undefined;
    this.#local = config !== undefined && config.queue === undefined;
    this.#endpoints = new Map(config?.endpoints.map((e) => [e.key, e]));
    this.#now = now;
    this.#logger = logger;
    this.#leaseMs = (config?.timeoutMs ?? 0) + seconds(30);
    // Deliveries a previous run left in a durable queue go out without waiting for a new event.
    if (config) this.#schedule(0);
  }

  /** Queue one event for every endpoint that wants it. Returns at once; the request never waits. */
  publish(event: SharelockEvent): void {
    if (this.#closed || !this.#queue) return;
    const deliveries = this.#deliveries(event);
    if (deliveries.length === 0) return;
    const write = this.#queue.push(deliveries).then(
      () => {
        this.#queueAnswers();
        this.#schedule(0);
      },
      (error: unknown) => {
        this.#queueFailed('push', error);
        this.#keep(deliveries);
      },
    );
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  async deadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    if (!this.#queue) return [];
    const limit = Number.isFinite(options.limit) ? Math.min(Math.max(1, Math.trunc(options.limit!)), 1000) : 100;
    const letters = await this.#queue.deadLetters(limit);
    return letters.map((d) => ({
      id: d.id,
      eventId: d.eventId,
      type: d.type as EventType,
      url: d.url,
      attempts: d.attempts,
      createdAt: d.createdAt,
      failedAt: d.failedAt ?? d.lastAttemptAt ?? d.createdAt,
      ...(d.lastStatus !== undefined ? { lastStatus: d.lastStatus } : {}),
      ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
      message: JSON.parse(d.payload) as WebhookMessage,
    }));
  }

  async retry(id: string): Promise<boolean> {
    if (!this.#queue || typeof id !== 'string' || !DELIVERY_ID.test(id)) return false;
    const revived = await this.#queue.revive(id, this.#now());
    if (revived) this.#schedule(0);
    return revived;
  }

  async pending(): Promise<number> {
    return this.#queue ? this.#queue.size() : 0;
  }

  async flush(): Promise<void> {
    if (!this.#queue) return;
    await Promise.all(this.#writes);
    while (!this.#closed) {
      // A pass already under way may have looked before the last wake-up: let it end, then run one.
      if (this.#pumping) await this.#pumping;
      const claimed = await this.#pump();
      const running = [...this.#inflight.values()].map((f) => f.done);
      if (claimed === 0 && running.length === 0) return;
      await Promise.all(running);
    }
  }

  stats(): WebhookStats {
    return { ...this.#stats, inFlight: this.#inflight.size, waitingForQueue: this.#backlog.length };
  }

  /**
   * Stop the worker: queue writes already under way finish, deliveries in flight are aborted and
   * handed back to the queue (due now, for the next process), no timer is left. The queue itself
   * (and its Redis client) stays open: it is the app's.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await bounded(Promise.all(this.#writes), CLOSE_WAIT_MS);
    for (const flight of this.#inflight.values()) flight.abort.abort();
    await bounded(Promise.all([this.#pumping, ...[...this.#inflight.values()].map((f) => f.done)]), CLOSE_WAIT_MS);
    if (this.#backlog.length > 0) {
      this.#logger.error(`${this.#backlog.length} webhook deliveries could not be queued before close() and are lost.`);
      this.#backlog = [];
    }
  }

  #deliveries(event: SharelockEvent): Delivery[] {
    const { id, type, ...data } = event;
    let payload: string | undefined;
    const now = this.#now();
    const deliveries: Delivery[] = [];
    for (const endpoint of this.#endpoints.values()) {
      if (endpoint.events && !endpoint.events.has(type)) continue;
      payload ??= JSON.stringify({ id, type, timestamp: new Date(event.at).toISOString(), data });
      deliveries.push({ id: `${id}.${endpoint.key}`, eventId: id, type, endpoint: endpoint.key, url: endpoint.url, payload, attempts: 0, createdAt: now, dueAt: now });
    }
    return deliveries;
  }

  /** Run the worker soon: at once for new deliveries, or when the next one is due. */
  #schedule(delayMs: number): void {
    if (this.#closed) return;
    const at = Date.now() + delayMs;
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      void this.#pump();
    }, delayMs);
    this.#timer.unref();
  }

  /** Claim due deliveries into free slots and start them; resolves with how many were claimed. */
  #pump(): Promise<number> {
    if (this.#pumping) {
      this.#again = true;
      return this.#pumping;
    }
    const pumping = this.#claimDue().finally(() => {
      this.#pumping = undefined;
      // Woken after this pass last looked: look again.
      if (this.#again) {
        this.#again = false;
        this.#schedule(0);
      }
    });
    this.#pumping = pumping;
    return pumping;
  }

  async #claimDue(): Promise<number> {
    const queue = this.#queue!;
    const config = this.#config!;
    let claimed = 0;
    try {
      await this.#pushBacklog();
      do {
        this.#again = false;
        const free = config.concurrency - this.#inflight.size;
        if (free <= 0 || this.#closed) break;
        const batch = await queue.claim(this.#now(), free, this.#leaseMs);
        this.#queueAnswers();
        for (const item of batch) {
          // Claimed while close() ran: hand it straight back.
          if (this.#closed) void queue.reschedule(item.delivery, item.lease).catch(() => undefined);
          else this.#start(item);
        }
        claimed += batch.length;
        if (batch.length === free) this.#again = true;
      } while (this.#again && !this.#closed);
      if (this.#inflight.size >= config.concurrency) {
        this.#schedule(config.pollIntervalMs);
      } else {
        const next = await queue.nextDueAt();
        if (next !== undefined) this.#schedule(Math.min(Math.max(0, next - this.#now()), config.pollIntervalMs));
        else if (!this.#local) this.#schedule(config.pollIntervalMs);
      }
    } catch (error) {
      this.#queueFailed('claim', error);
      this.#schedule(config.pollIntervalMs);
    }
    return claimed;
  }

  #start(item: Claimed): void {
    const abort = new AbortController();
    const done = this.#deliver(item, abort.signal)
      .catch((error: unknown) => this.#queueFailed('update', error))
      .finally(() => {
        this.#inflight.delete(item.delivery.id);
        if (!this.#closed) void this.#pump();
      });
    this.#inflight.set(item.delivery.id, { abort, done });
  }

  async #deliver({ delivery, lease }: Claimed, signal: AbortSignal): Promise<void> {
    const queue = this.#queue!;
    const config = this.#config!;
    const endpoint = this.#endpoints.get(delivery.endpoint);
    if (!endpoint) {
      // Another server (or this one's next version) may know it: during a rolling deploy, or with
      // several apps on one Redis. Leave it for them, attempts unchanged; never a dead letter here.
      this.#once(`unknown:${delivery.endpoint}`, () => this.#logger.warn(`A queued webhook is for an endpoint this process does not have (${originOf(delivery.url)}); left for a process that has it. Give each app its own queue prefix. Logged once.`));
      await queue.reschedule({ ...delivery, dueAt: this.#now() + this.#config!.pollIntervalMs }, lease);
      return;
    }
    const result: Attempt = await this.#send(endpoint, delivery, signal);
    if (signal.aborted) {
      // Closing: the next process (or this one's next start) sends it, due now, attempts unchanged.
      await queue.reschedule({ ...delivery, dueAt: this.#now() }, lease);
      return;
    }
    const at = this.#now();
    if (result.ok) {
      await queue.ack(delivery.id);
      this.#stats.delivered++;
      this.#answers(endpoint);
      return;
    }
    this.#stats.failedAttempts++;
    const { lastStatus: _status, lastError: _error, ...rest } = delivery;
    const failed: Delivery = { ...rest, attempts: delivery.attempts + 1, lastAttemptAt: at, lastError: result.error, ...(result.status !== undefined ? { lastStatus: result.status } : {}) };
    this.#fails(delivery.url, result.error);
    if (failed.attempts >= config.maxAttempts) {
      await queue.bury({ ...failed, failedAt: at }, lease);
      this.#stats.deadLettered++;
      this.#once(`dead:${delivery.endpoint}`, () =>
        this.#logger.error(`A webhook to ${originOf(delivery.url)} failed ${failed.attempts} times (${result.error}) and is now a dead letter: see guard.webhooks.deadLetters(), retry with guard.webhooks.retry(id). Logged once until the endpoint recovers.`),
      );
      return;
    }
    await queue.reschedule({ ...failed, dueAt: at + this.#backoff(failed.attempts) }, lease);
  }

  async #send(endpoint: ResolvedEndpoint, delivery: Delivery, signal: AbortSignal): Promise<Attempt> {
    // The wall clock, not the injectable one: receivers check it against theirs (5 minutes' tolerance).
    const timestamp = new Date();
    const signature = endpoint.signers.map((signer) => signer.sign(delivery.eventId, timestamp, delivery.payload)).join(' ');
    try {
      const got = await loadGot();
      const response = await got.post(endpoint.url, {
        body: delivery.payload,
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        timeout: { request: this.#config!.timeoutMs },
        retry: { limit: 0 },
        throwHttpErrors: false,
        followRedirect: false,
        signal,
      });
      if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true };
      return { ok: false, status: response.statusCode, error: `HTTP ${response.statusCode}` };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return { ok: false, error: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) };
    }
  }

  /** Exponential back-off with jitter: `retryDelayMs × 2^(n-1)`, capped, of which a random half. */
  #backoff(attempts: number): number {
    const { retryDelayMs, maxRetryDelayMs } = this.#config!;
    const ceiling = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempts - 1, 40));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  #keep(deliveries: Delivery[]): void {
    this.#backlog.push(...deliveries);
    if (this.#backlog.length > MAX_BACKLOG) {
      const lost = this.#backlog.length - MAX_BACKLOG;
      this.#backlog = this.#backlog.slice(lost);
      this.#once('backlog', () => this.#logger.error(`The webhook queue has refused deliveries for a while; ${lost} were dropped (at most ${MAX_BACKLOG} are held in the process). Logged once.`));
    }
    this.#schedule(this.#config!.pollIntervalMs);
  }

  async #pushBacklog(): Promise<void> {
    if (this.#backlog.length === 0) return;
    const held = this.#backlog;
    this.#backlog = [];
    try {
      await this.#queue!.push(held);
    } catch (error) {
      this.#backlog = [...held, ...this.#backlog];
      throw error;
    }
  }

  #queueFailed(what: string, error: unknown): void {
    if (this.#queueDown) return;
    this.#queueDown = true;
    this.#logger.error(`The webhook delivery queue failed (${what}); deliveries wait and are retried until it answers. Logged once per outage.`, error);
  }

  #queueAnswers(): void {
    if (!this.#queueDown) return;
    this.#queueDown = false;
    this.#logger.warn('The webhook delivery queue answers again.');
  }

  #fails(url: string, error: string): void {
    if (this.#failing.has(url)) return;
    this.#failing.add(url);
    this.#logger.warn(`Webhook deliveries to ${originOf(url)} fail (${error}); retrying with back-off. Logged once until it recovers.`);
  }

  #answers(endpoint: ResolvedEndpoint): void {
    this.#logged.delete(`dead:${endpoint.key}`);
    if (!this.#failing.delete(endpoint.url)) return;
    this.#logger.warn(`Webhook endpoint ${originOf(endpoint.url)} answers again.`);
  }

  #once(key: string, log: () => void): void {
    if (this.#logged.has(key)) return;
    this.#logged.add(key);
    log();
  }
}

let gotModule: Promise<typeof import('got').default> | undefined;
/** got is loaded on the first delivery: apps without webhooks never pay for it. */
function loadGot(): Promise<typeof import('got').default> {
  gotModule ??= import('got').then((m) => m.default);
  return gotModule;
}

/** Wait for `promise`, at most `ms`; never rejects. */
async function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([promise.then(() => undefined, () => undefined), timeout]);
  clearTimeout(timer);
}

/** Where a webhook goes, without the path or query that may carry a token. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}
