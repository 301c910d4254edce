import { LRUCache } from 'lru-cache';
import { checkIdentity, type PayingIdentity } from '../identify.js';
import type { Agent, ChallengeKind, DeviceType, Reason } from '../model.js';
import type { Verdict, VerdictKind } from '../verdict.js';
import { agentHeadersOf, agentOfContext, deviceOfEvent, type EventDevice } from './device.js';
import { checkEvent, metadataOf, pageOf, userIdOf, type CheckedEvent, type IngestIdentify, type SegmentEvent } from './event.js';
import { eventTime, type TimeBounds } from './time.js';

/** Events in one request or one `ingest()` call. */
export const MAX_EVENTS = 2500;
/** Accounts whose contacts, and event ids, are remembered (per process). */
const MAX_REMEMBERED = 100_000;
/** Accounts (and the app's `ingest.identify`) worked on at once; each account's events go in order. */
const CONCURRENCY = 8;
/**
 * The challenge id of a verdict for a cookie's device: its own next request opens the challenge,
 * with the app's `identify()` (see `Sharelock.ingest()`).
 */
export const OPENS_ON_NEXT_REQUEST = '';

/** A page or screen view on its way to the decision path. */
export interface IngestedAccess {
  event: SegmentEvent;
  /** When it happened, by our clock (corrected, see `eventTime`). */
  at: number;
  device: EventDevice;
  /** The path (or screen name) to record, when `recordPages` is on. */
  page?: string;
  /** Headers a browser would have sent: `user-agent` and Client Hints from the context. */
  headers: Record<string, string>;
  /** The device's type and agent from `context.os` / `context.device`, when there is no User-Agent. */
  agent?: { type: DeviceType; agent: Agent };
  /** `context.ip`. */
  ip?: string;
  /** Device metadata from the event (bounded, see `metadataOf`): kept on the device record, never matched by policies. */
  metadata: Record<string, string | number | boolean>;
}

/** What the ingestor needs of the core. */
export interface IngestCore {
  now(): number;
  bounds: TimeBounds;
  identify: IngestIdentify;
  /** The device id in a sharelock device cookie value, when its signature holds. */
  verifyCookie(value: string): string | undefined;
  /** One view through the core's decision path. Never throws for a broken store (its verdict says so). */
  decide(access: IngestedAccess, identity: PayingIdentity): Promise<Verdict>;
  logOnce(key: string, message: string, error?: unknown): void;
}

interface Base {
  /** The event's position in the request (`batch` order). */
  index: number;
  type?: string;
  messageId?: string;
}

/** What became of one event. `failed` is worth sending again (the whole request answers 503); nothing else is. */
export type IngestResult =
  | (Base & {
      /** Attached (or refused) and recorded through the decision path, like a request. */
      status: 'recorded';
      accountId: string;
      deviceId: string;
      /** `true` when `deviceId` is a sharelock cookie's device, named by the cookie's value in `context.device.id`. */
      cookieDevice: boolean;
      /** When it happened, corrected for the sender's clock. */
      at: string;
      verdict: VerdictKind;
      reasons: Reason[];
      /**
       * With a `challenge` verdict: the challenge opened for this device (`id`, `url`), or, for a
       * cookie's device, `opensOn: 'next_request'`: its next protected request opens it.
       */
      challenge?: { kind: ChallengeKind; id?: string; url?: string; opensOn?: 'next_request' };
    })
  | (Base & { status: 'learned'; accountId: string; learned: Array<'email' | 'phone'> })
  | (Base & { status: 'ignored'; reason: 'type_not_used' | 'anonymous' | 'not_paying' | 'nothing_to_learn'; accountId?: string })
  | (Base & { status: 'duplicate'; accountId: string })
  | (Base & { status: 'rejected'; error: 'invalid_event' | 'event_too_large' | 'too_old' | 'in_future' | 'no_device'; message: string })
  | (Base & { status: 'failed'; error: 'store_unavailable' | 'identify_failed'; message: string; accountId?: string });

export type IngestStatus = IngestResult['status'];

export interface IngestReport {
  /** How many events ended in each status. */
  counts: Record<IngestStatus, number>;
  /** One per event, in the request's order. */
  results: IngestResult[];
  /** Set when the body itself is unusable: nothing in it was read or written. */
  error?: { code: 'invalid_body' | 'too_many_events'; message: string };
}

export interface IngestCall {
  /** The event type of a single event posted to `/v1/{type}`: fills in a missing `type`, refuses another. */
  type?: string;
}

interface Pending {
  index: number;
  checked: CheckedEvent;
  at: number;
  device?: EventDevice;
  identity?: PayingIdentity;
}

/**
 * Segment-spec ingestion: checks every event before writing anything, asks the app who each user
 * is, then records each account's events in time order through the core's decision path.
 */
export class Ingestor {
  readonly #core: IngestCore;
  // Both created on first use: most apps never ingest.
  #contacts: LRUCache<string, { email?: string; phone?: string }> | undefined;
  #seen: LRUCache<string, true> | undefined;

  constructor(core: IngestCore) {
    this.#core = core;
  }

  /**
   * Contacts events taught for this account, filled into an identity that has neither email nor
   * phone. Never added to one the app gave a contact: a second channel would be a second way to
   * receive the code.
   */
  fillContacts(identity: PayingIdentity): void {
    if (identity.email || identity.phone || !this.#contacts) return;
    const learned = this.#contacts.get(identity.id);
    if (learned?.email) identity.email = learned.email;
    if (learned?.phone) identity.phone = learned.phone;
  }

  async ingest(body: unknown, call: IngestCall = {}): Promise<IngestReport> {
    const envelope = unwrap(body, call.type);
    if ('code' in envelope) return { counts: countOf([]), results: [], error: envelope };
    const now = this.#core.now();
    const results: IngestResult[] = new Array(envelope.events.length);
    const pending: Pending[] = [];
    // Every event is checked before anything is written.
    envelope.events.forEach((raw, index) => {
      const check = checkEvent(raw, call.type);
      const id = (messageId: string | undefined) => (messageId !== undefined ? { messageId } : {});
      if (!check.ok) return void (results[index] = { index, ...id(check.messageId), status: 'rejected', error: check.error, message: check.message });
      if ('ignored' in check) return void (results[index] = { index, type: check.type, ...id(check.messageId), status: 'ignored', reason: check.ignored });
      const { value } = check;
      const base = { index, type: value.type, ...id(value.messageId) };
      const time = eventTime(value.event, envelope.sentAt, now, this.#core.bounds);
      if (!time.ok) return void (results[index] = { ...base, status: 'rejected', error: time.error, message: time.message });
      if (userIdOf(value.event) === undefined) return void (results[index] = { ...base, status: 'ignored', reason: 'anonymous' });
      let device: EventDevice | undefined;
      if (value.type !== 'identify') {
        device = deviceOfEvent(value.event, (v) => this.#core.verifyCookie(v));
        if (!device) return void (results[index] = { ...base, status: 'rejected', error: 'no_device', message: 'A page or screen event names its device: `anonymousId` or `context.device.id`.' });
      }
      pending.push({ index, checked: value, at: time.at, ...(device ? { device } : {}) });
    });

    await eachLimited(pending, CONCURRENCY, async (item) => {
      try {
        item.identity = checkIdentity(await this.#core.identify(item.checked.event));
      } catch (error) {
        this.#core.logOnce('ingest.identify', '`ingest.identify()` threw or returned a malformed identity; those events failed and can be sent again (logged once).', error);
        results[item.index] = { ...baseOf(item), status: 'failed', error: 'identify_failed', message: '`ingest.identify()` failed for this event.' };
        return;
      }
      if (!item.identity) results[item.index] = { ...baseOf(item), status: 'ignored', reason: 'not_paying' };
    });

    // Each account's events in the order they happened; accounts side by side.
    const byAccount = new Map<string, Pending[]>();
    for (const item of pending) {
      if (!item.identity) continue;
      const list = byAccount.get(item.identity.id);
      if (list) list.push(item);
      else byAccount.set(item.identity.id, [item]);
    }
    await eachLimited([...byAccount.values()], CONCURRENCY, async (items) => {
      items.sort((a, b) => a.at - b.at || a.index - b.index);
      for (const item of items) results[item.index] = await this.#apply(item, item.identity!);
    });
    return { counts: countOf(results), results };
  }

  async #apply(item: Pending, identity: PayingIdentity): Promise<IngestResult> {
    const { checked } = item;
    const base = { ...baseOf(item), accountId: identity.id };
    const seenKey = checked.messageId === undefined ? undefined : `${identity.id}\0${checked.messageId}`;
    if (seenKey !== undefined && this.#seen?.has(seenKey)) return { ...base, status: 'duplicate' };

    const learned = this.#learn(identity);
    if (checked.type === 'identify') {
      this.#remember(seenKey);
      return learned.length > 0 ? { ...base, status: 'learned', learned } : { ...base, status: 'ignored', reason: 'nothing_to_learn' };
    }

    const { event } = checked;
    const headers = agentHeadersOf(event);
    const page = pageOf(checked);
    const access: IngestedAccess = {
      event,
      at: item.at,
      device: item.device!,
      headers,
      metadata: metadataOf(event),
      ...(page !== undefined ? { page } : {}),
      ...(headers['user-agent'] === undefined ? { agent: agentOfContext(event) } : {}),
      ...(typeof event.context?.ip === 'string' ? { ip: event.context.ip } : {}),
    };
    // Reserved before deciding, so the same event in two concurrent requests is recorded once.
    this.#remember(seenKey);
    const forget = () => seenKey !== undefined && this.#seen?.delete(seenKey);
    const verdict = await this.#core.decide(access, identity).catch((error: unknown) => {
      forget();
      throw error;
    });
    if (verdict.reasons.some((r) => r.check === 'store_unavailable')) {
      forget();
      return { ...base, status: 'failed', error: 'store_unavailable', message: 'The device store failed or timed out; nothing was recorded for this event. Send it again.' };
    }
    const result: Extract<IngestResult, { status: 'recorded' }> = { ...base, status: 'recorded', deviceId: access.device.id, cookieDevice: access.device.cookie, at: new Date(item.at).toISOString(), verdict: verdict.kind, reasons: verdict.reasons };
    if (verdict.kind === 'challenge') {
      result.challenge =
        verdict.challenge.id === OPENS_ON_NEXT_REQUEST ? { kind: verdict.challenge.kind, opensOn: 'next_request' } : { kind: verdict.challenge.kind, id: verdict.challenge.id, url: verdict.url };
    }
    return result;
  }

  /** Remember the contacts the app's `ingest.identify` returned for the account (newest wins). */
  #learn(identity: PayingIdentity): Array<'email' | 'phone'> {
    const learned = (['email', 'phone'] as const).filter((key) => typeof identity[key] === 'string' && identity[key]!.length > 0);
    if (learned.length === 0) return learned;
    this.#contacts ??= new LRUCache({ max: MAX_REMEMBERED });
    const known = this.#contacts.get(identity.id) ?? {};
    this.#contacts.set(identity.id, { ...known, ...(identity.email ? { email: identity.email } : {}), ...(identity.phone ? { phone: identity.phone } : {}) });
    return learned;
  }

  #remember(key: string | undefined): void {
    if (key === undefined) return;
    this.#seen ??= new LRUCache({ max: MAX_REMEMBERED });
    this.#seen.set(key, true);
  }
}

function baseOf(item: Pending): Base {
  return { index: item.index, type: item.checked.type, ...(item.checked.messageId !== undefined ? { messageId: item.checked.messageId } : {}) };
}

type Envelope = { events: unknown[]; sentAt?: string } | { code: 'invalid_body' | 'too_many_events'; message: string };

/** The events of a body: one event, a list, or Segment's `{ batch: [...], sentAt }`. */
function unwrap(body: unknown, type: string | undefined): Envelope {
  const shape = type === undefined ? 'an event, a list of events, or `{ "batch": [...] }`' : `one ${type} event`;
  if (body === null || typeof body !== 'object') return { code: 'invalid_body', message: `The body must be ${shape}.` };
  let events: unknown[];
  let sentAt: string | undefined;
  if (Array.isArray(body)) {
    if (type !== undefined) return { code: 'invalid_body', message: `The body must be ${shape}.` };
    events = body;
  } else if (type === undefined && 'batch' in body) {
    const batch = (body as { batch: unknown }).batch;
    if (!Array.isArray(batch)) return { code: 'invalid_body', message: '`batch` must be a list of events.' };
    events = batch;
    const sent = (body as { sentAt?: unknown }).sentAt;
    if (typeof sent === 'string') sentAt = sent;
  } else {
    events = [body];
  }
  if (events.length > MAX_EVENTS) return { code: 'too_many_events', message: `${events.length} events in one request; send at most ${MAX_EVENTS}.` };
  return { events, ...(sentAt !== undefined ? { sentAt } : {}) };
}

function countOf(results: readonly IngestResult[]): Record<IngestStatus, number> {
  const counts: Record<IngestStatus, number> = { recorded: 0, learned: 0, ignored: 0, duplicate: 0, rejected: 0, failed: 0 };
  for (const result of results) counts[result.status]++;
  return counts;
}

/** Run `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
