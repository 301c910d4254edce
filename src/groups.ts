import type { DeviceRecord, Group, Limits } from './model.js';
import type { AttachInput, AttachOutcome, Store } from './stores/store.js';

/**
 * A group's pooled limits (a team plan's devices across all its members) are kept in the store as
 * a pool: a pseudo-account whose devices are the members' devices. The NUL keeps pool ids apart
 * from any account id an app may use.
 */
export const poolId = (groupId: string): string => `\u0000group:${groupId}`;

/** How one group's pool took this device. */
export interface GroupUsage {
  id: string;
  /** The limits the group sets. */
  limits: Required<Group>['limits'];
  /** The pool's devices after this request: with this one when the pool took it. */
  devices: readonly DeviceRecord[];
  /** The limits the pool refused the device for; empty when it took it. */
  exceeded: Extract<AttachOutcome, { kind: 'over_limit' }>['exceeded'];
  /** This request took the device's slot in the pool (it held none before). */
  newlyAttached: boolean;
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
      const { outcome, snapshot } = await call('attach', (store) =>
        // A pool's record names the member, not the groups (the pool is one).
        store.attach({ ...input, accountId: poolId(group.id), limits: poolLimits(group), force, historySize: 1, metadata: { accountId: input.accountId }, groups: undefined }),
      );
      return {
        id: group.id,
        limits: group.limits,
        devices: snapshot.devices,
        exceeded: outcome.kind === 'over_limit' ? outcome.exceeded : [],
        newlyAttached: outcome.kind === 'attached' && outcome.newlyAttached,
      };
    }),
  );
}

/**
 * Give back the slots this request took, in the account (`tookAccountSlot`) and in its pools, for
 * a device a pool refused: it holds no slot it cannot use while it is challenged. Passing the
 * challenge attaches it everywhere at once.
 */
export async function giveBackSlots(call: StoreCall, input: Pick<AttachInput, 'accountId' | 'deviceId'>, tookAccountSlot: boolean, usage: readonly GroupUsage[], at: number): Promise<void> {
  const { accountId, deviceId } = input;
  await Promise.all([
    tookAccountSlot ? call('setDeviceStatus', (store) => store.setDeviceStatus(accountId, deviceId, 'detached', at, { logout: false })) : undefined,
    releaseFromPools(call, deviceId, usage.filter((g) => g.newlyAttached).map((g) => g.id), at),
  ]);
}

/**
 * Whether a member can make room in a pool by logging out their own devices (`ownIds`): the pool's
 * other devices are colleagues', which only the group's admin can log out. `exceeded` is what one
 * more device would exceed; a per-type limit is helped only by the member's devices of that type.
 */
export function canMakeRoom(exceeded: GroupUsage['exceeded'], pool: readonly DeviceRecord[], ownIds: ReadonlySet<string>): boolean {
  const own = pool.filter((d) => d.status === 'attached' && ownIds.has(d.id));
  return exceeded.every(({ limit, observed, threshold }) => observed - threshold <= own.filter((d) => limit === 'devices' || d.type === limit).length);
}

/**
 * The pools that may count a device: those its record names (as of its last request, so a group
 * the member has left too) and, when known, its account's groups now.
 */
export function poolsCounting(recorded: readonly string[] | undefined, current: ReadonlyArray<{ id: string }> = []): string[] {
  return [...new Set([...(recorded ?? []), ...current.map((group) => group.id)])];
}

/** Free the device's slot in each pool (it was logged out of its account), all at once; none for no pools. */
export async function releaseFromPools(call: StoreCall, deviceId: string, groupIds: readonly string[], at: number): Promise<void> {
  await Promise.all(groupIds.map((id) => call('setDeviceStatus', (store) => store.setDeviceStatus(poolId(id), deviceId, 'detached', at, { logout: false }))));
}
