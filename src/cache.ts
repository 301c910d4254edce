import { LRUCache } from 'lru-cache';
import type { Clock } from './time.js';

interface Entry {
  accountId: string;
  /** The device the verified cookie names. */
  deviceId: string;
  expiresAt: number;
  touchedAt: number;
}

/**
 * Remembers `allow` verdicts per account + device cookie + route policy, so the hot path skips the
 * store. The cookie is keyed as sent, signature and all: only a verified one is ever stored, so a
 * cached allow needs neither the cookie's verification nor a second lookup, and a forged or altered
 * cookie can only miss.
 * Expiry uses the injected clock (not lru-cache's own), and an index per account lets a kick or a
 * suspension drop every verdict of that account at once.
 */
export class VerdictCache {
  readonly #entries: LRUCache<string, Entry>;
  readonly #byAccount = new Map<string, Set<string>>();
  readonly #ttlMs: number;
  readonly #now: Clock;

  constructor(options: { max: number; ttlMs: number; now: Clock }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
    this.#entries = new LRUCache<string, Entry>({
      max: options.max,
      dispose: (entry, key, reason) => {
        if (reason !== 'set') this.#unindex(entry.accountId, key);
      },
    });
  }

  /** `cookie`: the device cookie's signed value, as the browser sends it. */
  static key(accountId: string, cookie: string, policy: string): string {
    return `${accountId}\0${cookie}\0${policy}`;
  }

  /** A fresh `allow` for this key, or `undefined`. */
  get(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Call only with a key whose cookie was verified. */
  allow(key: string, accountId: string, deviceId: string): void {
    if (this.#ttlMs === 0) return;
    const now = this.#now();
    this.#entries.set(key, { accountId, deviceId, expiresAt: now + this.#ttlMs, touchedAt: now });
    let keys = this.#byAccount.get(accountId);
    if (!keys) this.#byAccount.set(accountId, (keys = new Set()));
    keys.add(key);
  }

  /** Drop every cached verdict of the account (a device kicked or detached, the account suspended). */
  invalidate(accountId: string): void {
    for (const key of [...(this.#byAccount.get(accountId) ?? [])]) this.#entries.delete(key);
    this.#byAccount.delete(accountId);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
    this.#byAccount.clear();
  }

  #unindex(accountId: string, key: string): void {
    const keys = this.#byAccount.get(accountId);
    keys?.delete(key);
    if (keys?.size === 0) this.#byAccount.delete(accountId);
  }
}
