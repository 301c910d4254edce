import { randomBytes } from 'node:crypto';
import type { ChallengeKind, ChallengeResolution, ChallengeStatus, DeviceStatus } from '../model.js';
import type { Verdict } from '../verdict.js';
import type { EventPayloads, EventType, SharelockEvent } from './types.js';

/**
 * The in-process events that predate the typed vocabulary: `decision` (every judged request),
 * `challenge` (every status change) and `device` (logged out, detached or excluded). They are not
 * sent as webhooks; `challenge.*` and `device.detached` carry the same facts and more.
 */
export interface LegacyEvents {
  /**
   * A protected request of a paying account was judged. Requests answered from the verdict cache
   * (a recent `allow`, nothing new decided) are not emitted.
   */
  decision: {
    at: number;
    accountId: string;
    deviceId: string;
    /** Carries the reasons: check, observed value, threshold, policy name, and `monitor` for record-only matches. */
    verdict: Verdict;
    ip?: string;
  };
  /** A challenge was opened or changed status (code sent, verified, completed with its resolution, failed, expired). */
  challenge: {
    at: number;
    accountId: string;
    deviceId: string;
    challengeId: string;
    kind: ChallengeKind;
    status: ChallengeStatus;
    resolution?: ChallengeResolution;
  };
  /** A device was logged out, detached or excluded: by the owner in a challenge, the admin API, or a `logout` policy. */
  device: { at: number; accountId: string; deviceId: string; status: DeviceStatus; by: 'owner' | 'admin' | 'policy' };
}

type Published = { [T in EventType]: SharelockEvent<T> };

/**
 * What sharelock tells the app, e.g. to audit verdicts, revoke a session or count conversions: the
 * typed vocabulary (`device.attached`, `challenge.completed`, ..., also deliverable as webhooks)
 * and the legacy `decision`, `challenge` and `device` events.
 */
export interface SharelockEvents extends LegacyEvents, Published {}

export type EventName = keyof SharelockEvents;
export type Listener<E extends EventName> = (event: SharelockEvents[E]) => void | Promise<void>;

/** Where published events go besides listeners (the webhook queue): the types it wants, and the call. */
export interface EventSink {
  types: ReadonlySet<EventType>;
  publish(event: SharelockEvent): void;
}

/** A new event id: `evt_` and 128 random bits. Stable for the event's life, so receivers can deduplicate. */
export function eventId(): string {
  return `evt_${randomBytes(16).toString('base64url')}`;
}

/**
 * A small typed emitter. Listeners run after the decision, never delay or break it: a listener
 * that throws or rejects is logged once per event name and otherwise ignored.
 */
export class Events {
  readonly #listeners = new Map<EventName, Set<Listener<any>>>();
  readonly #onError: (name: EventName, error: unknown) => void;
  #sink: EventSink | undefined;

  constructor(onError: (name: EventName, error: unknown) => void) {
    this.#onError = onError;
  }

  /** Listen to an event; returns a function that stops listening. */
  on<E extends EventName>(name: E, listener: Listener<E>): () => void {
    if (typeof listener !== 'function') throw new TypeError(`sharelock.on('${String(name)}', listener): listener must be a function`);
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => this.off(name, listener);
  }

  off<E extends EventName>(name: E, listener: Listener<E>): void {
    this.#listeners.get(name)?.delete(listener);
  }

  /** Whether anyone listens: lets the hot path skip building an event nobody reads. */
  has(name: EventName): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0;
  }

  /** Whether a published event of this type would reach anyone: a listener or the webhook sink. */
  wants(type: EventType): boolean {
    return this.has(type) || (this.#sink?.types.has(type) ?? false);
  }

  /** Send published events to the webhook queue too (`undefined` stops it). */
  sink(sink: EventSink | undefined): void {
    this.#sink = sink;
  }

  /**
   * Publish one event of the vocabulary: gives it its `id` and `type`, hands it to the sink and
   * calls the listeners. `payload` may be a function, so the hot path builds nothing nobody
   * wants. Returns the event, or `undefined` when nobody wanted it.
   * @example events.publish('conversion.recorded', { at, accountId, fromAccountId, deviceId, revenue: { amount: 9.99, currency: 'EUR' } })
   */
  publish<T extends EventType>(type: T, payload: EventPayloads[T] | (() => EventPayloads[T])): SharelockEvent<T> | undefined {
    if (!this.wants(type)) return undefined;
    const data = typeof payload === 'function' ? payload() : payload;
    const event = { id: eventId(), type, ...data } as unknown as SharelockEvent<T>;
    // The sink serialises the event at once: a listener that changes it cannot change what is sent.
    if (this.#sink?.types.has(type)) {
      try {
        this.#sink.publish(event as SharelockEvent);
      } catch (error) {
        this.#onError(type, error);
      }
    }
    this.emit(type, event as unknown as SharelockEvents[T]);
    return event;
  }

  emit<E extends EventName>(name: E, event: SharelockEvents[E]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        const result = listener(event);
        if (result && typeof result.then === 'function') result.then(undefined, (error) => this.#onError(name, error));
      } catch (error) {
        this.#onError(name, error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
