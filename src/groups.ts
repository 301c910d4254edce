import type { Group, Limits } from './model.js';
import type { AttachInput, AttachOutcome, Store } from './stores/store.js';

/**
 * A group's pooled limits (a team plan's devices across all its members) are kept in the store as
 * a pool: a pseudo-account whose devices are the members' devices. The NUL keeps pool ids apart
 * from any account id an app may use.
 */
export const poolId = (groupId: string): string => `\u0000group:${groupId}`;

/** How one group's pool took this device: `exceeded` is empty when it fits. */
export interface GroupUsage {
  id: string;
  exceeded: Extract<AttachOutcome, { kind: 'over_limit' }>['exceeded'];
}

type StoreCall = <T>(what: string, run: (store: Store) => Promise<T>) => Promise<T>;

/** A pool's limits: no limit on the total unless the group sets one (a team may limit TVs only). */
export const poolLimits = (group: Required<Group>): Limits & { devices: number } => ({ devices: Number.MAX_SAFE_INTEGER, ...group.limits });

/**
 * Attach the device to each group's pool (one atomic store call per group, all at once); the
 * usage comes back in the order of `pools`. A device the pools already hold is only touched.
 * Pools keep no access history.
 */
export async function attachToPools(call: StoreCall, input: AttachInput, pools: ReadonlyArray<Required<Group>>, force = input.force === true): Promise<GroupUsage[]> {
  return Promise.all(
    pools.map(async (group) => {
      const { outcome } = await call('attach', (store) =>
        store.attach({ ...input, accountId: poolId(group.id), limits: poolLimits(group), force, historySize: 1, metadata: { accountId: input.accountId } }),
      );
      return { id: group.id, exceeded: outcome.kind === 'over_limit' ? outcome.exceeded : [] };
    }),
  );
}

/** Free the device's slot in each pool (it was logged out of its account), all at once. */
export async function releaseFromPools(call: StoreCall, deviceId: string, groupIds: readonly string[], at: number): Promise<void> {
  await Promise.all(groupIds.map((id) => call('setDeviceStatus', (store) => store.setDeviceStatus(poolId(id), deviceId, 'detached', at, { logout: false }))));
}
