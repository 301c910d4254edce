import { emptyProfile, type AccountProfile, type Place } from '../signals/households.js';

/**
 * The core's household profile as the memory store keeps it: a one-byte string of about a fifth of
 * its JSON (measured in the detection lab: 2.3 KB of JSON per account). A profile of the shape the
 * core writes (`AccountProfile`, JSON-like values only) is packed: its strings once each in a table
 * (a device id is repeated in every place it was seen), integers as variable-length numbers, a
 * sorted list of whole days as differences (mostly one byte each), other numbers as their 8 bytes.
 * Any other value is kept as its JSON, so every value decodes to what a JSON round trip gives.
 */

/** Marks a packed profile; JSON never starts with it. */
const PACKED = '\x01';

const PROFILE_KEYS = new Set(['v', 'places', 'egress', 'tzMinutes']);
const PLACE_KEYS = new Set(['networks', 'devices', 'days', 'overlapDays', 'lastSeen', 'lat', 'lon', 'accuracyKm', 'asn', 'country', 'addresses', 'workHoursOnly']);
/** Optional fields of a place, by bit of its flags byte. */
const OPTIONAL = ['lat', 'lon', 'accuracyKm', 'asn', 'country', 'addresses', 'workHoursOnly'] as const;
/** Integers up to this size are written as variable-length numbers (zigzagged, doubled: below 2^53). */
const MAX_VARINT = 2 ** 47;

/** The stored form of `value`; `undefined` when JSON has none (the store then keeps no profile). */
export function encodeProfile(value: unknown): string | undefined {
  if (isPackable(value)) {
    const packed = pack(value);
    if (packed !== undefined) return packed;
  }
  return JSON.stringify(value);
}

/** The value `stored` holds: a new object each time. A packed profile that cannot be read is the empty profile, never an error. */
export function decodeProfile(stored: string): unknown {
  if (stored.startsWith(PACKED)) {
    try {
      return new Reader(stored).profile();
    } catch {
      return emptyProfile();
    }
  }
  try {
    return JSON.parse(stored) as unknown;
  } catch {
    return emptyProfile();
  }
}

function pack(profile: AccountProfile): string | undefined {
  const writer = new Writer();
  for (const place of profile.places) {
    for (const s of place.networks) writer.intern(s);
    for (const s of place.devices) writer.intern(s);
    if (place.country !== undefined) writer.intern(place.country);
    for (const [ip] of place.addresses ?? []) writer.intern(ip);
  }
  for (const s of profile.egress ?? []) writer.intern(s);
  if (!writer.table()) return undefined;
  writer.byte((profile.egress !== undefined ? 1 : 0) | (profile.tzMinutes !== undefined ? 2 : 0));
  if (profile.egress !== undefined) writer.strings(profile.egress);
  if (profile.tzMinutes !== undefined) writer.number(profile.tzMinutes);
  writer.uint(profile.places.length);
  for (const place of profile.places) {
    let flags = 0;
    OPTIONAL.forEach((key, bit) => {
      if (place[key] !== undefined) flags |= 1 << bit;
    });
    writer.byte(flags);
    writer.strings(place.networks);
    writer.strings(place.devices);
    writer.numbers(place.days);
    writer.numbers(place.overlapDays);
    writer.number(place.lastSeen);
    if (place.lat !== undefined) writer.number(place.lat);
    if (place.lon !== undefined) writer.number(place.lon);
    if (place.accuracyKm !== undefined) writer.number(place.accuracyKm);
    if (place.asn !== undefined) writer.number(place.asn);
    if (place.country !== undefined) writer.string(place.country);
    if (place.addresses !== undefined) {
      writer.uint(place.addresses.length);
      for (const [ip, at] of place.addresses) {
        writer.string(ip);
        writer.number(at);
      }
    }
    if (place.workHoursOnly !== undefined) writer.byte(place.workHoursOnly ? 1 : 0);
  }
  return writer.text();
}

/** Bytes, written as a one-byte string (one byte of heap a char): the marker, the string table, then the body. */
class Writer {
  readonly #bytes: number[] = [PACKED.charCodeAt(0)];
  readonly #index = new Map<string, number>();

  /** Adds `s` to the string table (before `table()`). */
  intern(s: string): void {
    if (!this.#index.has(s)) this.#index.set(s, this.#index.size);
  }

  /** Writes the string table: its size, then each string's length and chars. `false` when a char does not fit in a byte. */
  table(): boolean {
    this.uint(this.#index.size);
    for (const s of this.#index.keys()) {
      this.uint(s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) return false;
        this.#bytes.push(c);
      }
    }
    return true;
  }

  text(): string {
    const bytes = this.#bytes;
    let out = '';
    for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.slice(i, i + 4096));
    return out;
  }

  byte(b: number): void {
    this.#bytes.push(b);
  }

  /** A whole number 0 ≤ n < 2^53, seven bits a byte, low bits first. */
  uint(n: number): void {
    while (n >= 0x80) {
      this.#bytes.push((n % 0x80) + 0x80);
      n = Math.floor(n / 0x80);
    }
    this.#bytes.push(n);
  }

  /** A finite number: an integer below 2^47 as an even variable-length number (zigzagged, doubled), else byte 1 and its 8 bytes. */
  number(n: number): void {
    if (Number.isInteger(n) && Math.abs(n) < MAX_VARINT) {
      this.uint(n < 0 ? -4 * n - 2 : 4 * n);
      return;
    }
    this.#bytes.push(1);
    FLOAT[0] = n;
    for (const b of FLOAT_BYTES) this.#bytes.push(b);
  }

  /** A list of numbers: its length, doubled, plus 1 when written as differences (non-decreasing integers, as days are). */
  numbers(list: readonly number[]): void {
    const ascending = list.every((n, i) => Number.isInteger(n) && Math.abs(n) < MAX_VARINT && (i === 0 || n >= list[i - 1]!));
    this.uint(2 * list.length + (ascending ? 1 : 0));
    for (let i = 0; i < list.length; i++) {
      if (ascending && i > 0) this.uint(list[i]! - list[i - 1]!);
      else this.number(list[i]!);
    }
  }

  string(s: string): void {
    this.uint(this.#index.get(s)!);
  }

  strings(list: readonly string[]): void {
    this.uint(list.length);
    for (const s of list) this.string(s);
  }
}

const FLOAT = new Float64Array(1);
const FLOAT_BYTES = new Uint8Array(FLOAT.buffer);

class Reader {
  readonly #s: string;
  #at = 1;
  readonly #table: string[] = [];

  constructor(s: string) {
    this.#s = s;
  }

  profile(): AccountProfile {
    for (let n = this.#uint(); n > 0; n--) {
      const length = this.#uint();
      this.#table.push(this.#chars(length));
    }
    const flags = this.#byte();
    const profile: AccountProfile = { v: 1, places: [] };
    if (flags & 1) profile.egress = this.#strings();
    if (flags & 2) profile.tzMinutes = this.#number();
    for (let n = this.#uint(); n > 0; n--) profile.places.push(this.#place());
    if (this.#at !== this.#s.length) throw new Error('trailing bytes');
    return profile;
  }

  #place(): Place {
    const flags = this.#byte();
    const place: Place = { networks: this.#strings(), devices: this.#strings(), days: this.#numbers(), overlapDays: this.#numbers(), lastSeen: this.#number() };
    if (flags & 1) place.lat = this.#number();
    if (flags & 2) place.lon = this.#number();
    if (flags & 4) place.accuracyKm = this.#number();
    if (flags & 8) place.asn = this.#number();
    if (flags & 16) place.country = this.#string();
    if (flags & 32) {
      const addresses: Array<[string, number]> = [];
      for (let n = this.#uint(); n > 0; n--) addresses.push([this.#string(), this.#number()]);
      place.addresses = addresses;
    }
    if (flags & 64) place.workHoursOnly = this.#byte() === 1;
    return place;
  }

  #byte(): number {
    if (this.#at >= this.#s.length) throw new Error('truncated');
    return this.#s.charCodeAt(this.#at++);
  }

  #uint(): number {
    let n = 0;
    for (let scale = 1; ; scale *= 0x80) {
      const b = this.#byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      if (scale > 2 ** 46) throw new Error('number too long');
    }
  }

  #number(): number {
    if ((this.#s.charCodeAt(this.#at) & 1) === 0) {
      const zigzag = this.#uint() / 2;
      return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    }
    if (this.#byte() !== 1) throw new Error('bad number');
    for (let i = 0; i < 8; i++) FLOAT_BYTES[i] = this.#byte();
    return FLOAT[0]!;
  }

  #numbers(): number[] {
    const head = this.#uint();
    const list = new Array<number>(Math.floor(head / 2));
    for (let i = 0; i < list.length; i++) list[i] = head % 2 === 1 && i > 0 ? list[i - 1]! + this.#uint() : this.#number();
    return list;
  }

  #chars(length: number): string {
    if (this.#at + length > this.#s.length) throw new Error('truncated');
    const s = this.#s.slice(this.#at, this.#at + length);
    this.#at += length;
    return s;
  }

  #string(): string {
    const s = this.#table[this.#uint()];
    if (s === undefined) throw new Error('bad string index');
    return s;
  }

  #strings(): string[] {
    const n = this.#uint();
    const list = new Array<string>(n);
    for (let i = 0; i < n; i++) list[i] = this.#string();
    return list;
  }
}

/** Whether `value` is an `AccountProfile` of JSON values only, with no other keys: what `pack` writes exactly. */
function isPackable(value: unknown): value is AccountProfile {
  if (!isPlainObject(value) || value.v !== 1 || !Array.isArray(value.places)) return false;
  for (const key of Object.keys(value)) if (!PROFILE_KEYS.has(key)) return false;
  if ('egress' in value && !isStringList(value.egress)) return false;
  if ('tzMinutes' in value && !isFiniteNumber(value.tzMinutes)) return false;
  return value.places.every(isPackablePlace);
}

function isPackablePlace(place: unknown): boolean {
  if (!isPlainObject(place)) return false;
  for (const key of Object.keys(place)) if (!PLACE_KEYS.has(key)) return false;
  if (!isStringList(place.networks) || !isStringList(place.devices) || !isNumberList(place.days) || !isNumberList(place.overlapDays) || !isFiniteNumber(place.lastSeen)) return false;
  for (const key of ['lat', 'lon', 'accuracyKm', 'asn'] as const) if (key in place && !isFiniteNumber(place[key])) return false;
  if ('country' in place && typeof place.country !== 'string') return false;
  if ('workHoursOnly' in place && typeof place.workHoursOnly !== 'boolean') return false;
  if ('addresses' in place) {
    const addresses = place.addresses;
    if (!isList(addresses) || !addresses.every((a) => isList(a) && a.length === 2 && typeof a[0] === 'string' && isFiniteNumber(a[1]))) return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/** An array JSON writes element for element: no holes, nothing but its elements, no `toJSON`. */
function isList(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype && Object.keys(value).length === value.length;
}

function isStringList(value: unknown): value is string[] {
  return isList(value) && value.every((s) => typeof s === 'string');
}

function isNumberList(value: unknown): value is number[] {
  return isList(value) && value.every(isFiniteNumber);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
