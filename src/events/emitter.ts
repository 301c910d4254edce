import type { ChallengeKind, ChallengeResolution, ChallengeStatus, DeviceStatus } from '../model.js';
import type { Verdict } from '../verdict.js';

/** What sharelock tells the app, e.g. to audit verdicts, count conversions or notify an owner. */
export interface SharelockEvents {
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

export type EventName = keyof SharelockEvents;
export type Listener<E extends EventName> = (event: SharelockEvents[E]) => void | Promise<void>;

/**
 * A small typed emitter. Listeners run after the decision, never delay or break it: a listener
 * that throws or rejects is logged once per event name and otherwise ignored.
 */
export class Events {
  readonly #listeners = new Map<EventName, Set<Listener<any>>>();
  readonly #onError: (name: EventName, error: unknown) => void;

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
