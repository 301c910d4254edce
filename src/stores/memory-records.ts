import type { Access, Agent, DeviceRecord, Location } from '../model.js';
import type { AttachInput } from './store.js';

/**
 * The memory store's records are frozen and replaced, never changed in place: an attach snapshot
 * hands them out as they are, and a caller can no more corrupt the store through them than it
 * could through a copy. What an access repeats from the device's previous one (its location, its
 * agent, its groups) is shared, not copied again.
 */

/** The access as kept: a frozen copy, sharing `location` with `previous` when they are equal. */
export function frozenAccess(access: Access, previous?: Readonly<Location>): Readonly<Access> {
  const copy = { ...access };
  if (access.location) copy.location = shallowEqual(previous, access.location) ? previous! : Object.freeze({ ...access.location });
  return Object.freeze(copy);
}

/** The device record after an attach: a new frozen record, sharing whatever did not change. */
export function updatedDevice(existing: Readonly<DeviceRecord> | undefined, input: AttachInput, access: Readonly<Access>, newlyAttached: boolean): Readonly<DeviceRecord> {
  const at = access.at;
  const device: DeviceRecord = {
    id: input.deviceId,
    accountId: existing?.accountId ?? input.accountId,
    type: input.type,
    agent: existing && shallowEqual(existing.agent, input.agent) ? existing.agent : Object.freeze({ ...input.agent }),
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
