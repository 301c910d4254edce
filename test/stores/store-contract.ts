import { expect } from 'chai';
import type { Access, Agent, ChallengeRecord, DeviceRecord, DeviceType, Location } from '../../src/model.js';
import { INSIGHTS_BOUNDS, type AttachInput, type AttachResult, type Store } from '../../src/stores/store.js';
import type { Conversion, Exposure } from '../../src/insights/model.js';

export interface StoreContractOptions {
  /** Runs after each test with the store `makeStore` returned. Default: `store.close?.()`. */
  cleanup?: (store: Store) => Promise<void> | void;
  /** Devices racing for three slots in the race test. Default 50. */
  racers?: number;
  /**
   * A fresh, empty store keeping at most `maxDevicesPerAccount` devices per account; the pruning
   * tests run only when given (the cap is each store's own option). Cleaned up like the others.
   */
  makeCappedStore?: (maxDevicesPerAccount: number) => Promise<Store> | Store;
}

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

interface AttachSpec {
  account?: string;
  device?: string;
  type?: DeviceType;
  agent?: Agent;
  at?: number;
  limits?: AttachInput['limits'];
  /** `inactiveBefore` is `at` minus this. Default one week. */
  inactiveAfterMs?: number;
  historySize?: number;
  /** `null` leaves the access without an ip. */
  ip?: string | null;
  network?: string;
  location?: Location;
  page?: string;
  metadata?: Record<string, unknown>;
  groups?: string[];
  force?: boolean;
  verified?: boolean;
}

/** A realistic attach call; every field can be overridden. */
function input(spec: AttachSpec = {}): AttachInput {
  const at = spec.at ?? T0;
  const deviceId = spec.device ?? 'dev-a';
  const access: Access = { at, deviceId, page: spec.page ?? '/library' };
  if (spec.ip !== null) access.ip = spec.ip ?? '203.0.113.10';
  if (spec.network) access.network = spec.network;
  if (spec.location) access.location = spec.location;
  const attach: AttachInput = {
    accountId: spec.account ?? 'acct-1',
    deviceId,
    type: spec.type ?? 'computer',
    agent: spec.agent ?? { browser: 'Firefox', browserVersion: '128', os: 'Linux' },
    access,
    limits: spec.limits ?? { devices: 3 },
    inactiveBefore: at - (spec.inactiveAfterMs ?? WEEK),
    historySize: spec.historySize ?? 50,
  };
  if (spec.metadata) attach.metadata = spec.metadata;
  if (spec.groups) attach.groups = spec.groups;
  if (spec.force !== undefined) attach.force = spec.force;
  if (spec.verified !== undefined) attach.verified = spec.verified;
  return attach;
}

function challenge(overrides: Partial<ChallengeRecord> = {}): ChallengeRecord {
  return {
    id: 'ch-1',
    accountId: 'acct-1',
    deviceId: 'dev-a',
    kind: 'device_limit',
    reasons: [{ check: 'device_count', observed: 4, threshold: 3, message: 'Four devices in use' }],
    status: 'created',
    limits: { devices: 3, mobile: 1 },
    device: { type: 'mobile', agent: { browser: 'Safari', os: 'iOS' }, ip: '198.51.100.4', metadata: { session: 's9' } },
    contact: { email: 'owner@example.com' },
    attempts: 0,
    returnTo: '/library?shelf=2',
    createdAt: T0,
    updatedAt: T0,
    expiresAt: T0 + 10 * MINUTE,
    ...overrides,
  };
}

/** Tries to change a record a store handed out: a frozen one refuses (strict mode throws), a copy takes it. */
function attempt(change: () => unknown): void {
  try {
    change();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const ids = (devices: ReadonlyArray<Readonly<DeviceRecord>>): string[] => devices.map((d) => d.id).sort();
const device = (result: AttachResult | DeviceRecord[], id: string): Readonly<DeviceRecord> => {
  const found = (Array.isArray(result) ? result : result.snapshot.devices).find((d) => d.id === id);
  if (!found) throw new Error(`device ${id} is not in the snapshot`);
  return found;
};

/**
 * The behaviour every `Store` must show. Each test gets a fresh, empty store from `makeStore`.
 * @example describeStoreContract('MemoryStore', () => new MemoryStore());
 */
export function describeStoreContract(name: string, makeStore: () => Promise<Store> | Store, options: StoreContractOptions = {}): void {
  describe(`${name} (store contract)`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await (options.cleanup ? options.cleanup(store) : store.close?.());
    });

    describe('attach', () => {
      it('attaches devices up to the limit, then refuses the next one without attaching or recording it', async () => {
        for (const id of ['dev-a', 'dev-b', 'dev-c']) {
          expect((await store.attach(input({ device: id }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        }
        const refused = await store.attach(input({ device: 'dev-d', at: T0 + MINUTE }));
        expect(refused.outcome).to.deep.equal({ kind: 'over_limit', exceeded: [{ limit: 'devices', observed: 4, threshold: 3 }] });
        expect(ids(refused.snapshot.devices)).to.deep.equal(['dev-a', 'dev-b', 'dev-c']);
        expect(refused.snapshot.devices.every((d) => d.status === 'attached')).to.equal(true);
        expect(refused.snapshot.accesses.map((a) => a.deviceId)).to.deep.equal(['dev-a', 'dev-b', 'dev-c']);
        expect(ids(await store.listDevices('acct-1'))).to.deep.equal(['dev-a', 'dev-b', 'dev-c']);
      });

      it('recognises a known device and refreshes what it knows about it', async () => {
        await store.attach(input({ at: T0, ip: '203.0.113.10', location: { country: 'FR', city: 'Paris', lat: 48.85661412345678, lon: 2.35222 } }));
        const agent = { browser: 'Firefox', browserVersion: '129', os: 'Linux' };
        const location = { country: 'FR', city: 'Lyon', lat: 45.764043, lon: 0.1 + 0.2, accuracyKm: 25 };
        const again = await store.attach(input({ at: T0 + 5 * MINUTE, ip: '2001:db8::1', location, agent }));
        expect(again.outcome).to.deep.equal({ kind: 'attached', newlyAttached: false });
        expect(device(again, 'dev-a')).to.deep.equal({
          id: 'dev-a',
          accountId: 'acct-1',
          type: 'computer',
          agent,
          status: 'attached',
          logoutPending: false,
          firstSeen: T0,
          lastSeen: T0 + 5 * MINUTE,
          lastIp: '2001:db8::1',
          lastLocation: location,
        });
        expect(await store.listDevices('acct-1')).to.deep.equal([device(again, 'dev-a')]);
      });

      it('describes a device by its last access: what that access did not say is no longer known', async () => {
        await store.attach(input({ ip: '203.0.113.10', network: '203.0.113.0/24', location: { country: 'FR', lat: 48.85, lon: 2.35 } }));
        const bare = await store.attach(input({ at: T0 + MINUTE, ip: null }));
        const known = device(bare, 'dev-a');
        expect(known).to.not.have.any.keys('lastIp', 'lastNetwork', 'lastLocation');
        const again = await store.attach(input({ at: T0 + 2 * MINUTE, ip: '198.51.100.7', network: '198.51.100.0/24' }));
        expect(device(again, 'dev-a')).to.include({ lastIp: '198.51.100.7', lastNetwork: '198.51.100.0/24' });
      });

      it('attaches over the limits when forced', async () => {
        const limits = { devices: 1, computer: 1 };
        await store.attach(input({ device: 'dev-a', limits }));
        const forced = await store.attach(input({ device: 'dev-b', limits, force: true }));
        expect(forced.outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        expect(forced.snapshot.devices.filter((d) => d.status === 'attached')).to.have.length(2);
        expect((await store.attach(input({ device: 'dev-c', limits }))).outcome.kind).to.equal('over_limit');
      });

      it('keeps the groups whose pools count a device, as the last attach that named them says', async () => {
        await store.attach(input({ groups: ['acme', 'acme-eu'] }));
        expect(device(await store.listDevices('acct-1'), 'dev-a').groups).to.deep.equal(['acme', 'acme-eu']);
        const unnamed = await store.attach(input({ at: T0 + MINUTE }));
        expect(device(unnamed, 'dev-a').groups, 'not named: unchanged').to.deep.equal(['acme', 'acme-eu']);
        const left = await store.attach(input({ at: T0 + 2 * MINUTE, groups: [] }));
        expect(device(left, 'dev-a')).not.to.have.property('groups');
        expect((await store.setDeviceStatus('acct-1', 'dev-a', 'kicked', T0 + 3 * MINUTE))?.groups, 'returned by setDeviceStatus').to.equal(undefined);
        await store.attach(input({ device: 'dev-b', groups: ['acme'] }));
        expect((await store.setDeviceStatus('acct-1', 'dev-b', 'kicked', T0 + 3 * MINUTE))?.groups, 'returned by setDeviceStatus').to.deep.equal(['acme']);
      });

      it('records when the owner verified a device, and keeps it', async () => {
        await store.attach(input({ at: T0 }));
        expect(device(await store.listDevices('acct-1'), 'dev-a').verifiedAt).to.equal(undefined);
        await store.attach(input({ at: T0 + MINUTE, verified: true }));
        const later = await store.attach(input({ at: T0 + 2 * MINUTE }));
        expect(device(later, 'dev-a').verifiedAt).to.equal(T0 + MINUTE);
      });

      it('keeps lastSeen at the latest access when accesses arrive out of order', async () => {
        await store.attach(input({ at: T0 + 10 * MINUTE }));
        const late = await store.attach(input({ at: T0 }));
        expect(device(late, 'dev-a').lastSeen).to.equal(T0 + 10 * MINUTE);
        expect(device(late, 'dev-a').firstSeen).to.equal(T0 + 10 * MINUTE);
      });

      it('keeps letting attached devices in after the limit is reached or lowered', async () => {
        await store.attach(input({ device: 'dev-a', limits: { devices: 2 } }));
        await store.attach(input({ device: 'dev-b', limits: { devices: 2 } }));
        expect((await store.attach(input({ device: 'dev-a', limits: { devices: 2 } }))).outcome.kind).to.equal('attached');
        expect((await store.attach(input({ device: 'dev-b', limits: { devices: 1 } }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: false });
      });

      it('enforces a per-type limit independently of the overall limit', async () => {
        const limits = { devices: 5, mobile: 1 };
        expect((await store.attach(input({ device: 'phone-1', type: 'mobile', limits }))).outcome.kind).to.equal('attached');
        const second = await store.attach(input({ device: 'phone-2', type: 'mobile', limits }));
        expect(second.outcome).to.deep.equal({ kind: 'over_limit', exceeded: [{ limit: 'mobile', observed: 2, threshold: 1 }] });
        expect(ids(second.snapshot.devices)).to.deep.equal(['phone-1']);
        expect((await store.attach(input({ device: 'laptop', type: 'computer', limits }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
      });

      it('names every limit a device would exceed, overall first', async () => {
        const limits = { devices: 2, mobile: 1 };
        await store.attach(input({ device: 'phone-1', type: 'mobile', limits }));
        await store.attach(input({ device: 'laptop', type: 'computer', limits }));
        const refused = await store.attach(input({ device: 'phone-2', type: 'mobile', limits }));
        expect(refused.outcome).to.deep.equal({
          kind: 'over_limit',
          exceeded: [
            { limit: 'devices', observed: 3, threshold: 2 },
            { limit: 'mobile', observed: 2, threshold: 1 },
          ],
        });
      });

      it('applies the limits given with each call (per-account overrides)', async () => {
        for (const id of ['d1', 'd2', 'd3', 'd4']) {
          expect((await store.attach(input({ account: 'family', device: id, limits: { devices: 5 } }))).outcome.kind).to.equal('attached');
        }
        await store.attach(input({ account: 'solo', device: 'd1', limits: { devices: 1 } }));
        expect((await store.attach(input({ account: 'solo', device: 'd2', limits: { devices: 1 } }))).outcome.kind).to.equal('over_limit');
        // The plan was upgraded: the next call carries the larger limit.
        expect((await store.attach(input({ account: 'solo', device: 'd2', limits: { devices: 2 } }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
      });

      it('keeps accounts apart, whatever characters their ids hold', async () => {
        const accounts = ['a', 'a}', '{a}', 'a%7D', 'a:b', '', 'é ✓ 1', 'user@example.com'];
        for (const account of accounts) {
          const first = await store.attach(input({ account, device: 'dev-a', limits: { devices: 1 } }));
          expect(first.outcome, account).to.deep.equal({ kind: 'attached', newlyAttached: true });
          const second = await store.attach(input({ account, device: 'dev-b', limits: { devices: 1 } }));
          expect(second.outcome, account).to.deep.equal({ kind: 'over_limit', exceeded: [{ limit: 'devices', observed: 2, threshold: 1 }] });
        }
        for (const account of accounts) {
          const devices = await store.listDevices(account);
          expect(devices.map((d) => [d.id, d.accountId]), account).to.deep.equal([['dev-a', account]]);
        }
      });
    });

    describe('auto-detach', () => {
      it('detaches devices unused since inactiveBefore, freeing their slots', async () => {
        const limits = { devices: 2 };
        await store.attach(input({ device: 'old', at: T0, limits }));
        await store.attach(input({ device: 'recent', at: T0 + DAY, limits }));
        // inactiveBefore is T0 + 1 day: `old` was last seen before it, `recent` exactly at it.
        const later = await store.attach(input({ device: 'new', at: T0 + 8 * DAY, limits }));
        expect(later.outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        expect(device(later, 'old')).to.include({ status: 'detached', logoutPending: false });
        expect(device(later, 'recent')).to.include({ status: 'attached' });
        // Reported, so sharelock can publish device.detached with cause `inactivity`.
        expect(later.inactive?.map((d) => d.id)).to.deep.equal(['old']);
        const again = await store.attach(input({ device: 'new', at: T0 + 8 * DAY, limits }));
        expect(again.inactive, 'reported once').to.equal(undefined);
      });

      it('lets an auto-detached device back in as a new device, without logging it out', async () => {
        await store.attach(input({ device: 'old', at: T0, limits: { devices: 2 } }));
        await store.attach(input({ device: 'b', at: T0 + 8 * DAY, limits: { devices: 2 } }));
        await store.attach(input({ device: 'c', at: T0 + 8 * DAY, limits: { devices: 2 } }));
        const full = await store.attach(input({ device: 'old', at: T0 + 9 * DAY, limits: { devices: 2 } }));
        expect(full.outcome).to.deep.equal({ kind: 'over_limit', exceeded: [{ limit: 'devices', observed: 3, threshold: 2 }] });
        const back = await store.attach(input({ device: 'old', at: T0 + 9 * DAY, limits: { devices: 3 } }));
        expect(back.outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        expect(device(back, 'old')).to.include({ status: 'attached', firstSeen: T0, lastSeen: T0 + 9 * DAY });
      });

      it('lets a device back in after a long absence when there is room, remembering when it was first seen', async () => {
        await store.attach(input({ at: T0, limits: { devices: 1 } }));
        const back = await store.attach(input({ at: T0 + 60 * DAY, limits: { devices: 1 } }));
        expect(back.outcome.kind).to.equal('attached');
        expect(device(back, 'dev-a')).to.include({ status: 'attached', firstSeen: T0, lastSeen: T0 + 60 * DAY });
      });

      it('never auto-detaches excluded or kicked devices', async () => {
        await store.attach(input({ device: 'staff', at: T0 }));
        await store.attach(input({ device: 'thief', at: T0 }));
        await store.setDeviceStatus('acct-1', 'staff', 'excluded', T0);
        await store.setDeviceStatus('acct-1', 'thief', 'kicked', T0);
        const later = await store.attach(input({ device: 'owner', at: T0 + 30 * DAY }));
        expect(device(later, 'staff')).to.include({ status: 'excluded' });
        expect(device(later, 'thief')).to.include({ status: 'kicked', logoutPending: true });
        expect((await store.attach(input({ device: 'thief', at: T0 + 31 * DAY }))).outcome).to.deep.equal({ kind: 'logout', status: 'kicked' });
      });
    });

    describe('excluded devices', () => {
      it('never counts excluded devices against the limits, and still records their accesses', async () => {
        const limits = { devices: 1 };
        await store.attach(input({ device: 'staff', limits }));
        expect(await store.setDeviceStatus('acct-1', 'staff', 'excluded', T0)).to.include({ id: 'staff', status: 'excluded', logoutPending: false });
        expect((await store.attach(input({ device: 'owner', limits }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        const staff = await store.attach(input({ device: 'staff', at: T0 + MINUTE, page: '/support', limits }));
        expect(staff.outcome).to.deep.equal({ kind: 'excluded' });
        expect(device(staff, 'staff')).to.include({ status: 'excluded', lastSeen: T0 + MINUTE });
        expect(staff.snapshot.accesses.at(-1)).to.deep.include({ deviceId: 'staff', page: '/support' });
        const third = await store.attach(input({ device: 'friend', limits }));
        expect(third.outcome).to.deep.equal({ kind: 'over_limit', exceeded: [{ limit: 'devices', observed: 2, threshold: 1 }] });
      });
    });

    describe('logout', () => {
      it('logs a kicked device out once, then treats it as a new device', async () => {
        const limits = { devices: 2 };
        await store.attach(input({ device: 'owner', limits }));
        await store.attach(input({ device: 'friend', limits }));
        const kicked = await store.setDeviceStatus('acct-1', 'friend', 'kicked', T0 + MINUTE);
        expect(kicked).to.include({ id: 'friend', accountId: 'acct-1', status: 'kicked', logoutPending: true });

        // The kicked device no longer holds a slot.
        expect((await store.attach(input({ device: 'tablet', at: T0 + 2 * MINUTE, limits }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });

        const logout = await store.attach(input({ device: 'friend', at: T0 + 3 * MINUTE, limits }));
        expect(logout.outcome).to.deep.equal({ kind: 'logout', status: 'kicked' });
        expect(device(logout, 'friend')).to.include({ status: 'kicked', logoutPending: false });

        const retry = await store.attach(input({ device: 'friend', at: T0 + 4 * MINUTE, limits }));
        expect(retry.outcome).to.deep.equal({ kind: 'over_limit', exceeded: [{ limit: 'devices', observed: 3, threshold: 2 }] });

        await store.setDeviceStatus('acct-1', 'tablet', 'detached', T0 + 5 * MINUTE);
        const readmitted = await store.attach(input({ device: 'friend', at: T0 + 6 * MINUTE, limits }));
        expect(readmitted.outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        expect(device(readmitted, 'friend')).to.include({ status: 'attached', logoutPending: false });
      });

      it('logs a detached device out once as well', async () => {
        await store.attach(input());
        expect(await store.setDeviceStatus('acct-1', 'dev-a', 'detached', T0)).to.include({ status: 'detached', logoutPending: true });
        expect((await store.attach(input({ at: T0 + MINUTE }))).outcome).to.deep.equal({ kind: 'logout', status: 'detached' });
        expect((await store.attach(input({ at: T0 + 2 * MINUTE }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
      });

      it('detaches without a logout when asked (a browser replaced after clearing cookies)', async () => {
        await store.attach(input());
        expect(await store.setDeviceStatus('acct-1', 'dev-a', 'detached', T0, { logout: false })).to.include({ status: 'detached', logoutPending: false });
        expect((await store.attach(input({ at: T0 + MINUTE }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
      });

      it('does not log out a device that was attached again before its next request', async () => {
        await store.attach(input());
        await store.setDeviceStatus('acct-1', 'dev-a', 'kicked', T0);
        expect(await store.setDeviceStatus('acct-1', 'dev-a', 'attached', T0 + MINUTE)).to.include({ status: 'attached', logoutPending: false });
        expect((await store.attach(input({ at: T0 + 2 * MINUTE }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: false });
      });

      it('counts re-attaching a device as use, so it is not auto-detached at once', async () => {
        await store.attach(input({ device: 'dev-a', at: T0 }));
        await store.setDeviceStatus('acct-1', 'dev-a', 'kicked', T0);
        const attached = await store.setDeviceStatus('acct-1', 'dev-a', 'attached', T0 + 10 * DAY);
        expect(attached).to.include({ lastSeen: T0 + 10 * DAY });
        const other = await store.attach(input({ device: 'dev-b', at: T0 + 10 * DAY + MINUTE }));
        expect(device(other, 'dev-a')).to.include({ status: 'attached' });
      });

      it('returns undefined for an unknown device or account, and creates nothing', async () => {
        expect(await store.setDeviceStatus('nobody', 'dev-a', 'kicked', T0)).to.equal(undefined);
        await store.attach(input({ device: 'dev-a' }));
        expect(await store.setDeviceStatus('acct-1', 'ghost', 'kicked', T0)).to.equal(undefined);
        expect(ids(await store.listDevices('acct-1'))).to.deep.equal(['dev-a']);
        expect(await store.listDevices('nobody')).to.deep.equal([]);
        expect((await store.attach(input({ device: 'ghost' }))).outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
      });
    });

    describe('account status', () => {
      it('reports accounts as active until suspended', async () => {
        expect(await store.getAccountStatus('never-seen')).to.equal('active');
        await store.attach(input());
        expect(await store.getAccountStatus('acct-1')).to.equal('active');
      });

      it('refuses every attach of a suspended account and records nothing, until reactivated', async () => {
        await store.attach(input({ device: 'dev-a' }));
        await store.setAccountStatus('acct-1', 'suspended');
        expect(await store.getAccountStatus('acct-1')).to.equal('suspended');
        for (const id of ['dev-a', 'dev-b']) {
          const refused = await store.attach(input({ device: id, at: T0 + MINUTE }));
          expect(refused.outcome).to.deep.equal({ kind: 'suspended' });
          expect(refused.snapshot.status).to.equal('suspended');
          expect(ids(refused.snapshot.devices)).to.deep.equal(['dev-a']);
          expect(refused.snapshot.accesses.map((a) => a.at)).to.deep.equal([T0]);
        }
        await store.setAccountStatus('acct-1', 'active');
        expect(await store.getAccountStatus('acct-1')).to.equal('active');
        const back = await store.attach(input({ device: 'dev-b', at: T0 + 2 * MINUTE }));
        expect(back.outcome).to.deep.equal({ kind: 'attached', newlyAttached: true });
        expect(back.snapshot.status).to.equal('active');
      });

      it('suspends an account it has never seen', async () => {
        await store.setAccountStatus('new-acct', 'suspended');
        expect((await store.attach(input({ account: 'new-acct' }))).outcome).to.deep.equal({ kind: 'suspended' });
        expect(await store.listDevices('new-acct')).to.deep.equal([]);
      });
    });

    describe('access history', () => {
      it('keeps the latest historySize accesses, oldest first', async () => {
        const calls = [0, 1, 2, 3, 4].map((i) =>
          input({
            device: i % 2 ? 'dev-b' : 'dev-a',
            at: T0 + i * MINUTE,
            page: `/page/${i}`,
            historySize: 3,
            location: { country: 'DE', lat: 52.52 + i / 3, lon: 13.405, accuracyKm: 5 },
          }),
        );
        let last: AttachResult | undefined;
        for (const call of calls) last = await store.attach(call);
        expect(last?.snapshot.accesses).to.deep.equal(calls.slice(2).map((c) => c.access));
      });

      it('shrinks the history when historySize shrinks', async () => {
        for (let i = 0; i < 5; i++) await store.attach(input({ at: T0 + i, historySize: 10 }));
        const result = await store.attach(input({ at: T0 + 5, historySize: 2 }));
        expect(result.snapshot.accesses.map((a) => a.at)).to.deep.equal([T0 + 4, T0 + 5]);
      });
    });

    describe('metadata', () => {
      it('merges metadata into the device, the newest value winning per key', async () => {
        const first = { session: 's1', plan: 'pro', tags: ['a', 'b'], empty: [], nested: { n: 0.1 + 0.2 }, big: 1234567890123456 };
        await store.attach(input({ metadata: first }));
        await store.attach(input({ at: T0 + 1, metadata: { session: 's2' } }));
        const result = await store.attach(input({ at: T0 + 2 }));
        expect(device(result, 'dev-a').metadata).to.deep.equal({ ...first, session: 's2' });
        expect(device(await store.listDevices('acct-1'), 'dev-a').metadata).to.deep.equal({ ...first, session: 's2' });
      });
    });

    describe('profile', () => {
      it('returns the last saved profile with each snapshot', async function () {
        if (!store.saveProfile) return this.skip(); // optional capability
        expect((await store.attach(input())).snapshot.profile).to.equal(undefined);
        await store.saveProfile('acct-1', { households: [{ networks: ['203.0.113.0/24'], days: 3 }], score: 0.1 + 0.2, empty: [] });
        const saved = { households: [], score: 1234567890123456, empty: {} };
        await store.saveProfile('acct-1', saved);
        saved.score = 0;
        expect((await store.attach(input({ at: T0 + 1 }))).snapshot.profile).to.deep.equal({ households: [], score: 1234567890123456, empty: {} });
        expect((await store.attach(input({ account: 'acct-2' }))).snapshot.profile).to.equal(undefined);
      });
    });

    describe('listDevices', () => {
      it('lists every device of the account, whatever its status', async () => {
        for (const id of ['a', 'b', 'c', 'd']) await store.attach(input({ device: id, limits: { devices: 4 } }));
        await store.setDeviceStatus('acct-1', 'b', 'kicked', T0);
        await store.setDeviceStatus('acct-1', 'c', 'excluded', T0);
        await store.setDeviceStatus('acct-1', 'd', 'detached', T0);
        const devices = (await store.listDevices('acct-1')).sort(byId);
        expect(devices.map((d) => [d.id, d.status, d.logoutPending])).to.deep.equal([
          ['a', 'attached', false],
          ['b', 'kicked', true],
          ['c', 'excluded', false],
          ['d', 'detached', true],
        ]);
        expect(await store.listDevices('acct-2')).to.deep.equal([]);
      });
    });

    describe('pruning', () => {
      const limits = { devices: 100 };
      let capped: Store;

      beforeEach(async function () {
        if (!options.makeCappedStore) return this.skip();
        capped = await options.makeCappedStore(4);
      });

      afterEach(async () => {
        if (capped) await (options.cleanup ? options.cleanup(capped) : capped.close?.());
      });

      it('forgets kicked and detached devices beyond the cap once their logout was delivered, never excluded or attached ones', async () => {
        for (const [i, id] of ['kicked', 'excluded', 'detached', 'kept'].entries()) await capped.attach(input({ device: id, at: T0 + i, limits }));
        await capped.setDeviceStatus('acct-1', 'kicked', 'kicked', T0 + 10);
        expect((await capped.attach(input({ device: 'kicked', at: T0 + 11, limits }))).outcome).to.deep.equal({ kind: 'logout', status: 'kicked' });
        await capped.setDeviceStatus('acct-1', 'excluded', 'excluded', T0 + 12);
        await capped.setDeviceStatus('acct-1', 'detached', 'detached', T0 + 13);

        // Five devices, cap 4: the kicked device has nothing left to deliver and goes.
        await capped.attach(input({ device: 'new-1', at: T0 + 20, limits }));
        expect(ids(await capped.listDevices('acct-1'))).to.deep.equal(['detached', 'excluded', 'kept', 'new-1']);

        // The detached device still has its logout to deliver: kept, even past the cap.
        await capped.attach(input({ device: 'new-2', at: T0 + 21, limits }));
        expect(ids(await capped.listDevices('acct-1'))).to.deep.equal(['detached', 'excluded', 'kept', 'new-1', 'new-2']);

        expect((await capped.attach(input({ device: 'detached', at: T0 + 22, limits }))).outcome).to.deep.equal({ kind: 'logout', status: 'detached' });
        await capped.attach(input({ device: 'new-3', at: T0 + 23, limits }));
        const devices = await capped.listDevices('acct-1');
        expect(ids(devices)).to.deep.equal(['excluded', 'kept', 'new-1', 'new-2', 'new-3']);
        expect(device(devices, 'excluded').status).to.equal('excluded');
        // Excluded means never counted: still true after all that pruning.
        expect((await capped.attach(input({ device: 'excluded', at: T0 + 24, limits: { devices: 4 } }))).outcome).to.deep.equal({ kind: 'excluded' });
      });
    });

    describe('challenges', () => {
      it('returns a saved challenge exactly as given', async () => {
        const full = challenge({ codeHash: 'hash', codeSentAt: T0, codeExpiresAt: T0 + 5 * MINUTE, status: 'code_sent', attempts: 2 });
        const bare = challenge({ id: 'ch-2', deviceId: 'dev-b', reasons: [], contact: {}, device: { type: 'other', agent: {} }, kind: 'verify' });
        await store.createChallenge(full);
        await store.createChallenge(bare);
        expect(await store.getChallenge('ch-1')).to.deep.equal(full);
        expect(await store.getChallenge('ch-2')).to.deep.equal(bare);
        expect(await store.getChallenge('ch-unknown')).to.equal(undefined);
      });

      it('finds the newest pending challenge of a device and overrides the older one', async () => {
        await store.createChallenge(challenge({ id: 'ch-1' }));
        await store.createChallenge(challenge({ id: 'ch-other-device', deviceId: 'dev-b' }));
        await store.createChallenge(challenge({ id: 'ch-other-account', accountId: 'acct-2' }));
        const newer = challenge({ id: 'ch-2', createdAt: T0 + MINUTE, updatedAt: T0 + MINUTE, expiresAt: T0 + 11 * MINUTE });
        await store.createChallenge(newer);

        expect(await store.getChallenge('ch-1')).to.deep.equal(challenge({ id: 'ch-1', status: 'overridden', updatedAt: T0 + MINUTE }));
        expect(await store.findPendingChallenge('acct-1', 'dev-a')).to.deep.equal(newer);
        expect(await store.findPendingChallenge('acct-1', 'dev-b')).to.include({ id: 'ch-other-device', status: 'created' });
        expect(await store.findPendingChallenge('acct-2', 'dev-a')).to.include({ id: 'ch-other-account', status: 'created' });
        expect(await store.findPendingChallenge('acct-1', 'dev-z')).to.equal(undefined);
      });

      it('keeps one usable challenge per device however many devices of the account are challenged', async () => {
        const capped = options.makeCappedStore ? await options.makeCappedStore(4) : store;
        try {
          for (let n = 0; n < 8; n++) {
            await capped.createChallenge(challenge({ id: `ch-${n}`, deviceId: `dev-${n}`, createdAt: T0 + n, updatedAt: T0 + n, expiresAt: T0 + 10 * MINUTE + n }));
          }
          const newer = challenge({ id: 'ch-0-again', deviceId: 'dev-0', createdAt: T0 + MINUTE, updatedAt: T0 + MINUTE, expiresAt: T0 + 11 * MINUTE });
          await capped.createChallenge(newer);
          expect(await capped.findPendingChallenge('acct-1', 'dev-0')).to.deep.equal(newer);
          // The first challenge of dev-0 can no longer be used, wherever the store keeps its pointers.
          const first = await capped.getChallenge('ch-0');
          expect(first === undefined || !['created', 'presented', 'code_sent', 'verified'].includes(first.status), `ch-0 is ${first?.status}`).to.equal(true);
        } finally {
          if (capped !== store) await (options.cleanup ?? ((s: Store) => s.close?.()))(capped);
        }
      });

      it('leaves a finished challenge as it was when a new one is created', async () => {
        await store.createChallenge(challenge({ id: 'ch-1', status: 'completed', resolution: 'owner' }));
        await store.createChallenge(challenge({ id: 'ch-2', createdAt: T0 + MINUTE }));
        expect(await store.getChallenge('ch-1')).to.include({ status: 'completed', resolution: 'owner', updatedAt: T0 });
      });

      it('finds no pending challenge once the newest one is finished', async () => {
        await store.createChallenge(challenge());
        await store.updateChallenge('ch-1', ['created'], { status: 'completed', resolution: 'logged_out', updatedAt: T0 + MINUTE });
        expect(await store.findPendingChallenge('acct-1', 'dev-a')).to.equal(undefined);
      });

      it('updates a challenge only while it is in one of the given statuses', async () => {
        await store.createChallenge(challenge());
        const patch = { status: 'code_sent' as const, codeHash: 'h1', codeSentAt: T0 + MINUTE, codeExpiresAt: T0 + 6 * MINUTE, updatedAt: T0 + MINUTE };
        const updated = await store.updateChallenge('ch-1', ['created', 'presented'], patch);
        expect(updated).to.deep.equal({ ...challenge(), ...patch });
        expect(await store.getChallenge('ch-1')).to.deep.equal(updated);

        expect(await store.updateChallenge('ch-1', ['created'], { status: 'verified', codeHash: 'h2' })).to.equal(undefined);
        expect(await store.getChallenge('ch-1')).to.deep.equal(updated);
        expect(await store.updateChallenge('ch-unknown', ['created'], { status: 'presented' })).to.equal(undefined);
      });

      it('keeps a challenge bound to its id, account and device, whatever the patch says', async () => {
        await store.createChallenge(challenge());
        const patch = { id: 'ch-stolen', accountId: 'acct-2', deviceId: 'dev-z', status: 'presented' as const, updatedAt: T0 + MINUTE };
        const updated = await store.updateChallenge('ch-1', ['created'], patch);
        expect(updated).to.deep.equal(challenge({ status: 'presented', updatedAt: T0 + MINUTE }));
        expect(await store.getChallenge('ch-1')).to.deep.equal(updated);
        expect(await store.getChallenge('ch-stolen')).to.equal(undefined);
        expect(await store.findPendingChallenge('acct-1', 'dev-a')).to.deep.equal(updated);
        expect(await store.findPendingChallenge('acct-2', 'dev-z')).to.equal(undefined);
      });

      it('lets only one of two racing updates win', async () => {
        await store.createChallenge(challenge({ status: 'code_sent' }));
        const results = await Promise.all([
          store.updateChallenge('ch-1', ['code_sent'], { status: 'verified', resolution: 'owner' }),
          store.updateChallenge('ch-1', ['code_sent'], { status: 'skipped' }),
        ]);
        const winners = results.filter((r) => r !== undefined);
        expect(winners).to.have.length(1);
        expect((await store.getChallenge('ch-1'))?.status).to.equal(winners[0]?.status);
      });

      it('counts wrong codes and fails the challenge at the maximum', async () => {
        await store.createChallenge(challenge({ status: 'code_sent' }));
        expect(await store.recordFailedAttempt('ch-1', 3)).to.include({ attempts: 1, status: 'code_sent' });
        expect(await store.recordFailedAttempt('ch-1', 3)).to.include({ attempts: 2, status: 'code_sent' });
        expect(await store.recordFailedAttempt('ch-1', 3)).to.include({ attempts: 3, status: 'failed' });
        expect(await store.recordFailedAttempt('ch-1', 3)).to.equal(undefined);
        expect(await store.getChallenge('ch-1')).to.deep.equal(challenge({ status: 'failed', attempts: 3 }));
        expect(await store.recordFailedAttempt('ch-unknown', 3)).to.equal(undefined);
      });

      it('counts no wrong code before a code was sent', async () => {
        await store.createChallenge(challenge({ status: 'presented' }));
        expect(await store.recordFailedAttempt('ch-1', 3)).to.equal(undefined);
        expect(await store.getChallenge('ch-1')).to.include({ attempts: 0, status: 'presented' });
      });

      it('counts racing wrong codes exactly, failing at the maximum', async () => {
        await store.createChallenge(challenge({ status: 'code_sent' }));
        const results = await Promise.all(Array.from({ length: 10 }, () => store.recordFailedAttempt('ch-1', 5)));
        expect(results.filter((r) => r !== undefined).map((r) => r?.attempts).sort()).to.deep.equal([1, 2, 3, 4, 5]);
        expect(await store.getChallenge('ch-1')).to.include({ attempts: 5, status: 'failed' });
      });
    });

    describe('windowed counters (countHit)', () => {
      const HOUR = 60 * MINUTE;

      it('counts hits in a window that opens at the first one and ends windowMs later, wherever later hits fall', async () => {
        const hits = [];
        for (const at of [T0, T0 + MINUTE, T0 + HOUR - 1]) hits.push(await store.countHit('acct-1', 'wrongCodes', HOUR, at));
        expect(hits).to.deep.equal([1, 2, 3].map((count) => ({ count, resetAt: T0 + HOUR })));
        expect(await store.countHit('acct-1', 'wrongCodes', HOUR, T0 + 2 * MINUTE, 2), 'several at once').to.deep.equal({ count: 5, resetAt: T0 + HOUR });
      });

      it('starts again from 0 when the window has ended, on the times it is given', async () => {
        await store.countHit('acct-1', 'codesSent', HOUR, T0);
        await store.countHit('acct-1', 'codesSent', HOUR, T0 + 1);
        expect(await store.countHit('acct-1', 'codesSent', HOUR, T0 + HOUR, 0), 'read as the window ends').to.deep.equal({ count: 0, resetAt: T0 + HOUR });
        expect(await store.countHit('acct-1', 'codesSent', 2 * HOUR, T0 + HOUR + 5)).to.deep.equal({ count: 1, resetAt: T0 + 3 * HOUR + 5 });
        expect(await store.countHit('acct-1', 'codesSent', MINUTE, T0 + 2 * HOUR), 'a later windowMs does not move the open window').to.deep.equal({ count: 2, resetAt: T0 + 3 * HOUR + 5 });
      });

      it('reads without counting or opening a window when `by` is 0', async () => {
        expect(await store.countHit('acct-1', 'x', HOUR, T0, 0)).to.deep.equal({ count: 0, resetAt: T0 });
        expect(await store.countHit('acct-1', 'x', HOUR, T0 + MINUTE)).to.deep.equal({ count: 1, resetAt: T0 + MINUTE + HOUR });
        expect(await store.countHit('acct-1', 'x', HOUR, T0 + 2 * MINUTE, 0)).to.deep.equal({ count: 1, resetAt: T0 + MINUTE + HOUR });
        expect(await store.countHit('unknown-acct', 'x', HOUR, T0, 0)).to.deep.equal({ count: 0, resetAt: T0 });
      });

      it('gives hits back, never below 0, and gives nothing back when no window is open', async () => {
        await store.countHit('acct-1', 'y', HOUR, T0, 2);
        expect(await store.countHit('acct-1', 'y', HOUR, T0 + 1, -1)).to.deep.equal({ count: 1, resetAt: T0 + HOUR });
        expect(await store.countHit('acct-1', 'y', HOUR, T0 + 2, -5)).to.deep.equal({ count: 0, resetAt: T0 + HOUR });
        expect(await store.countHit('acct-1', 'y', HOUR, T0 + 3)).to.deep.equal({ count: 1, resetAt: T0 + HOUR });
        expect(await store.countHit('acct-1', 'z', HOUR, T0, -1)).to.deep.equal({ count: 0, resetAt: T0 });
        expect(await store.countHit('acct-1', 'z', HOUR, T0 + 1)).to.deep.equal({ count: 1, resetAt: T0 + 1 + HOUR });
      });

      it('keeps counters apart by name and by account, whatever characters their ids hold', async () => {
        const accounts = ['acct-1', 'acct-2', 'a}b', '{a', '%7D', ''];
        const names = ['wrongCodes', 'wrongCodes:dev-a', 'lock:wrongCodes', 'a b{c}'];
        for (const [i, account] of accounts.entries()) {
          for (const [j, name] of names.entries()) await store.countHit(account, name, HOUR, T0, 1 + i * names.length + j);
        }
        for (const [i, account] of accounts.entries()) {
          for (const [j, name] of names.entries()) expect((await store.countHit(account, name, HOUR, T0 + 1, 0)).count, `${account} ${name}`).to.equal(1 + i * names.length + j);
        }
      });

      it('counts 50 racing hits exactly, each count handed out once', async () => {
        const hits = await Promise.all(Array.from({ length: 50 }, (_, i) => store.countHit('race', 'wrongCodes', HOUR, T0 + i)));
        expect(hits.map((h) => h.count).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(new Set(hits.map((h) => h.resetAt)).size, 'one window').to.equal(1);
        expect((await store.countHit('race', 'wrongCodes', HOUR, T0 + 50, 0)).count).to.equal(50);
      });
    });

    describe('conversions and insights', () => {
      const TTL = 30 * DAY;
      type Insights = Required<Pick<Store, 'recordExposure' | 'findExposures' | 'recordConversion' | 'countDay' | 'readDays' | 'listConversions'>>;
      const insights = (): Insights => {
        for (const method of ['recordExposure', 'findExposures', 'recordConversion', 'countDay', 'readDays', 'listConversions'] as const) {
          expect(store[method], `${name} implements ${method}()`).to.be.a('function');
        }
        return store as unknown as Insights;
      };
      const exposure = (overrides: Partial<Exposure> = {}): Exposure => ({ at: T0, accountId: 'acct-1', via: 'challenge', challengeId: 'ch-1', challengeKind: 'device_limit', reason: 'device_count', ...overrides });
      const conversion = (overrides: Partial<Conversion> = {}): Conversion => ({
        at: T0 + DAY,
        accountId: 'new-acct',
        deviceId: 'dev-c',
        fromAccountId: 'acct-1',
        via: 'challenge',
        challengeId: 'ch-1',
        challengeKind: 'device_limit',
        reason: 'device_count',
        plan: 'premium',
        revenue: { amount: 9.99, currency: 'EUR' },
        ...overrides,
      });

      it("remembers each device's exposures, newest first, keeping the newest 8, whatever characters the ids hold", async () => {
        const s = insights();
        const devices = ['dev-a', 'dev-b', 'a}b', '{a', '%7D', 'a:b', ''];
        for (const [i, deviceId] of devices.entries()) await s.recordExposure(deviceId, exposure({ at: T0 + i, accountId: `acct-${i}` }), TTL);
        for (const [i, deviceId] of devices.entries()) expect(await s.findExposures(deviceId), deviceId).to.deep.equal([exposure({ at: T0 + i, accountId: `acct-${i}` })]);
        for (let i = 1; i <= 10; i++) await s.recordExposure('dev-a', exposure({ at: T0 + i * MINUTE, via: i % 2 ? 'history' : 'kicked' }), TTL);
        const kept = await s.findExposures('dev-a');
        expect(kept.map((e) => e.at)).to.deep.equal([10, 9, 8, 7, 6, 5, 4, 3].map((i) => T0 + i * MINUTE));
        expect(kept).to.have.length(INSIGHTS_BOUNDS.exposuresPerDevice);
        expect(await s.findExposures('unknown')).to.deep.equal([]);
      });

      it('records a conversion once per device and new account, counting it in its day once', async () => {
        const s = insights();
        const counts = { cv: 1, 'cv:challenge': 1, 'rev:EUR': 99_900 };
        expect(await s.recordConversion(conversion(), '2026-01-06', counts, TTL)).to.deep.equal({ recorded: true, conversion: conversion() });
        const again = await s.recordConversion(conversion({ at: T0 + 2 * DAY, revenue: { amount: 20, currency: 'USD' } }), '2026-01-07', { cv: 1, 'rev:USD': 200_000 }, TTL);
        expect(again, 'the first one stands').to.deep.equal({ recorded: false, conversion: conversion() });
        expect(await s.readDays(['2026-01-06', '2026-01-07'])).to.deep.equal([counts, {}]);
        // The same device to another account, and another device to the same account, are conversions of their own.
        expect((await s.recordConversion(conversion({ accountId: 'other-acct' }), '2026-01-06', counts, TTL)).recorded).to.equal(true);
        expect((await s.recordConversion(conversion({ deviceId: 'dev-d' }), '2026-01-06', counts, TTL)).recorded).to.equal(true);
        // Ids that could run together if joined naively stay apart.
        expect((await s.recordConversion(conversion({ deviceId: 'a:b', accountId: 'c' }), '2026-01-06', {}, TTL)).recorded).to.equal(true);
        expect((await s.recordConversion(conversion({ deviceId: 'a', accountId: 'b:c' }), '2026-01-06', {}, TTL)).recorded).to.equal(true);
        expect(await s.readDays(['2026-01-06'])).to.deep.equal([{ cv: 3, 'cv:challenge': 3, 'rev:EUR': 299_700 }]);
      });

      it('lets one of 20 racing records of the same conversion through, and counts it once', async () => {
        const s = insights();
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.recordConversion(conversion({ at: T0 + DAY + i }), '2026-01-06', { cv: 1 }, TTL)));
        expect(results.filter((r) => r.recorded)).to.have.length(1);
        const winner = results.find((r) => r.recorded)!.conversion;
        expect(results.every((r) => JSON.stringify(r.conversion) === JSON.stringify(winner)), 'every loser gets the winner').to.equal(true);
        expect(await s.readDays(['2026-01-06'])).to.deep.equal([{ cv: 1 }]);
      });

      it("adds to a day's counters atomically and reads days in the order asked, without a day's counters leaking into another", async () => {
        const s = insights();
        await Promise.all(Array.from({ length: 50 }, () => s.countDay('2026-01-05', { 'ch:device_limit:created': 1, 'ch:device_limit:presented': 1 }, TTL)));
        await s.countDay('2026-01-05', { 'ch:verify:created': 2 }, TTL);
        await s.countDay('2026-01-07', { 'ch:verify:created': 1 }, TTL);
        expect(await s.readDays(['2026-01-07', '2026-01-06', '2026-01-05'])).to.deep.equal([
          { 'ch:verify:created': 1 },
          {},
          { 'ch:device_limit:created': 50, 'ch:device_limit:presented': 50, 'ch:verify:created': 2 },
        ]);
        expect(await s.readDays([])).to.deep.equal([]);
      });

      it(`keeps at most ${INSIGHTS_BOUNDS.countersPerDay} counters a day: new ones beyond are dropped, existing ones still count`, async () => {
        const s = insights();
        const many = Object.fromEntries(Array.from({ length: INSIGHTS_BOUNDS.countersPerDay + 10 }, (_, i) => [`rev:C${i}`, 1]));
        await s.countDay('2026-01-05', many, TTL);
        await s.countDay('2026-01-05', { 'rev:C0': 4, 'rev:NEW': 1 }, TTL);
        const [day] = await s.readDays(['2026-01-05']);
        expect(Object.keys(day!)).to.have.length(INSIGHTS_BOUNDS.countersPerDay);
        expect(day!['rev:C0']).to.equal(5);
        expect(day!['rev:NEW']).to.equal(undefined);
      });

      it('lists the conversions of the days asked, day by day in that order, newest first, up to the limit', async () => {
        const s = insights();
        for (let i = 0; i < 3; i++) await s.recordConversion(conversion({ deviceId: `d5-${i}`, at: T0 + i }), '2026-01-05', { cv: 1 }, TTL);
        for (let i = 0; i < 2; i++) await s.recordConversion(conversion({ deviceId: `d6-${i}`, at: T0 + DAY + i }), '2026-01-06', { cv: 1 }, TTL);
        const ids = (list: Conversion[]) => list.map((c) => c.deviceId);
        expect(ids(await s.listConversions(['2026-01-06', '2026-01-05'], 100))).to.deep.equal(['d6-1', 'd6-0', 'd5-2', 'd5-1', 'd5-0']);
        expect(ids(await s.listConversions(['2026-01-06', '2026-01-05'], 3))).to.deep.equal(['d6-1', 'd6-0', 'd5-2']);
        expect(ids(await s.listConversions(['2026-01-05'], 2))).to.deep.equal(['d5-2', 'd5-1']);
        expect(await s.listConversions(['2026-01-04'], 10)).to.deep.equal([]);
        expect((await s.listConversions(['2026-01-06'], 1))[0]).to.deep.equal(conversion({ deviceId: 'd6-1', at: T0 + DAY + 1 }));
      });

      it(`lists the newest ${INSIGHTS_BOUNDS.conversionsPerDay} conversions of a day, while all of them count`, async () => {
        const s = insights();
        const total = INSIGHTS_BOUNDS.conversionsPerDay + 5;
        await Promise.all(Array.from({ length: total }, (_, i) => s.recordConversion(conversion({ deviceId: `d-${String(i).padStart(4, '0')}`, at: T0 + i }), '2026-01-05', { cv: 1 }, TTL)));
        const listed = await s.listConversions(['2026-01-05'], 5000);
        expect(listed).to.have.length(INSIGHTS_BOUNDS.conversionsPerDay);
        expect(await s.readDays(['2026-01-05'])).to.deep.equal([{ cv: total }]);
      });

      it('hands out copies and keeps its own', async () => {
        const s = insights();
        const given = exposure();
        await s.recordExposure('dev-a', given, TTL);
        given.accountId = 'mutated';
        (await s.findExposures('dev-a'))[0]!.accountId = 'mutated too';
        expect(await s.findExposures('dev-a')).to.deep.equal([exposure()]);
        const recorded = conversion();
        const { conversion: stored } = await s.recordConversion(recorded, '2026-01-06', { cv: 1 }, TTL);
        recorded.revenue!.amount = 0;
        stored.revenue!.amount = 1;
        expect((await s.listConversions(['2026-01-06'], 1))[0]).to.deep.equal(conversion());
        expect((await s.recordConversion(conversion(), '2026-01-06', { cv: 1 }, TTL)).conversion).to.deep.equal(conversion());
      });
    });

    describe('isolation', () => {
      it('cannot be changed through what it hands out: a snapshot record is a copy or frozen', async () => {
        const result = await store.attach(input({ metadata: { tags: ['a'] }, location: { country: 'FR', lat: 48.85, lon: 2.35 } }));
        const fromSnapshot = device(result, 'dev-a') as DeviceRecord;
        attempt(() => (fromSnapshot.status = 'kicked'));
        attempt(() => (fromSnapshot.metadata?.tags as string[]).push('mutated'));
        attempt(() => (fromSnapshot.agent.browser = 'Mutated'));
        attempt(() => (fromSnapshot.lastLocation!.lat = 0));
        const access = result.snapshot.accesses[0] as Access;
        attempt(() => (access.page = '/mutated'));
        attempt(() => (access.location!.lat = 0));
        attempt(() => (result.snapshot.devices as DeviceRecord[]).pop());
        attempt(() => (result.snapshot.accesses as Access[]).pop());
        const listed = await store.listDevices('acct-1');
        listed[0]!.lastSeen = T0 + DAY;

        const again = await store.attach(input({ at: T0 + 1 }));
        expect(device(again, 'dev-a')).to.deep.include({ status: 'attached', lastSeen: T0 + 1, metadata: { tags: ['a'] } });
        expect(device(again, 'dev-a').agent.browser).to.equal('Firefox');
        expect(again.snapshot.accesses.map((a) => [a.page, a.location?.lat])).to.deep.equal([['/library', 48.85], ['/library', undefined]]);

        await store.createChallenge(challenge());
        const got = await store.getChallenge('ch-1');
        got!.status = 'completed';
        got!.reasons.push({ check: 'mutated', observed: 0, threshold: 0 });
        const updated = await store.updateChallenge('ch-1', ['created'], { status: 'presented' });
        updated!.limits.devices = 99;
        expect(await store.getChallenge('ch-1')).to.deep.equal(challenge({ status: 'presented' }));
      });

      it('keeps its own copy of what it is given: changing an input later changes nothing stored', async () => {
        const call = input({ location: { country: 'FR', lat: 48.85, lon: 2.35 }, metadata: { tags: ['a'] } });
        await store.attach(call);
        call.access.page = '/mutated';
        call.access.location!.lat = 0;
        call.agent.browser = 'Mutated';
        (call.metadata!.tags as string[]).push('mutated');

        const [stored] = await store.listDevices('acct-1');
        expect(stored?.agent.browser).to.equal('Firefox');
        expect(stored?.lastLocation?.lat).to.equal(48.85);
        expect(stored?.metadata).to.deep.equal({ tags: ['a'] });
        const next = await store.attach(input({ at: T0 + 1 }));
        expect(next.snapshot.accesses[0]).to.deep.include({ page: '/library' });
        expect(next.snapshot.accesses[0]?.location?.lat).to.equal(48.85);

        const given = challenge();
        await store.createChallenge(given);
        given.reasons.push({ check: 'mutated', observed: 0, threshold: 0 });
        const patch = { status: 'presented' as const, limits: { devices: 4 } };
        await store.updateChallenge('ch-1', ['created'], patch);
        patch.limits.devices = 99;
        expect(await store.getChallenge('ch-1')).to.deep.equal(challenge({ status: 'presented', limits: { devices: 4 } }));
      });
    });

    describe('admin capability (optional: all nine methods or none)', () => {
      const admin = () => {
        const methods = ['indexAccount', 'listAccounts', 'readAccount', 'eraseAccount', 'forceChallenge', 'clearForcedChallenge', 'addListEntry', 'removeListEntry', 'listEntries'] as const;
        const present = methods.filter((m) => typeof store[m] === 'function');
        expect(present, 'a store has all the admin methods or none').to.satisfy((p: string[]) => p.length === 0 || p.length === methods.length);
        return present.length === 0 ? undefined : (store as Required<Store>);
      };
      const summary = (accountId: string, devices: number, lastSeen = T0) => ({ accountId, score: 0, people: 1, allowedPeople: 1, devices, types: {}, signals: [], status: 'active' as const, lastSeen });
      const keys = (devices: number, lastSeen = T0) => ({ score: 0, people: 1, devices, lastSeen });

      it('pages the index by key, then by account id, from a cursor position, whatever is added meanwhile', async function () {
        const s = admin();
        if (!s) return this.skip();
        for (const [id, devices] of [['b', 2], ['a', 2], ['c', 2], ['d', 1], ['e', 3]] as const) await s.indexAccount(id, summary(id, devices), keys(devices));
        const first = await s.listAccounts({ sort: 'devices', limit: 2 });
        expect(first.total).to.equal(5);
        expect(first.accounts.map((a) => a.summary.accountId)).to.deep.equal(['e', 'c']);
        // Added meanwhile, before and after the cursor: neither repeats nor hides what was there.
        await s.indexAccount('bb', summary('bb', 2), keys(2));
        await s.indexAccount('z', summary('z', 9), keys(9));
        const last = first.accounts[1]!;
        const second = await s.listAccounts({ sort: 'devices', limit: 10, after: { key: last.key, accountId: last.summary.accountId } });
        expect(second.accounts.map((a) => a.summary.accountId)).to.deep.equal(['bb', 'b', 'a', 'd']);
        expect(second.total).to.equal(7);
      });

      it('updates only the fields given, and only an entry that exists when no keys are given', async function () {
        const s = admin();
        if (!s) return this.skip();
        await s.indexAccount('gone', { status: 'suspended' });
        expect((await s.listAccounts({ sort: 'lastSeen', limit: 10 })).total).to.equal(0);
        await s.indexAccount('acct-1', { ...summary('acct-1', 2), signals: [{ check: 'impossible_travel', observed: 5000.5, threshold: 1000 }] }, keys(2));
        await s.indexAccount('acct-1', { lastChallenge: { id: 'ch-1', deviceId: 'dev-a', kind: 'verify', status: 'created', at: T0 + 1 } });
        await s.indexAccount('acct-1', { ...summary('acct-1', 3, T0 + 2), signals: [] }, keys(3, T0 + 2));
        const [entry] = (await s.listAccounts({ sort: 'devices', limit: 1 })).accounts;
        expect(entry!.summary).to.deep.equal({ ...summary('acct-1', 3, T0 + 2), lastChallenge: { id: 'ch-1', deviceId: 'dev-a', kind: 'verify', status: 'created', at: T0 + 1 } });
      });

      it('reads and erases everything of one account, and keeps forced challenges with each snapshot until cleared', async function () {
        const s = admin();
        if (!s) return this.skip();
        await s.attach(input({ device: 'dev-a' }));
        await s.attach(input({ device: 'dev-b', at: T0 + 1 }));
        await s.attach(input({ account: 'acct-2', device: 'dev-z' }));
        await s.saveProfile('acct-1', { v: 1, places: [] });
        await s.createChallenge(challenge());
        await s.countHit('acct-1', 'wrongCodes', 10 * MINUTE, T0);
        await s.forceChallenge('acct-1', undefined, T0 + 2);
        await s.forceChallenge('acct-1', 'dev-b', T0 + 3);
        await s.indexAccount('acct-1', summary('acct-1', 2), keys(2));
        expect((await s.attach(input({ device: 'dev-a', at: T0 + 4 }))).snapshot.forced).to.have.deep.members([{ at: T0 + 2 }, { deviceId: 'dev-b', at: T0 + 3 }]);
        await s.clearForcedChallenge('acct-1', undefined);

        const stored = await s.readAccount('acct-1');
        expect(ids(stored.devices)).to.deep.equal(['dev-a', 'dev-b']);
        expect(stored.accesses.map((a) => a.at)).to.deep.equal([T0, T0 + 1, T0 + 4]);
        expect(stored.profile).to.deep.equal({ v: 1, places: [] });
        expect(stored.challenges.map((c) => c.id)).to.deep.equal(['ch-1']);
        expect(stored.counters).to.deep.equal({ wrongCodes: { count: 1, resetAt: T0 + 10 * MINUTE } });
        expect(stored.forced).to.deep.equal([{ deviceId: 'dev-b', at: T0 + 3 }]);
        expect(stored.summary?.accountId).to.equal('acct-1');

        // A store may refuse an erasure it cannot complete everywhere (a FallbackStore while its primary is away): it must say so.
        const erased = await s.eraseAccount('acct-1').catch((error: unknown) => error as Error);
        if (erased instanceof Error) return this.skip();
        expect(erased).to.deep.equal({ devices: 2, accesses: 3, challenges: 1, counters: 1, profile: true, indexed: true });
        expect(await s.readAccount('acct-1')).to.deep.equal({ status: 'active', devices: [], accesses: [], challenges: [], counters: {}, forced: [] });
        expect(await s.getChallenge('ch-1')).to.equal(undefined);
        expect((await s.countHit('acct-1', 'wrongCodes', MINUTE, T0, 0)).count).to.equal(0);
        expect((await s.listAccounts({ sort: 'score', limit: 10 })).total).to.equal(0);
        expect(ids(await s.listDevices('acct-2'))).to.deep.equal(['dev-z']);
      });

      it('keeps dynamic list entries, one per list, kind and value', async function () {
        const s = admin();
        if (!s) return this.skip();
        // A store may refuse an entry it cannot keep where every server sees it (a FallbackStore while its primary is away).
        const added = await s.addListEntry({ list: 'deny', kind: 'ips', value: '203.0.113.0/24', addedAt: T0 }).catch((error: unknown) => error as Error);
        if (added instanceof Error) return this.skip();
        await s.addListEntry({ list: 'deny', kind: 'ips', value: '203.0.113.0/24', note: 'again', addedAt: T0 + 1 });
        await s.addListEntry({ list: 'allow', kind: 'ips', value: '203.0.113.0/24', expiresAt: T0 + DAY, addedAt: T0 });
        expect(await s.listEntries()).to.have.deep.members([
          { list: 'deny', kind: 'ips', value: '203.0.113.0/24', note: 'again', addedAt: T0 + 1 },
          { list: 'allow', kind: 'ips', value: '203.0.113.0/24', expiresAt: T0 + DAY, addedAt: T0 },
        ]);
        expect(await s.removeListEntry('deny', 'ips', '203.0.113.0/24')).to.equal(true);
        expect(await s.removeListEntry('deny', 'ips', '203.0.113.0/24')).to.equal(false);
        expect(await s.listEntries()).to.have.length(1);
      });
    });

    describe('races', () => {
      it(`lets exactly 3 of ${options.racers ?? 50} devices racing for 3 slots in`, async () => {
        const racers = options.racers ?? 50;
        const results = await Promise.all(
          Array.from({ length: racers }, (_, i) => store.attach(input({ account: 'race', device: `racer-${i}`, at: T0 + i, limits: { devices: 3 } }))),
        );
        expect(results.filter((r) => r.outcome.kind === 'attached')).to.have.length(3);
        expect(results.filter((r) => r.outcome.kind === 'over_limit')).to.have.length(racers - 3);
        const devices = await store.listDevices('race');
        expect(devices.filter((d) => d.status === 'attached')).to.have.length(3);
        expect(devices).to.have.length(3);
      });
    });
  });
}
