import type { DeviceRecord, DeviceType, Limits } from '../model.js';
import type { AttachOutcome } from './store.js';

/**
 * Which limits adding one device of `type` would exceed, given the devices already attached.
 * Shared by the in-process stores; the Redis Lua script mirrors it and the store contract suite
 * holds both to the same behaviour.
 */
export function exceededLimits(
  devices: Iterable<DeviceRecord>,
  type: DeviceType,
  limits: Limits & { devices: number },
): Extract<AttachOutcome, { kind: 'over_limit' }>['exceeded'] {
  let total = 0;
  let sameType = 0;
  for (const device of devices) {
    if (device.status !== 'attached') continue;
    total++;
    if (device.type === type) sameType++;
  }
  const exceeded: Extract<AttachOutcome, { kind: 'over_limit' }>['exceeded'] = [];
  if (total + 1 > limits.devices) exceeded.push({ limit: 'devices', observed: total + 1, threshold: limits.devices });
  const typeLimit = limits[type];
  if (typeLimit !== undefined && sameType + 1 > typeLimit) exceeded.push({ limit: type, observed: sameType + 1, threshold: typeLimit });
  return exceeded;
}
