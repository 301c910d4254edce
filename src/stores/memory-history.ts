import type { Access, Location } from '../model.js';
import { frozenCopy, type SharedRecords } from './memory-records.js';

/** Where an access came from: what a device's accesses repeat from one to the next. Frozen, shared. */
export type Source = Readonly<Pick<Access, 'deviceId' | 'ip' | 'network' | 'location'>>;

/**
 * One account's recent accesses, oldest first, kept in columns: a device's accesses repeat its
 * address, network and place, so those are one frozen `Source` shared by every access that has
 * them, and an access costs a time (8 bytes, unboxed in a double array) and one small integer (8
 * bytes) naming its source and its page in the account's tables of each (a page is a string shared
 * store-wide, see `Pages`). A ring: once full, the newest access overwrites the oldest. `entries()`
 * builds the `Access` objects a snapshot hands out.
 */
export class AccessHistory {
  /**
   * Times, numbers only: V8 keeps them unboxed (8 bytes each). Each column is allocated at its
   * capacity (doubling up to the history's size), never grown by `push`, which would leave 16
   * spare slots in every account's columns.
   */
  #times: number[] = [];
  /** Per slot, `source + PAGE × page`: indices into `#sources` and (plus one, 0 for none) `#pages`. Small integers, unboxed. */
  #refs: number[] = [];
  readonly #sources = new Table<Source>();
  readonly #pages = new Table<string>();
  /** Accesses kept: the first `#count` slots from `#oldest`, wrapping around (`#oldest` is 0 until the ring is full). */
  #count = 0;
  #oldest = 0;

  get length(): number {
    return this.#count;
  }

  /** The newest access of the device, if any is kept. */
  lastOf(deviceId: string): Source | undefined {
    const refs = this.#refs;
    const capacity = refs.length;
    for (let n = 0, i = this.#oldest + this.#count - 1; n < this.#count; n++, i--) {
      const source = this.#sources.at(sourceIndex(refs[i >= capacity ? i - capacity : i < 0 ? i + capacity : i]!));
      if (source.deviceId === deviceId) return source;
    }
    return undefined;
  }

  /** Keep one more access, then at most `size` (the newest; `historySize` is at most 10,000). `source` from `sourceOf`; `page` interned. */
  push(at: number, source: Source, page: string | undefined, size: number): void {
    size = Math.min(size, MAX_SIZE);
    if (size < 1) return this.#relayout(0, 0);
    const capacity = this.#times.length;
    if (this.#count === size && capacity === size) {
      // Full: the newest overwrites the oldest.
      this.#release(this.#oldest);
      this.#put(this.#oldest, at, source, page);
      this.#oldest = this.#oldest + 1 === size ? 0 : this.#oldest + 1;
      return;
    }
    // Shrunk, grown since the ring was full (`historySize` changed), or out of room: lay it out anew.
    if (this.#count >= size) this.#relayout(size - 1, size);
    else if (this.#oldest !== 0 || this.#count === capacity) this.#relayout(this.#count, Math.min(size, Math.max(this.#count + 1, 2 * capacity)));
    this.#put(this.#count, at, source, page);
    this.#count++;
  }

  #put(i: number, at: number, source: Source, page: string | undefined): void {
    this.#times[i] = at;
    this.#refs[i] = this.#sources.acquire(source) + PAGE * (page === undefined ? 0 : this.#pages.acquire(page) + 1);
  }

  /** The access in slot `i` is forgotten: its source and page are named once less. */
  #release(i: number): void {
    const ref = this.#refs[i]!;
    this.#sources.release(sourceIndex(ref));
    const page = pageIndex(ref);
    if (page !== undefined) this.#pages.release(page);
  }

  /** Keep the newest `keep` accesses, oldest first from slot 0, in columns of `capacity` slots. */
  #relayout(keep: number, capacity: number): void {
    keep = Math.min(keep, this.#count);
    const times = new Array<number>(capacity);
    const refs = new Array<number>(capacity);
    const old = this.#times.length;
    for (let k = 0, i = this.#oldest; k < this.#count; k++, i++) {
      if (i >= old) i -= old;
      const kept = k - (this.#count - keep);
      if (kept < 0) {
        this.#release(i);
        continue;
      }
      times[kept] = this.#times[i]!;
      refs[kept] = this.#refs[i]!;
    }
    this.#times = times;
    this.#refs = refs;
    this.#count = keep;
    this.#oldest = 0;
  }

  /** The accesses, oldest first, as new objects (the caller may keep or change them). */
  entries(): Access[] {
    const times = this.#times;
    const refs = this.#refs;
    const capacity = times.length;
    const n = this.#count;
    const out = new Array<Access>(n);
    for (let k = 0, i = this.#oldest; k < n; k++, i++) {
      if (i === capacity) i = 0;
      const ref = refs[i]!;
      const page = pageIndex(ref);
      out[k] = accessOf(times[i]!, this.#sources.at(sourceIndex(ref)), page === undefined ? undefined : this.#pages.at(page));
    }
    return out;
  }
}

/** A slot's ref is `source + PAGE × (page + 1)`: below 2^31, a small integer V8 keeps unboxed. */
const PAGE = 2 ** 16;
const SOURCE_MASK = PAGE - 1;
const sourceIndex = (ref: number): number => ref & SOURCE_MASK;
/** The page's index in its table, or `undefined` for an access without a page. */
const pageIndex = (ref: number): number | undefined => (ref >= PAGE ? Math.floor(ref / PAGE) - 1 : undefined);
/** Accesses kept at most: a table holds at most one entry per slot, so every index fits (sources below 2^16, pages below 2^15). */
const MAX_SIZE = 2 ** 15 - 1;

/**
 * The values an account's slots name, each once, with how many slots name it: a value no slot
 * names any more is let go at once and its index reused. Arrays of their exact size (a new value
 * is rare: a device moved, or a page not seen in this history).
 */
class Table<T> {
  #values: Array<T | undefined> = [];
  #uses: number[] = [];

  at(index: number): T {
    return this.#values[index]!;
  }

  /** The index of `value`, named once more (added when new). */
  acquire(value: T): number {
    let index = this.#values.lastIndexOf(value);
    if (index === -1) {
      index = this.#uses.indexOf(0);
      if (index === -1) {
        index = this.#values.length;
        this.#values = appended(this.#values, value);
        this.#uses = appended(this.#uses, 0);
      } else {
        this.#values[index] = value;
      }
    }
    this.#uses[index]!++;
    return index;
  }

  release(index: number): void {
    if (--this.#uses[index]! === 0) this.#values[index] = undefined;
  }
}

/** `list` and `value` in a new array of the exact size (`push` would leave 16 spare slots). */
function appended<T>(list: readonly T[], value: T): T[] {
  const next = new Array<T>(list.length + 1);
  for (let i = 0; i < list.length; i++) next[i] = list[i]!;
  next[list.length] = value;
  return next;
}

function accessOf(at: number, source: Source, page: string | undefined): Access {
  const access: Access = { at, deviceId: source.deviceId };
  if (source.ip !== undefined) access.ip = source.ip;
  if (source.network !== undefined) access.network = source.network;
  if (source.location !== undefined) access.location = source.location;
  if (page !== undefined) access.page = page;
  return access;
}

/**
 * The access's source: `previous` (the device's last one) itself when the same, else a new frozen
 * one sharing what it can: `deviceId` (the device record's id), `location` when equal to `last`,
 * else the equal one `locations` knows.
 */
export function sourceOf(access: Access, deviceId: string, previous: Source | undefined, last: Readonly<Location> | undefined, locations?: SharedRecords<Location>): Source {
  if (previous && previous.ip === access.ip && previous.network === access.network && sameLocation(previous.location, access.location)) return previous;
  const source: { -readonly [K in keyof Source]: Source[K] } = { deviceId };
  if (access.ip !== undefined) source.ip = access.ip;
  if (access.network !== undefined) source.network = access.network === previous?.network ? previous.network : access.network;
  if (access.location !== undefined) source.location = sameLocation(last, access.location) ? last! : (locations?.intern(access.location) ?? frozenCopy(access.location));
  return Object.freeze(source);
}

/** Same fields, same values. */
export function sameLocation(a: Readonly<Location> | undefined, b: Readonly<Location> | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  let n = 0;
  for (const key in b) {
    if (a[key as keyof Location] !== b[key as keyof Location]) return false;
    n++;
  }
  return n === Object.keys(a).length;
}

/**
 * Page strings shared store-wide: a site has a few thousand distinct paths, and every access to
 * one keeps a pointer to one string instead of its own copy. Bounded: emptied when full.
 */
export class Pages {
  readonly #known = new Map<string, string>();
  readonly #max: number;

  constructor(max = 4096) {
    this.#max = max;
  }

  intern(page: string | undefined): string | undefined {
    if (page === undefined) return undefined;
    const known = this.#known.get(page);
    if (known !== undefined) return known;
    if (this.#known.size >= this.#max) this.#known.clear();
    this.#known.set(page, page);
    return page;
  }

  clear(): void {
    this.#known.clear();
  }
}
