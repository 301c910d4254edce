import type { SignalContext, SignalResult } from './context.js';
import { countAgainstLimits, countCheck, countedNoun } from './device-count.js';

/**
 * `group_device_count` and `group_{type}_device_count`: each group's pooled limits (a team plan's
 * devices across its members), observed whether or not they fire. Only a device asking for a slot
 * fires: one the pool already holds keeps it when the pool is over its limit (the plan shrank, or a
 * policy let a device in), so colleagues are not challenged for it.
 */
export function groupDeviceCounts(context: SignalContext): SignalResult[] {
  return (context.groups ?? []).flatMap((group) => {
    const refused = group.exceeded.length > 0;
    const asking = refused || group.newlyAttached;
    return countAgainstLimits(group.devices, context.device, group.limits, refused).map(({ limit, observed, threshold }) => ({
      check: `group_${countCheck(limit)}`,
      observed,
      threshold,
      fired: asking && observed > threshold,
      message: `${observed} ${countedNoun(limit)} in use across group ${JSON.stringify(group.id)}; its plan allows ${threshold}.`,
      group: group.id,
    }));
  });
}
