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

/** A cookie's allows, and whether they were used since the eviction hand last passed. */
interface Slot {
  head: CachedAllow;
  used: boolean;
}

/**
 * Remembers `allow` verdicts per device cookie + account + route policy, so the hot path skips the
 * store. The cookie is the key as sent, signature and all: only a verified one is ever stored, so a
 * cached allow needs neither the cookie's verification nor a second lookup, and a forged or altered
 * cookie can only miss. Keyed by the cookie alone (its allows for other accounts or policies are a
 * short chain) so a lookup hashes the cookie and builds no composite key. Expiry uses the injected
 * clock, and an index per account lets a kick or a suspension drop every verdict of that account at once.
 * At most `max` cookies are kept. Eviction is "second chance" (CLOCK): a hit only sets a flag, where
 * an LRU list would move the entry on every request; the oldest cookie not used since the last pass goes.
 */
export class VerdictCache {
  readonly #entries = new Map<string, Slot>();
  readonly #max: number;
  /** accountId → the cookies it has allows under. */
  readonly #byAccount = new Map<string, Set<string>>();
  readonly #ttlMs: number;
  readonly #now: Clock;

  constructor(options: { max: number; ttlMs: number; now: Clock }) {
    this.#ttlMs = options.ttlMs;
    this.#now = options.now;
    this.#max = options.max;
  }

  /** A fresh `allow` for this cookie (as sent), account and policy, or `undefined`. `now`: the clock's time, if the caller has it. */
  get(cookie: string, accountId: string, policy: string, now = this.#now()): CachedAllow | undefined {
    const slot = this.#entries.get(cookie);
    for (let entry = slot?.head; entry; entry = entry.next) {
      if (entry.accountId !== accountId || entry.policy !== policy) continue;
      if (entry.expiresAt > now) {
        slot!.used = true;
        return entry;
      }
      this.#remove(cookie, accountId, policy);
      return undefined;
    }
    return undefined;
  }

  /** Remember an allow. Call only with a cookie that was verified. */
  allow(cookie: string, accountId: string, policy: string, deviceId: string): void {
    if (this.#ttlMs === 0) return;
    const now = this.#now();
    const slot = this.#entries.get(cookie);
    const head = slot?.head;
    for (let entry = head; entry; entry = entry.next) {
      // The same cookie names one device, so only the times change.
      if (entry.accountId === accountId && entry.policy === policy) {
        entry.expiresAt = now + this.#ttlMs;
        entry.touchedAt = now;
        return;
      }
    }
    const entry: CachedAllow = { accountId, policy, deviceId, expiresAt: now + this.#ttlMs, touchedAt: now, next: head };
    if (slot) {
      slot.head = entry;
      slot.used = true;
    } else {
      if (this.#entries.size >= this.#max) this.#evict();
      this.#entries.set(cookie, { head: entry, used: false });
    }
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
    for (const slot of this.#entries.values()) for (let entry: CachedAllow | undefined = slot.head; entry; entry = entry.next) size++;
    return size;
  }

  clear(): void {
    this.#entries.clear();
    this.#byAccount.clear();
  }

  /** Remove the cookie's allows of this account (of this policy only, when given). */
  #remove(cookie: string, accountId: string, policy?: string): void {
    const slot = this.#entries.get(cookie);
    let kept: CachedAllow | undefined;
    let accountLeft = false;
    for (let entry = slot?.head; entry; entry = entry.next) {
      if (entry.accountId === accountId && (policy === undefined || entry.policy === policy)) continue;
      if (entry.accountId === accountId) accountLeft = true;
      kept = { ...entry, next: kept };
    }
    if (!accountLeft) this.#unindex(accountId, cookie);
    if (kept) slot!.head = kept;
    else this.#entries.delete(cookie);
  }

  /** Drop the oldest cookie not used since the hand last passed it; a used one gets a second chance at the back. */
  #evict(): void {
    for (const [cookie, slot] of this.#entries) {
      this.#entries.delete(cookie);
      if (slot.used) {
        slot.used = false;
        this.#entries.set(cookie, slot);
        continue;
      }
      for (let entry: CachedAllow | undefined = slot.head; entry; entry = entry.next) this.#unindex(entry.accountId, cookie);
      return;
    }
  }

  #unindex(accountId: string, cookie: string): void {
    const cookies = this.#byAccount.get(accountId);
    cookies?.delete(cookie);
    if (cookies?.size === 0) this.#byAccount.delete(accountId);
  }
}
