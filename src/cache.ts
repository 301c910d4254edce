import { LRUCache } from 'lru-cache';
import type { Clock } from './time.js';

/** One cached allow. */
export interface CachedAllow {
  readonly accountId: string;
  /** The route policy's key (with the account's own limits, when it has any). */
  readonly policy: string;
  /** The device the verified cookie names. */
  readonly deviceId: string;
  expiresAt: number;
  touchedAt: number;
  /** Another account's or policy's allow for the same cookie; rarely any. */
  next: CachedAllow | undefined;
}

/**
 * Remembers `allow` verdicts per device cookie + account + route policy, so the hot path skips the
 * store. The cookie is the key as sent, signature and all: only a verified one is ever stored, so a
 * cached allow needs neither the cookie's verification nor a second lookup, and a forged or altered
 * cookie can only miss. Keyed by the cookie alone (its allows for other accounts or policies are a
 * short chain) so a lookup hashes the cookie and builds no composite key. Expiry uses the injected
 * clock, and an index per account lets a kick or a suspension drop every verdict of that account at once.
 * At most `max` cookies are kept, least recently used first out.
 */
export class VerdictCache {
  readonly #entries: LRUCache<string, CachedAllow>;
  /** accountId → the cookies it has allows under. */
  readonly #byAccount = new Map<string, Set<string>>();
  readonly #ttlMs: number;
  readonly #now: Clock;

  constructor(options: { max: number; ttlMs: number; now: Clock }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
    this.#entries = new LRUCache<string, CachedAllow>({
      max: options.max,
      dispose: (head, cookie, reason) => {
        if (reason !== 'set') for (let entry: CachedAllow | undefined = head; entry; entry = entry.next) this.#unindex(entry.accountId, cookie);
      },
    });
  }

  /** A fresh `allow` for this cookie (as sent), account and policy, or `undefined`. `now`: the clock's time, if the caller has it. */
  get(cookie: string, accountId: string, policy: string, now = this.#now()): CachedAllow | undefined {
    for (let entry = this.#entries.get(cookie); entry; entry = entry.next) {
      if (entry.accountId !== accountId || entry.policy !== policy) continue;
      if (entry.expiresAt > now) return entry;
      this.#remove(cookie, accountId, policy);
      return undefined;
    }
    return undefined;
  }

  /** Remember an allow. Call only with a cookie that was verified. */
  allow(cookie: string, accountId: string, policy: string, deviceId: string): void {
    if (this.#ttlMs === 0) return;
    const now = this.#now();
    const head = this.#entries.get(cookie);
    for (let entry = head; entry; entry = entry.next) {
      // The same cookie names one device, so only the times change.
      if (entry.accountId === accountId && entry.policy === policy) {
        entry.expiresAt = now + this.#ttlMs;
        entry.touchedAt = now;
        return;
      }
    }
    this.#entries.set(cookie, { accountId, policy, deviceId, expiresAt: now + this.#ttlMs, touchedAt: now, next: head });
    let cookies = this.#byAccount.get(accountId);
    if (!cookies) this.#byAccount.set(accountId, (cookies = new Set()));
    cookies.add(cookie);
  }

  /** Drop every cached verdict of the account (a device kicked or detached, the account suspended). */
  invalidate(accountId: string): void {
    for (const cookie of [...(this.#byAccount.get(accountId) ?? [])]) this.#remove(cookie, accountId);
    this.#byAccount.delete(accountId);
  }

  /** Cached allows (cookie, account, policy). */
  get size(): number {
    let size = 0;
    for (const head of this.#entries.values()) for (let entry: CachedAllow | undefined = head; entry; entry = entry.next) size++;
    return size;
  }

  clear(): void {
    this.#entries.clear();
    this.#byAccount.clear();
  }

  /** Remove the cookie's allows of this account (of this policy only, when given). */
  #remove(cookie: string, accountId: string, policy?: string): void {
    const head = this.#entries.peek(cookie);
    let kept: CachedAllow | undefined;
    let accountLeft = false;
    for (let entry = head; entry; entry = entry.next) {
      if (entry.accountId === accountId && (policy === undefined || entry.policy === policy)) continue;
      if (entry.accountId === accountId) accountLeft = true;
      kept = { ...entry, next: kept };
    }
    if (!accountLeft) this.#unindex(accountId, cookie);
    if (kept) this.#entries.set(cookie, kept, { noUpdateTTL: true });
    else this.#entries.delete(cookie);
  }

  #unindex(accountId: string, cookie: string): void {
    const cookies = this.#byAccount.get(accountId);
    cookies?.delete(cookie);
    if (cookies?.size === 0) this.#byAccount.delete(accountId);
  }
}
