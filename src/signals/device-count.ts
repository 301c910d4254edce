import { DEVICE_TYPES } from '../model.js';
import type { SignalContext, SignalResult } from './context.js';

/**
 * `device_count` and `{type}_device_count`: attached devices against the limits. Over a limit,
 * the store attached nothing, so the observed count includes the device asking to join.
 */
export function deviceCounts(context: SignalContext, asking: boolean): SignalResult[] {
  const attached = context.devices.filter((d) => d.status === 'attached');
  const extra = asking && !attached.some((d) => d.id === context.device.id) ? 1 : 0;
  const results: SignalResult[] = [];
  const total = attached.length + extra;
  results.push(result('device_count', total, context.limits.devices, 'devices'));
  for (const type of DEVICE_TYPES) {
    const limit = context.limits[type];
    if (limit === undefined) continue;
    const count = attached.filter((d) => d.type === type).length + (extra && context.device.type === type ? 1 : 0);
    results.push(result(`${type}_device_count`, count, limit, `${type} devices`));
  }
  return results;
}

function result(check: string, observed: number, threshold: number, what: string): SignalResult {
  return { check, observed, threshold, fired: observed > threshold, message: `${observed} ${what} in use; the plan allows ${threshold}.` };
}
