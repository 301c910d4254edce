/** One webhook message on its way to one endpoint. Plain JSON, so any queue can keep it. */
export interface Delivery {
  /** `<event id>.<endpoint key>`: pushing the same event to the same endpoint twice keeps one. */
  id: string;
  /** The event id, sent as `webhook-id` in every attempt. */
  eventId: string;
  type: string;
  /** The endpoint key (a hash of its URL): the current secret and URL are looked up by it. */
  endpoint: string;
  /** The endpoint's URL when the delivery was queued (shown in dead letters). */
  url: string;
  /** The exact body sent, the same in every attempt. */
  payload: string;
  /** Attempts made so far. */
  attempts: number;
  createdAt: number;
  /** When the next attempt is due (ms since the epoch, on the sharelock clock). */
  dueAt: number;
  lastAttemptAt?: number;
  /** The HTTP status of the last attempt, when the receiver answered. */
  lastStatus?: number;
  /** Why the last attempt failed, e.g. `HTTP 500` or `ETIMEDOUT`. */
  lastError?: string;
  /** When it became a dead letter. */
  failedAt?: number;
}

/** A claimed delivery: only the holder of `lease` may reschedule or bury it. */
export interface Claimed {
  delivery: Delivery;
  lease: string;
}

/**
 * Where webhook deliveries wait: a small contract of atomic steps the sharelock worker runs, so a
 * queue shared by many processes (Redis) hands each due delivery to one of them at a time.
 *
 * A claim hides a delivery for `leaseMs`: a worker that crashes mid-delivery loses nothing, the
 * delivery is claimed again when its lease lapses (at-least-once). Times are the caller's clock.
 */
export interface DeliveryQueue {
  /** Add deliveries (due at their `dueAt`). One already queued or dead with the same `id` is left as it is. */
  push(deliveries: readonly Delivery[]): Promise<void>;
  /** Claim up to `max` deliveries due at `now`, soonest first, each hidden until `now + leaseMs`. */
  claim(now: number, max: number, leaseMs: number): Promise<Claimed[]>;
  /** Delivered: forget it. Applies whoever holds the lease (a late success is still a success). */
  ack(id: string): Promise<void>;
  /** Failed, try again at `delivery.dueAt` with its updated fields; ignored unless `lease` is still current. */
  reschedule(delivery: Delivery, lease: string): Promise<void>;
  /** Failed for good: keep it as a dead letter; ignored unless `lease` is still current. */
  bury(delivery: Delivery, lease: string): Promise<void>;
  /** Dead letters, most recent first, at most `limit`. */
  deadLetters(limit: number): Promise<Delivery[]>;
  /** Queue a dead letter again, due at `now` with its attempts reset. `false` when there is no such dead letter. */
  revive(id: string, now: number): Promise<boolean>;
  /** Deliveries waiting or in flight (not dead). */
  size(): Promise<number>;
  /** When the soonest delivery is due (or its lease lapses), `undefined` when none: lets the worker sleep until then. */
  nextDueAt(): Promise<number | undefined>;
}
