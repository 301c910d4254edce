import { expect } from 'chai';
import type { Access } from '../../src/model.js';
import type { AccountProfile, Place } from '../../src/signals/households.js';
import { workplaces } from '../../src/signals/workplaces.js';

/** Monday 2 March 2026, midnight UTC. */
const MONDAY = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;
const OFFICE = '81.2.69.0/24';
const place: Place = { networks: [OFFICE], devices: ['phone'], days: [], overlapDays: [], lastSeen: 0 };
const at = (...hoursSinceMonday: number[]): Access[] => hoursSinceMonday.map((h) => ({ at: MONDAY + h * HOUR, deviceId: 'phone', network: OFFICE }));
const isWorkplace = (accesses: Access[], tzMinutes = 0) => workplaces({ v: 1, places: [place], tzMinutes } satisfies AccountProfile, accesses)(place);

describe('workplaces: places in use only on weekdays from 07:00 to 19:59, local time', () => {
  it('takes a place used at 07:00, midday and 19:59 from Monday to Friday for a workplace', () => {
    expect(isWorkplace(at(7, 12, 19.99, 24 + 9, 4 * 24 + 18))).to.equal(true);
  });

  it('takes a place used once at 06:59, at 20:00, or at the weekend for a home', () => {
    expect(isWorkplace(at(9, 6.99)), '06:59').to.equal(false);
    expect(isWorkplace(at(9, 20)), '20:00').to.equal(false);
    expect(isWorkplace(at(9, 5 * 24 + 12)), 'Saturday noon').to.equal(false);
    expect(isWorkplace(at(9, 6 * 24 + 12)), 'Sunday noon').to.equal(false);
  });

  it("reads the hours in the account's local time", () => {
    // 21:00 UTC is 13:00 in Los Angeles (UTC−8): working hours there.
    expect(isWorkplace(at(21, 24 + 21), -8 * 60), 'Los Angeles').to.equal(true);
    expect(isWorkplace(at(21, 24 + 21)), 'UTC').to.equal(false);
  });

  it('judges no place the history does not hold, and no carrier access', () => {
    expect(isWorkplace([]), 'no history').to.equal(false);
    const carrier = at(9).map((a) => ({ ...a, location: { lat: 0, lon: 0, mobile: true } }));
    expect(isWorkplace(carrier), 'only on a carrier').to.equal(false);
  });
});
