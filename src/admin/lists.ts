import { AccessList, type ListSpec, type ListSubject } from '../policy/lists.js';
import type { Clock } from '../time.js';
import type { DynamicListEntry, ListKind, ListName } from './types.js';

/** How long this process applies the dynamic entries it read before reading them again (in case a change announcement was lost). */
export const LISTS_REFRESH_MS = 30_000;

const KINDS: readonly ListKind[] = ['accounts', 'devices', 'ips', 'countries'];

/**
 * The dynamic allow and deny entries (`guard.admin.addListEntry()`), read from the store and
 * applied on top of the `lists` option. A decision never waits for them: this process's own
 * changes apply at once; the store's announcement of another server's change (Redis pub/sub), and
 * `LISTS_REFRESH_MS` without one, start a read in the background, and decisions use the entries
 * read last meanwhile.
 */
export class DynamicLists {
  readonly #read: (() => Promise<DynamicListEntry[]>) | undefined;
  readonly #now: Clock;
  readonly #onChange: () => void;
  #entries = new Map<string, DynamicListEntry>();
  #compiled: Record<ListName, AccessList | undefined> = { allow: undefined, deny: undefined };
  #readAt = -Infinity;
  #dirty = true;
  #reading = false;
  /** Bumped by every local change, so a read started before it does not undo it. */
  #version = 0;

  /**
   * `read` is undefined when the store keeps no dynamic entries (nothing is ever listed); it must
   * not reject. `onChange` runs when a read finds other entries than this process applied (cached
   * verdicts may now be wrong).
   */
  constructor(read: (() => Promise<DynamicListEntry[] | undefined>) | undefined, now: Clock, onChange: () => void) {
    this.#read = read as (() => Promise<DynamicListEntry[]>) | undefined;
    this.#now = now;
    this.#onChange = onChange;
  }

  /** Another server changed the entries: read them again. */
  changed(): void {
    this.#dirty = true;
    this.refresh();
  }

  /** This process added (or replaced) an entry: apply it now. */
  added(entry: DynamicListEntry): void {
    this.#entries.set(key(entry.list, entry.kind, entry.value), entry);
    this.#local();
  }

  /** This process removed an entry: stop applying it now. */
  removed(list: ListName, kind: ListKind, value: string): void {
    this.#entries.delete(key(list, kind, value));
    this.#local();
  }

  /** Start a background read when the entries changed elsewhere or are `LISTS_REFRESH_MS` old. Cheap when neither. */
  refresh(): void {
    const read = this.#read;
    if (!read || this.#reading || (!this.#dirty && this.#now() - this.#readAt < LISTS_REFRESH_MS)) return;
    this.#reading = true;
    this.#dirty = false;
    const version = this.#version;
    void read()
      .then((entries) => {
        if (!entries) return; // the read failed (logged by the caller): keep the last entries
        if (version !== this.#version) {
          this.#dirty = true; // a local change raced this read: read again next time
          return;
        }
        const read = new Map(entries.map((e) => [key(e.list, e.kind, e.value), e]));
        if (fingerprint(read) === fingerprint(this.#entries)) return;
        this.#entries = read;
        this.#compiled = compile(entries);
        this.#onChange();
      })
      .finally(() => {
        this.#readAt = this.#now();
        this.#reading = false;
      });
  }

  /** Which kind of dynamic entry on `list` matches the subject now, if any. */
  match(list: ListName, subject: ListSubject, now: number): string | undefined {
    return this.#compiled[list]?.match(subject, now);
  }

  #local(): void {
    this.#version++;
    this.#compiled = compile([...this.#entries.values()]);
  }
}

function fingerprint(entries: ReadonlyMap<string, DynamicListEntry>): string {
  return JSON.stringify([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function key(list: ListName, kind: ListKind, value: string): string {
  return `${list}\0${kind}\0${value}`;
}

function compile(entries: readonly DynamicListEntry[]): Record<ListName, AccessList | undefined> {
  const specs: Record<ListName, ListSpec> = { allow: {}, deny: {} };
  const any = { allow: false, deny: false };
  for (const entry of entries) {
    if ((entry.list !== 'allow' && entry.list !== 'deny') || !KINDS.includes(entry.kind)) continue;
    const item = { value: entry.value, ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}) };
    try {
      // Checked one by one, so one bad entry (written into the store by hand) spoils nothing else.
      new AccessList('entry', { [entry.kind]: [item] });
    } catch {
      continue;
    }
    (specs[entry.list][entry.kind] ??= []).push(item);
    any[entry.list] = true;
  }
  return {
    allow: any.allow ? new AccessList('admin.allow', specs.allow) : undefined,
    deny: any.deny ? new AccessList('admin.deny', specs.deny) : undefined,
  };
}
