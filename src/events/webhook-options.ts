import { createHash } from 'node:crypto';
import type { Webhook } from 'standardwebhooks';
import { checkKeys, invalid, wholeNumber } from '../options.js';
import { hours, minutes, seconds } from '../time.js';
import type { DeliveryQueue } from '../stores/deliveries/queue.js';
import { webhookSigner } from './signature.js';
import { EVENT_TYPES, type EventType } from './types.js';

export interface WebhookEndpoint {
  /** Where events are POSTed: an absolute `https://` (or `http://`) URL. */
  url: string;
  /**
   * The signing secret: `whsec_` + base64 (the Standard Webhooks form) or any other string of 24
   * to 64 bytes, used as is. A list rotates secrets: every delivery is signed with each, so a
   * receiver holding either verifies.
   */
  secret: string | string[];
  /** The event types sent to this endpoint. Default: all of them. */
  events?: EventType[];
}

/** Signed webhooks (Standard Webhooks), sent in the background and retried with back-off. */
export interface WebhookOptions {
  /** Where to send events; at most 20 endpoints, each URL once. */
  endpoints: WebhookEndpoint[];
  /** Longest one attempt waits for the receiver's answer. Default 10 s. */
  timeoutMs?: number;
  /** Attempts, the first included, before a delivery becomes a dead letter (`guard.webhooks.deadLetters()`). Default 15. */
  maxAttempts?: number;
  /**
   * Delay before the first retry; it doubles with each attempt, up to `maxRetryDelayMs`, and a
   * random half of it is jitter. Default 10 s: with the defaults, 15 attempts spread over 12 to 23 hours.
   */
  retryDelayMs?: number;
  /** Longest delay between two attempts. Default 6 hours. */
  maxRetryDelayMs?: number;
  /** Deliveries in flight at once, per process. Default 4. */
  concurrency?: number;
  /** How often the worker looks for deliveries due that it was not told about (queued by another process, a lapsed claim). Default 5 s. */
  pollIntervalMs?: number;
  /**
   * Where pending deliveries wait. Default: a `MemoryDeliveryQueue` (lost when the process stops).
   * A `RedisDeliveryQueue` keeps them across restarts and shares them between app servers.
   */
  queue?: DeliveryQueue;
}

export interface ResolvedEndpoint {
  /** A hash of the URL: deliveries name their endpoint by it, so a restart with the same URL finds it. */
  key: string;
  url: string;
  signers: readonly Webhook[];
  /** `undefined`: every type. */
  events: ReadonlySet<EventType> | undefined;
}

export interface WebhookConfig {
  endpoints: readonly ResolvedEndpoint[];
  /** Every type at least one endpoint wants. */
  types: ReadonlySet<EventType>;
  timeoutMs: number;
  maxAttempts: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  concurrency: number;
  pollIntervalMs: number;
  /** `undefined`: sharelock creates a memory queue. */
  queue: DeliveryQueue | undefined;
}

const WEBHOOK_KEYS: { [K in keyof Required<WebhookOptions>]: true } = {
  endpoints: true, timeoutMs: true, maxAttempts: true, retryDelayMs: true, maxRetryDelayMs: true, concurrency: true, pollIntervalMs: true, queue: true,
};
const ENDPOINT_KEYS: { [K in keyof Required<WebhookEndpoint>]: true } = { url: true, secret: true, events: true };
const QUEUE_METHODS = ['push', 'claim', 'ack', 'reschedule', 'bury', 'deadLetters', 'revive', 'size', 'nextDueAt'] as const;
const MAX_ENDPOINTS = 20;
const SECRET_FIX = 'Use the `whsec_...` secret your receiver shows, or generate one: `echo whsec_$(openssl rand -base64 32)`.';

/** The endpoint key of a URL: stable across restarts, so queued deliveries find their endpoint. */
function endpointKey(url: string): string {
  return createHash('sha256').update(url).digest('base64url').slice(0, 12);
}

/** Validate the `webhooks` option; `undefined` when there is none. */
export function resolveWebhooks(value: unknown): WebhookConfig | undefined {
  if (value === undefined) return undefined;
  const raw = checkKeys('webhooks', value, WEBHOOK_KEYS);
  const list = raw.endpoints;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ENDPOINTS) {
    throw invalid('webhooks.endpoints', list, `List 1 to ${MAX_ENDPOINTS} endpoints, e.g. [{ url: 'https://example.com/webhooks/sharelock', secret: process.env.SHARELOCK_WEBHOOK_SECRET }].`);
  }
  const seen = new Set<string>();
  const endpoints = list.map((entry, i) => {
    const option = `webhooks.endpoints[${i}]`;
    const endpoint = checkKeys(option, entry, ENDPOINT_KEYS);
    const url = endpointUrl(`${option}.url`, endpoint.url);
    if (seen.has(url)) throw invalid(`${option}.url`, endpoint.url, 'Each URL once: one endpoint receives each event once.');
    seen.add(url);
    const secrets = endpoint.secret;
    const given = Array.isArray(secrets) ? secrets : [secrets];
    if (given.length === 0) throw invalid(`${option}.secret`, secrets, SECRET_FIX);
    const signers = given.map((secret, j) => {
      const name = Array.isArray(secrets) ? `${option}.secret[${j}]` : `${option}.secret`;
      try {
        return webhookSigner(secret as string);
      } catch (error) {
        // The secret itself is never echoed.
        throw invalid(name, typeof secret === 'string' ? `[${secret.length} characters]` : secret, `${(error as Error).message} ${SECRET_FIX}`);
      }
    });
    return Object.freeze({ key: endpointKey(url), url, signers: Object.freeze(signers), events: eventTypes(`${option}.events`, endpoint.events) });
  });
  const timeoutMs = wholeNumber('webhooks.timeoutMs', raw.timeoutMs, seconds(10), 1, minutes(2));
  const retryDelayMs = wholeNumber('webhooks.retryDelayMs', raw.retryDelayMs, seconds(10), 1, hours(24));
  const maxRetryDelayMs = wholeNumber('webhooks.maxRetryDelayMs', raw.maxRetryDelayMs, Math.max(hours(6), retryDelayMs), 1, hours(72));
  if (maxRetryDelayMs < retryDelayMs) throw invalid('webhooks.maxRetryDelayMs', maxRetryDelayMs, `It must be at least \`webhooks.retryDelayMs\` (${retryDelayMs} ms).`);
  const queue = raw.queue;
  if (queue !== undefined && (queue === null || typeof queue !== 'object' || QUEUE_METHODS.some((m) => typeof (queue as Record<string, unknown>)[m] !== 'function'))) {
    const missing = queue && typeof queue === 'object' ? QUEUE_METHODS.find((m) => typeof (queue as Record<string, unknown>)[m] !== 'function') : undefined;
    throw invalid('webhooks.queue', queue, `Pass a DeliveryQueue, e.g. \`new RedisDeliveryQueue({ client })\`${missing ? ` (\`${missing}\` is missing)` : ''}.`);
  }
  const types = new Set<EventType>();
  for (const endpoint of endpoints) for (const type of endpoint.events ?? EVENT_TYPES) types.add(type);
  return Object.freeze({
    endpoints: Object.freeze(endpoints),
    types,
    timeoutMs,
    maxAttempts: wholeNumber('webhooks.maxAttempts', raw.maxAttempts, 15, 1, 100),
    retryDelayMs,
    maxRetryDelayMs,
    concurrency: wholeNumber('webhooks.concurrency', raw.concurrency, 4, 1, 100),
    pollIntervalMs: wholeNumber('webhooks.pollIntervalMs', raw.pollIntervalMs, seconds(5), 10, hours(1)),
    queue: queue as DeliveryQueue | undefined,
  });
}

function endpointUrl(option: string, value: unknown): string {
  const fix = "Use an absolute http(s) URL, e.g. 'https://example.com/webhooks/sharelock'.";
  if (typeof value !== 'string') throw invalid(option, value, fix);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(option, value, fix);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(option, value, fix);
  if (url.username || url.password) throw invalid(option, '[a URL with credentials]', 'Leave credentials out of the URL: deliveries are authenticated by their signature.');
  return url.href;
}

function eventTypes(option: string, value: unknown): ReadonlySet<EventType> | undefined {
  if (value === undefined) return undefined;
  const known = new Set<string>(EVENT_TYPES);
  if (!Array.isArray(value) || value.length === 0) throw invalid(option, value, `List the event types to send, e.g. ['device.detached', 'conversion.recorded']. Known: ${EVENT_TYPES.join(', ')}.`);
  for (const type of value) {
    if (typeof type !== 'string' || !known.has(type)) throw invalid(option, type, `Known event types: ${EVENT_TYPES.join(', ')}.`);
  }
  return new Set(value as EventType[]);
}
