import { isIP } from 'node:net';
import type { Identity } from '../model.js';
import { MAX_ID_LENGTH } from '../identify.js';

/**
 * A Segment-spec event as a pipeline sends it (Segment, RudderStack, Jitsu): the fields sharelock
 * reads, any others kept as sent. https://segment.com/docs/connections/spec/common/
 */
export interface SegmentEvent {
  type?: string;
  userId?: string | number | null;
  anonymousId?: string | number | null;
  messageId?: string;
  /** When it happened: set by the sender, or by the pipeline after correcting the device's clock. */
  timestamp?: string;
  /** When it happened, by the device's clock (RudderStack; Segment after a pipeline). */
  originalTimestamp?: string;
  /** When the device sent it, by the same clock: the skew against ours is corrected with it. */
  sentAt?: string;
  /** Set by a pipeline that already corrected `timestamp` (e.g. a Segment webhook destination). */
  receivedAt?: string;
  /** The screen's name (`screen`), the page's name (`page`). */
  name?: string;
  properties?: Record<string, unknown>;
  /** `identify` events: who the user is, e.g. `{ email, phone }`. */
  traits?: Record<string, unknown>;
  context?: SegmentContext;
  [field: string]: unknown;
}

export interface SegmentContext {
  ip?: string;
  userAgent?: string;
  /** What browsers tell of themselves besides the User-Agent (Client Hints). */
  userAgentData?: { mobile?: boolean; platform?: string; model?: string; [field: string]: unknown };
  traits?: Record<string, unknown>;
  page?: { url?: string; path?: string; [field: string]: unknown };
  /** Mobile SDKs: `id` is the install's device id; a sharelock device cookie value here names that cookie's device. */
  device?: { id?: string; manufacturer?: string; model?: string; name?: string; type?: string; [field: string]: unknown };
  os?: { name?: string; version?: string; [field: string]: unknown };
  app?: { name?: string; version?: string; build?: string; [field: string]: unknown };
  library?: { name?: string; version?: string; [field: string]: unknown };
  locale?: string;
  timezone?: string;
  /** The app's own device metadata, kept on the device record (bounded). */
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The event types sharelock uses; `track`, `group` and `alias` are accepted and ignored. */
export type IngestType = 'page' | 'screen' | 'identify';
export const INGEST_TYPES: ReadonlySet<string> = new Set<IngestType>(['page', 'screen', 'identify']);
export const IGNORED_TYPES: ReadonlySet<string> = new Set(['track', 'group', 'alias']);

/** Segment refuses a single event above 32 KB; so does sharelock. */
export const MAX_EVENT_BYTES = 32 * 1024;
const MAX_TIMESTAMP_LENGTH = 64;
const MAX_UA_LENGTH = 1024;

/** An event that passed the checks: its type known, its fields of the right kinds. */
export interface CheckedEvent {
  type: IngestType;
  event: SegmentEvent;
  messageId?: string;
}

export type EventCheck =
  | { ok: true; value: CheckedEvent }
  | { ok: true; ignored: 'type_not_used'; type: string; messageId?: string }
  | { ok: false; error: 'invalid_event' | 'event_too_large'; message: string; messageId?: string };

/**
 * Check one event's shape. Only what sharelock reads must be well-formed: a wrong kind there
 * rejects the event (with the field named), anything else is left alone.
 */
export function checkEvent(value: unknown, impliedType?: string): EventCheck {
  if (!isObject(value)) return invalid('An event is a JSON object.');
  const event = value as SegmentEvent;
  const messageId = typeof event.messageId === 'string' && event.messageId.length <= MAX_ID_LENGTH ? event.messageId : undefined;
  const fail = (message: string): EventCheck => ({ ...invalid(message), ...(messageId !== undefined ? { messageId } : {}) });
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(event));
  } catch {
    return fail('The event cannot be serialised.');
  }
  if (size > MAX_EVENT_BYTES) return { ok: false, error: 'event_too_large', message: `The event is ${size} bytes; at most ${MAX_EVENT_BYTES} are accepted (Segment's limit).`, ...(messageId !== undefined ? { messageId } : {}) };

  const type = event.type ?? impliedType;
  if (impliedType !== undefined && event.type !== undefined && event.type !== impliedType) return fail(`\`type\` is ${JSON.stringify(event.type)} on the /v1/${impliedType} endpoint.`);
  if (typeof type !== 'string') return fail('`type` is missing: one of page, screen, identify (track, group and alias are ignored).');
  if (IGNORED_TYPES.has(type)) return { ok: true, ignored: 'type_not_used', type, ...(messageId !== undefined ? { messageId } : {}) };
  if (!INGEST_TYPES.has(type)) return fail(`Unknown \`type\` ${JSON.stringify(type.slice(0, 40))}: use page, screen or identify.`);
  if (event.messageId !== undefined && messageId === undefined) return fail(`\`messageId\` must be a string of at most ${MAX_ID_LENGTH} characters.`);

  for (const field of ['userId', 'anonymousId'] as const) {
    const id = event[field];
    if (id === undefined || id === null) continue;
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id).length > MAX_ID_LENGTH) return fail(`\`${field}\` must be a string of at most ${MAX_ID_LENGTH} characters.`);
  }
  for (const field of ['timestamp', 'originalTimestamp', 'sentAt', 'receivedAt'] as const) {
    const time = event[field];
    if (time === undefined || time === null) continue;
    if (typeof time !== 'string' || time.length > MAX_TIMESTAMP_LENGTH || !Number.isFinite(Date.parse(time))) return fail(`\`${field}\` must be an ISO-8601 date, e.g. "2024-05-01T12:00:00.000Z".`);
  }
  for (const field of ['properties', 'traits', 'context'] as const) {
    if (event[field] !== undefined && event[field] !== null && !isObject(event[field])) return fail(`\`${field}\` must be an object.`);
  }
  const context = event.context ?? {};
  if (context.ip !== undefined && context.ip !== null && (typeof context.ip !== 'string' || context.ip.length > 64 || isIP(context.ip.replace(/%.*$/, '')) === 0)) {
    return fail('`context.ip` must be an IPv4 or IPv6 address.');
  }
  if (context.userAgent !== undefined && context.userAgent !== null && (typeof context.userAgent !== 'string' || context.userAgent.length > MAX_UA_LENGTH)) {
    return fail(`\`context.userAgent\` must be a string of at most ${MAX_UA_LENGTH} characters.`);
  }
  for (const field of ['traits', 'page', 'device', 'os', 'app', 'library', 'userAgentData', 'metadata'] as const) {
    if (context[field] !== undefined && context[field] !== null && !isObject(context[field])) return fail(`\`context.${field}\` must be an object.`);
  }
  return { ok: true, value: { type: type as IngestType, event, ...(messageId !== undefined ? { messageId } : {}) } };
}

/** Who an event's user is: the same `Identity` as `identify(req)`, from the event. Sync or async. */
export type IngestIdentify = (event: SegmentEvent) => Identity | null | undefined | false | Promise<Identity | null | undefined | false>;

/**
 * The default `ingest.identify`: every `userId` is a paying account, with email and phone from the
 * event's traits. No `metadata`: what an identity's metadata says, policies match on, and an
 * event's own fields must not steer them (its device metadata goes to the device record only).
 */
export function defaultIngestIdentify(event: SegmentEvent): Identity | null {
  const id = userIdOf(event);
  if (id === undefined) return null;
  return { id, ...contactsOf(event) };
}

/** The account an event names: its `userId` as a string, or `undefined` for an anonymous one. */
export function userIdOf(event: SegmentEvent): string | undefined {
  const id = event.userId;
  if (id === undefined || id === null || id === '') return undefined;
  return String(id);
}

/** Email and phone the event tells: `traits` (identify) over `context.traits`. Strings only. */
export function contactsOf(event: SegmentEvent): { email?: string; phone?: string } {
  const traits = { ...(isObject(event.context?.traits) ? event.context.traits : {}), ...(isObject(event.traits) ? event.traits : {}) };
  const out: { email?: string; phone?: string } = {};
  for (const key of ['email', 'phone'] as const) {
    const value = traits[key];
    if (typeof value === 'string' && value.trim().length > 0 && value.length <= 320) out[key] = value.trim();
  }
  return out;
}

const MAX_METADATA_KEYS = 24;
const MAX_METADATA_VALUE = 256;

/**
 * Device metadata from the event, bounded (at most 24 keys, scalars only, strings of 256
 * characters): what the SDK says of the device (`anonymousId`, `context.device`, `os`, `app`,
 * `library`, locale, timezone), then the app's own `context.metadata` / `properties.metadata`
 * (keys of 64 characters) in the room left, never replacing the SDK's.
 */
export function metadataOf(event: SegmentEvent): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const put = (key: string, value: unknown) => {
    if (Object.keys(out).length >= MAX_METADATA_KEYS && !Object.hasOwn(out, key)) return;
    if (typeof value === 'string' && value.length > 0) out[key] = value.slice(0, MAX_METADATA_VALUE);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') out[key] = value;
  };
  const context = event.context ?? {};
  const sdk: Record<string, unknown> = {
    anonymousId: event.anonymousId === undefined || event.anonymousId === null ? undefined : String(event.anonymousId),
    deviceManufacturer: context.device?.manufacturer,
    deviceModel: context.device?.model,
    deviceName: context.device?.name,
    osName: context.os?.name,
    osVersion: context.os?.version,
    appName: context.app?.name,
    appVersion: context.app?.version,
    appBuild: context.app?.build,
    library: typeof context.library?.name === 'string' ? `${context.library.name}${typeof context.library.version === 'string' ? ` ${context.library.version}` : ''}` : undefined,
    locale: context.locale,
    timezone: context.timezone,
  };
  for (const [key, value] of Object.entries(sdk)) put(key, value);
  // The app's own keys fill the room left, never replacing what the SDK says.
  for (const own of [event.properties?.metadata, context.metadata]) {
    if (!isObject(own)) continue;
    for (const [key, value] of Object.entries(own)) if (key.length <= 64 && key !== '__proto__' && !Object.hasOwn(sdk, key)) put(key, value);
  }
  return out;
}

/** The page path to record: `properties.path`, else the path of `properties.url`, `context.page.path` or `context.page.url`; a screen's `name`. */
export function pageOf(checked: CheckedEvent): string | undefined {
  const { event } = checked;
  if (checked.type === 'screen') return typeof event.name === 'string' && event.name.length > 0 ? event.name.slice(0, 512) : undefined;
  const candidates = [event.properties?.path, pathOf(event.properties?.url), event.context?.page?.path, pathOf(event.context?.page?.url)];
  const path = candidates.find((p): p is string => typeof p === 'string' && p.startsWith('/'));
  // The path only: a query string may carry tokens or personal data.
  return path?.split(/[?#]/, 1)[0]!.slice(0, 512);
}

function pathOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > 4096) return undefined;
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function invalid(message: string): { ok: false; error: 'invalid_event'; message: string } {
  return { ok: false, error: 'invalid_event', message };
}
