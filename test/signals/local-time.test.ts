import { expect } from 'chai';
import type { Access, DeviceRecord } from '../../src/model.js';
import { PRESETS } from '../../src/policy/presets.js';
import { emptyProfile, recordAccess } from '../../src/signals/households.js';
import { isWorkingHour } from '../../src/signals/local-time.js';

/** Monday 2 March 2026, midnight UTC. */
const MONDAY = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;
const at = (hoursSinceMonday: number) => MONDAY + hoursSinceMonday * HOUR;
const LOS_ANGELES = { tzMinutes: -8 * 60 };

describe('working hours: weekdays from 07:00 to 19:59, local time', () => {
  it('are 07:00 to 19:59 from Monday to Friday', () => {
    for (const h of [7, 12, 19.99, 24 + 9, 4 * 24 + 18]) expect(isWorkingHour(at(h)), `${h} h after Monday 00:00`).to.equal(true);
  });

  it('are not 06:59, 20:00, nor the weekend', () => {
    expect(isWorkingHour(at(6.99)), '06:59').to.equal(false);
    expect(isWorkingHour(at(20)), '20:00').to.equal(false);
    expect(isWorkingHour(at(5 * 24 + 12)), 'Saturday noon').to.equal(false);
    expect(isWorkingHour(at(6 * 24 + 12)), 'Sunday noon').to.equal(false);
  });

  it("are read in the account's local time", () => {
    // 21:00 UTC on a Monday is 13:00 in Los Angeles (UTC−8); 04:00 UTC on a Saturday is still Friday 20:00 there.
    expect(isWorkingHour(at(21), LOS_ANGELES), 'Los Angeles, Monday 13:00').to.equal(true);
    expect(isWorkingHour(at(21)), 'UTC, Monday 21:00').to.equal(false);
    expect(isWorkingHour(at(5 * 24 + 3), LOS_ANGELES), 'Los Angeles, Friday 19:00').to.equal(true);
  });
});

describe('a place used only in working hours', () => {
  const visit = (deviceId: string, hoursSinceMonday: number): Access => ({ deviceId, ip: '81.2.69.160', network: '81.2.69.0/24', at: at(hoursSinceMonday), location: { lat: 48.86, lon: 2.35, accuracyKm: 20, country: 'FR' } });
  const record = (profile: ReturnType<typeof emptyProfile>, access: Access) => recordAccess(profile, access, [] as DeviceRecord[], [], PRESETS.default);

  it('is marked so from its first use, until it is used at another time: a change the store is told of', () => {
    const profile = emptyProfile();
    record(profile, visit('phone', 9));
    expect(profile.places[0]!.workHoursOnly).to.equal(true);
    expect(record(profile, visit('phone', 12)).changed, 'at noon').to.equal(false);
    expect(profile.places[0]!.workHoursOnly).to.equal(true);
    expect(record(profile, visit('phone', 24 + 21)).changed, 'Tuesday 21:00').to.equal(true);
    expect(profile.places[0]!.workHoursOnly).to.equal(false);
    record(profile, visit('phone', 2 * 24 + 12));
    expect(profile.places[0]!.workHoursOnly, 'for good').to.equal(false);
  });

  it('is not marked when first used in the evening', () => {
    const profile = emptyProfile();
    record(profile, visit('tv', 21));
    expect(profile.places[0]!).not.to.have.property('workHoursOnly');
  });
});
