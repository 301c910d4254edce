import { DEVICE_TYPES, type DeviceRecord, type DeviceType, type Limits } from '../model.js';
import type { SignalContext, SignalResult } from './context.js';

/**
 * `device_count` and `{type}_device_count`: attached devices against the limits. Over a limit,
 * the store attached nothing, so the observed count includes the device asking to join.
 */
export function deviceCounts(context: SignalContext, asking: boolean): SignalResult[] {
  return countAgainstLimits(context.devices, context.device, context.limits, asking).map(({ limit, observed, threshold }) => ({
    check: countCheck(limit),
    observed,
    threshold,
    fired: observed > threshold,
    message: `${observed} ${countedNoun(limit)} in use; the plan allows ${threshold}.`,
  }));
}

/** One limit and the devices it counts. */
export interface LimitCount {
  limit: 'devices' | DeviceType;
  observed: number;
  threshold: number;
}

/**
 * Each limit set (the total first, then per type), with the attached devices it counts; `asking`
 * adds the device when it is not attached yet (the store refused it).
 */
export function countAgainstLimits(devices: readonly DeviceRecord[], device: { id: string; type: DeviceType }, limits: Limits, asking: boolean): LimitCount[] {
  const attached = devices.filter((d) => d.status === 'attached');
  const extra = asking && !attached.some((d) => d.id === device.id) ? 1 : 0;
  const counts: LimitCount[] = [];
  if (limits.devices !== undefined) counts.push({ limit: 'devices', observed: attached.length + extra, threshold: limits.devices });
  for (const type of DEVICE_TYPES) {
    const limit = limits[type];
    if (limit === undefined) continue;
    counts.push({ limit: type, observed: attached.filter((d) => d.type === type).length + (device.type === type ? extra : 0), threshold: limit });
  }
  return counts;
}

/** What a limit counts, in a reason's message: `devices`, `mobile devices`. */
export function countedNoun(limit: LimitCount['limit']): string {
  return limit === 'devices' ? 'devices' : `${limit} devices`;
}

/** `device_count` for the total, `{type}_device_count` per type. */
export function countCheck(limit: LimitCount['limit']): string {
  return limit === 'devices' ? 'device_count' : `${limit}_device_count`;
}
