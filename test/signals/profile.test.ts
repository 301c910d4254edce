import { expect } from 'chai';
import type { Access, DeviceRecord } from '../../src/model.js';
import { PRESETS } from '../../src/policy/presets.js';
import { readProfile, recordAccess, type AccountProfile } from '../../src/signals/households.js';
import { deepFrozen } from '../../src/stores/memory-records.js';

const T0 = Date.UTC(2026, 2, 2, 18);
const access = (deviceId: string, ip: string, network: string, at: number): Access => ({ deviceId, ip, network, at, location: { lat: 48.86, lon: 2.35, accuracyKm: 20, country: 'FR' } });
/** A Paris home where the laptop was used today. */
const stored = (): AccountProfile => ({
  v: 1,
  tzMinutes: 0,
  places: [{ networks: ['81.2.69.0/24'], devices: ['laptop'], days: [20514], overlapDays: [], lastSeen: T0 - 1, lat: 48.86, lon: 2.35, accuracyKm: 20, country: 'FR', addresses: [['81.2.69.160', T0 - 1]] }],
});

describe('the household profile the core reads and changes', () => {
  it('changes a profile a store handed out frozen on a copy, leaving the stored one as it was', () => {
    const frozen = deepFrozen(stored());
    const profile = readProfile(frozen);
    expect(profile).not.to.equal(frozen);
    const { changed } = recordAccess(profile, access('phone', '81.2.69.160', '81.2.69.0/24', T0 + 86_400_000), [] as DeviceRecord[], [], PRESETS.default);
    expect(changed).to.equal(true);
    expect(profile.places[0]!.devices).to.deep.equal(['laptop', 'phone']);
    expect(frozen).to.deep.equal(stored());
  });

  it('changes a fresh profile in place, and says nothing changed when only the time of use moved', () => {
    const profile = readProfile(stored());
    const again = recordAccess(profile, access('laptop', '81.2.69.160', '81.2.69.0/24', T0), [] as DeviceRecord[], [], PRESETS.default);
    expect(again).to.deep.equal({ profile, changed: false });
    expect(profile.places[0]!.lastSeen).to.equal(T0);
  });

  it('reads anything that is not a profile as an empty one', () => {
    for (const value of [undefined, null, 'x', 42, {}, { v: 2, places: [] }, { v: 1, places: 'no' }]) expect(readProfile(value)).to.deep.equal({ v: 1, places: [] });
    expect(readProfile({ v: 1, places: [], egress: 'no' })).to.deep.equal({ v: 1, places: [] });
  });
});
