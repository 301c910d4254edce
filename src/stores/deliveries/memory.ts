import { randomBytes } from 'node:crypto';
import { wholeNumberOption } from '../store-options.js';
import type { Claimed, Delivery, DeliveryQueue } from './queue.js';

export interface MemoryDeliveryQueueOptions {
  /** Deliveries kept waiting at most; beyond it a new one becomes a dead letter at once (`queue full`). Default 10 000. */
  maxPending?: number;
  /** Dead letters kept, the oldest forgotten first. Default 1 000. */
  maxDeadLetters?: number;
}

interface Entry {
  delivery: Delivery;
  /** Due time, or the end of the current claim's lease. */
  visibleAt: number;
  lease?: string;
}

/**
 * The default delivery queue: in this process only, bounded. Deliveries still waiting are lost
 * when the process stops; use `RedisDeliveryQueue` when every event must survive a restart.
 */
export class MemoryDeliveryQueue implements DeliveryQueue {
  readonly #pending = new Map<string, Entry>();
  /** Insertion order is burial order. */
  readonly #dead = new Map<string, Delivery>();
  readonly #maxPending: number;
  readonly #maxDead: number;

  constructor(options: MemoryDeliveryQueueOptions = {}) {
    this.#maxPending = wholeNumberOption('MemoryDeliveryQueue', 'maxPending', options.maxPending ?? 10_000, 1);
    this.#maxDead = wholeNumberOption('MemoryDeliveryQueue', 'maxDeadLetters', options.maxDeadLetters ?? 1000, 1);
  }

  async push(deliveries: readonly Delivery[]): Promise<void> {
    for (const given of deliveries) {
      if (this.#pending.has(given.id) || this.#dead.has(given.id)) continue;
      const delivery = structuredClone(given);
      if (this.#pending.size >= this.#maxPending) {
        this.#addDead({ ...delivery, lastError: 'queue full', failedAt: delivery.createdAt });
        continue;
      }
      this.#pending.set(delivery.id, { delivery, visibleAt: delivery.dueAt });
    }
  }

  async claim(now: number, max: number, leaseMs: number): Promise<Claimed[]> {
    const due = [...this.#pending.values()].filter((e) => e.visibleAt <= now).sort((a, b) => a.visibleAt - b.visibleAt).slice(0, max);
    return due.map((entry) => {
      entry.lease = randomBytes(12).toString('base64url');
      entry.visibleAt = now + leaseMs;
      return { delivery: structuredClone(entry.delivery), lease: entry.lease };
    });
  }

  async ack(id: string): Promise<void> {
    this.#pending.delete(id);
  }

  async reschedule(delivery: Delivery, lease: string): Promise<void> {
    const entry = this.#pending.get(delivery.id);
    if (!entry || entry.lease !== lease) return;
    this.#pending.set(delivery.id, { delivery: structuredClone(delivery), visibleAt: delivery.dueAt });
  }

  async bury(delivery: Delivery, lease: string): Promise<void> {
    const entry = this.#pending.get(delivery.id);
    if (!entry || entry.lease !== lease) return;
    this.#pending.delete(delivery.id);
    this.#addDead(structuredClone(delivery));
  }

  async deadLetters(limit: number): Promise<Delivery[]> {
    return [...this.#dead.values()].reverse().slice(0, limit).map((d) => structuredClone(d));
  }

  async revive(id: string, now: number): Promise<boolean> {
    const dead = this.#dead.get(id);
    if (!dead) return false;
    this.#dead.delete(id);
    const { failedAt: _failedAt, ...rest } = dead;
    const delivery: Delivery = { ...rest, attempts: 0, dueAt: now };
    this.#pending.set(id, { delivery, visibleAt: now });
    return true;
  }

  async size(): Promise<number> {
    return this.#pending.size;
  }

  async nextDueAt(): Promise<number | undefined> {
    let next: number | undefined;
    for (const entry of this.#pending.values()) if (next === undefined || entry.visibleAt < next) next = entry.visibleAt;
    return next;
  }

  #addDead(delivery: Delivery): void {
    this.#dead.delete(delivery.id);
    this.#dead.set(delivery.id, delivery);
    while (this.#dead.size > this.#maxDead) this.#dead.delete(this.#dead.keys().next().value!);
  }
}

