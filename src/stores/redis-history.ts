import { LRUCache } from 'lru-cache';
import type { Access } from '../model.js';
import { deepFrozen } from './memory-records.js';

/** What the attach script says of an account's history: its length, and the entries this process lacks. */
export type HistoryReply = [length: number, entries: string[]];

/** `length` in a reply that holds the whole history (the newest entry this process held was not found). */
const WHOLE = -1;

/** An account's history as this process last saw it. Never changed once made: a reply is read against the one its request named. */
export interface Mirrored {
  /** The newest entry as stored (its JSON), which the script looks for to send only what follows it. */
  readonly newest: string;
  readonly accesses: ReadonlyArray<Readonly<Access>>;
}

/**
 * The recent accesses of the accounts this process judged lately, parsed once. A miss used to move
 * and parse the whole history (100 entries, 15 KB): most of the app's CPU per miss and much of
 * Redis'. Now the attach script finds the newest entry this process holds (`LPOS … RANK -1`, from
 * the tail) and sends only what follows it, with the history's length; what other processes
 * appended arrives the same way. An entry not found (trimmed away, the account erased) brings the
 * whole history. Bounded by entries held, least recently used accounts first.
 *
 * Two identical entries (one device, one page, the same millisecond) look like one: the mirror may
 * then miss one duplicate, never an access that differs.
 */
export class HistoryMirror {
  readonly #accounts: LRUCache<string, Mirrored> | undefined;

  /** `maxEntries` 0 turns the mirror off: every attach then brings the whole history. */
  constructor(maxEntries: number) {
    this.#accounts = maxEntries > 0 ? new LRUCache({ maxSize: maxEntries, sizeCalculation: (m) => Math.max(1, m.accesses.length) }) : undefined;
  }

  /** What the mirror holds for the account: name its `newest` to the script, then `merge` the reply against it. */
  held(accountId: string): Mirrored | undefined {
    return this.#accounts?.get(accountId);
  }

  /** The account's history after an attach: what was `held` when the script ran, with the entries the reply adds. */
  merge(accountId: string, held: Mirrored | undefined, [length, entries]: HistoryReply): ReadonlyArray<Readonly<Access>> {
    let accesses = entries.map(parse);
    if (length !== WHOLE && held !== undefined) {
      const all = [...held.accesses, ...accesses];
      accesses = all.slice(Math.max(0, all.length - length));
    }
    Object.freeze(accesses);
    const newest = entries.at(-1) ?? held?.newest;
    if (newest === undefined || accesses.length === 0) this.#accounts?.delete(accountId);
    else this.#accounts?.set(accountId, { newest, accesses });
    return accesses;
  }

  forget(accountId: string): void {
    this.#accounts?.delete(accountId);
  }
}

/** Entries are shared between decisions (the store contract allows it), so frozen, nested objects too. */
function parse(entry: string): Readonly<Access> {
  return deepFrozen(JSON.parse(entry) as Access);
}
