import type { Agent, DeviceRecord, Location } from '../model.js';
import type { Source } from './memory-history.js';
import type { AttachInput } from './store.js';
import { fnv1a32 } from '../hash.js';

/**
 * The device record after an attach: a new frozen record (records are replaced, never changed in
 * place, so a snapshot hands them out as they are), sharing whatever did not change: its id, its
 * agent (or the equal one `agents` knows), groups and metadata, and the strings and location of
 * `access`, its newest source.
 */
export function updatedDevice(existing: Readonly<DeviceRecord> | undefined, input: AttachInput, at: number, access: Source, newlyAttached: boolean, agents?: SharedRecords<Agent>): Readonly<DeviceRecord> {
  const device: DeviceRecord = {
    id: access.deviceId,
    accountId: existing?.accountId ?? input.accountId,
    type: input.type,
    agent: existing && shallowEqual(existing.agent, input.agent) ? existing.agent : (agents?.intern(input.agent) ?? frozenCopy(input.agent)),
    status: newlyAttached || !existing ? 'attached' : existing.status,
    logoutPending: existing?.logoutPending ?? false,
    firstSeen: existing?.firstSeen ?? at,
    lastSeen: existing ? Math.max(existing.lastSeen, at) : at,
  };
  // The last access describes where the device is now: a field it lacks is unknown, not unchanged.
  if (access.ip !== undefined) device.lastIp = access.ip;
  if (access.network !== undefined) device.lastNetwork = access.network;
  if (access.location !== undefined) device.lastLocation = access.location;
  const verifiedAt = input.verified ? at : existing?.verifiedAt;
  if (verifiedAt !== undefined) device.verifiedAt = verifiedAt;
  const metadata = input.metadata === undefined ? existing?.metadata : mergedMetadata(existing?.metadata, input.metadata);
  if (metadata !== undefined) device.metadata = metadata;
  const groups = input.groups === undefined ? existing?.groups : input.groups.length === 0 ? undefined : sameList(existing?.groups, input.groups) ? existing!.groups : Object.freeze([...input.groups]);
  if (groups !== undefined) device.groups = groups as string[];
  return Object.freeze(device);
}

/** The stored metadata with `given` over it: the stored object itself when `given` changes nothing. */
function mergedMetadata(stored: Readonly<Record<string, unknown>> | undefined, given: Record<string, unknown>): Record<string, unknown> {
  if (stored && Object.keys(given).every((key) => Object.is(stored[key], given[key]) && key in stored)) return stored;
  return deepFrozen(structuredClone({ ...stored, ...given }));
}

/**
 * A frozen shallow copy, built property by property: V8 shares one hidden class among such copies,
 * where `Object.freeze({ ...value })` gives every copy a hidden class of its own (~200 bytes each).
 */
export function frozenCopy<T extends object>(value: Readonly<T>, changes?: Partial<T>): Readonly<T> {
  const copy = {} as T;
  for (const key of Object.keys(value) as Array<keyof T>) copy[key] = value[key];
  if (changes) for (const key of Object.keys(changes) as Array<keyof T>) copy[key] = changes[key]!;
  return Object.freeze(copy);
}

/** A deep copy of a JSON-like value (plain objects, arrays, primitives), much cheaper than `structuredClone` for small ones. */
export function plainCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plainCopy) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = plainCopy((value as Record<string, unknown>)[key]);
  return copy as T;
}

/**
 * What `structuredClone(value)` gives, sharing its strings instead of copying each one (strings
 * cannot change; a kept record's ids, agent and reasons are then the strings its device record and
 * the core already hold). Plain objects and arrays are copied here; for anything else (a Date, app
 * metadata of other classes, an object met twice, a function) the whole value is structured-cloned.
 */
export function sharingCopy<T>(value: T): T {
  try {
    return copyTree(value, new Set()) as T;
  } catch (error) {
    if (error !== NOT_A_TREE) throw error;
    return structuredClone(value);
  }
}

const NOT_A_TREE = Symbol('not a tree of plain values');

function copyTree(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined' || typeof value === 'bigint') return value;
  if (typeof value !== 'object' || seen.has(value)) throw NOT_A_TREE;
  seen.add(value);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype || Object.keys(value).length !== value.length) throw NOT_A_TREE;
    return value.map((item) => copyTree(item, seen));
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw NOT_A_TREE;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyTree((value as Record<string, unknown>)[key], seen);
  return copy;
}

/** Freezes `value` and everything it holds; returns it. */
export function deepFrozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFrozen((value as Record<string, unknown>)[key]);
  }
  return value;
}

function shallowEqual(a: Readonly<Agent | Location> | undefined, b: Readonly<Agent | Location>): boolean {
  if (a === b) return true;
  if (!a) return false;
  const keys = Object.keys(b);
  if (Object.keys(a).length !== keys.length) return false;
  for (const key of keys) if ((a as Record<string, unknown>)[key] !== (b as Record<string, unknown>)[key] || !(key in a)) return false;
  return true;
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Flat records (fields of primitive values) shared store-wide, one frozen copy per distinct record:
 * a geolocation database places most addresses in one of a few thousand cities, most devices run
 * one of a few hundred browser builds, and each source or device keeps a pointer to one location or
 * agent instead of its own copy (about 100 bytes). Found by a hash of the fields, not a key string
 * (which would cost as much as the record). Bounded: emptied when full.
 */
export class SharedRecords<T extends object> {
  readonly #known = new Map<number, Readonly<T>>();
  readonly #max: number;

  constructor(max = 4096) {
    this.#max = max;
  }

  /** A frozen record with the same fields and values, in the same order. */
  intern(record: Readonly<T>): Readonly<T> {
    const hash = hashOf(record);
    if (hash === undefined) return frozenCopy(record);
    const known = this.#known.get(hash);
    if (known !== undefined) return sameRecord(known, record) ? known : frozenCopy(record); // another record has this hash: this one is not shared
    if (this.#known.size >= this.#max) this.#known.clear();
    const copy = frozenCopy(record);
    this.#known.set(hash, copy);
    return copy;
  }

  clear(): void {
    this.#known.clear();
  }
}

/** A 32-bit hash (FNV-1a) of each field's name, type and value; `undefined` for a value that cannot be shared (an object, a symbol). */
function hashOf(record: object): number | undefined {
  let hash = fnv1a32('');
  // Each part ends with a separator no text has: "ab" + "c" hashes apart from "a" + "bc".
  const add = (text: string): void => {
    hash = fnv1a32(PART_END, fnv1a32(text, hash));
  };
  for (const name of Object.keys(record)) {
    const value: unknown = (record as Record<string, unknown>)[name];
    if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')) return undefined;
    add(name);
    add(typeof value);
    add(Object.is(value, -0) ? '-0' : String(value));
  }
  return hash;
}

const PART_END = '\uffff';

/** The same fields in the same order, with the same values (`Object.is`: -0 is not 0). */
function sameRecord(a: object, b: object): boolean {
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== other[i] || !Object.is((a as Record<string, unknown>)[keys[i]!], (b as Record<string, unknown>)[keys[i]!])) return false;
  }
  return true;
}
