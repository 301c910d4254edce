import { AccessList, type ListSpec, type ListSubject } from '../policy/lists.js';
import type { Clock } from '../time.js';
import type { DynamicListEntry, ListKind, ListName } from './types.js';

/** How long this process applies the dynamic entries it read before reading them again (another server's change may have been missed). */
export const LISTS_REFRESH_MS = 30_000;

const KINDS: readonly ListKind[] = ['accounts', 'devices', 'ips', 'countries'];

/**
 * The dynamic allow and deny entries (`guard.admin.addListEntry()`), read from the store and
 * applied on top of the `lists` option. Read again, before the next decision that needs them, when
 * this process or the invalidation channel says they changed, and at least every `LISTS_REFRESH_MS`.
 */
export class DynamicLists {
  readonly #read: (() => Promise<DynamicListEntry[]>) | undefined;
  readonly #now: Clock;
  readonly #failed: (error: unknown) => void;
  #compiled: Record<ListName, AccessList | undefined> = { allow: undefined, deny: undefined };
  #readAt = -Infinity;
  #dirty = true;
  #reading: Promise<void> | undefined;

  /** `read` is undefined when the store keeps no dynamic entries: nothing is ever listed. */
  constructor(read: (() => Promise<DynamicListEntry[]>) | undefined, now: Clock, failed: (error: unknown) => void) {
    this.#read = read;
    this.#now = now;
    this.#failed = failed;
  }

  /** The entries changed (here or on another server): read them again before the next decision. */
  changed(): void {
    this.#dirty = true;
  }

  /**
   * Up to date for a decision: after a change (here, or announced by the store) the decision waits
   * for one store read; every `LISTS_REFRESH_MS` the entries are read again in the background (in
   * case an announcement was lost) while decisions use the last ones read. Never rejects.
   */
  async current(): Promise<void> {
    if (!this.#read) return;
    const stale = this.#now() - this.#readAt >= LISTS_REFRESH_MS;
    if (!this.#dirty && !stale) return;
    const wait = this.#dirty || this.#readAt === -Infinity;
    this.#reading ??= this.#reload(this.#read).finally(() => (this.#reading = undefined));
    if (wait) await this.#reading;
  }

  /** Which kind of dynamic entry on `list` matches the subject now, if any. */
  match(list: ListName, subject: ListSubject, now: number): string | undefined {
    return this.#compiled[list]?.match(subject, now);
  }

  async #reload(read: () => Promise<DynamicListEntry[]>): Promise<void> {
    this.#dirty = false;
    try {
      this.#compiled = compile(await read());
    } catch (error) {
      // Keep applying what was read last; try again after the refresh interval.
      this.#failed(error);
    }
    this.#readAt = this.#now();
  }
}

function compile(entries: readonly DynamicListEntry[]): Record<ListName, AccessList | undefined> {
  const specs: Record<ListName, ListSpec> = { allow: {}, deny: {} };
  let any = { allow: false, deny: false };
  for (const entry of entries) {
    if ((entry.list !== 'allow' && entry.list !== 'deny') || !KINDS.includes(entry.kind)) continue;
    try {
      // Checked one by one, so one bad entry (written by hand into the store) spoils nothing else.
      new AccessList('entry', { [entry.kind]: [{ value: entry.value, ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}) }] });
    } catch {
      continue;
    }
    (specs[entry.list][entry.kind] ??= []).push({ value: entry.value, ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}) });
    any = { ...any, [entry.list]: true };
  }
  return {
    allow: any.allow ? new AccessList('admin.allow', specs.allow) : undefined,
    deny: any.deny ? new AccessList('admin.deny', specs.deny) : undefined,
  };
}
