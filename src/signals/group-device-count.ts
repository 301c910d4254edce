import type { SignalContext, SignalResult } from './context.js';

/**
 * `group_device_count` and `group_{type}_device_count`: a group's pooled limits (a team plan's
 * devices across its members). Fires when the group's pool could not take this device.
 */
export function groupDeviceCounts(context: SignalContext): SignalResult[] {
  const results: SignalResult[] = [];
  for (const group of context.groups ?? []) {
    for (const { limit, observed, threshold } of group.exceeded) {
      const what = limit === 'devices' ? 'devices' : `${limit} devices`;
      results.push({
        check: limit === 'devices' ? 'group_device_count' : `group_${limit}_device_count`,
        observed,
        threshold,
        fired: true,
        message: `${observed} ${what} in use across group ${JSON.stringify(group.id)}; its plan allows ${threshold}.`,
      });
    }
  }
  return results;
}
