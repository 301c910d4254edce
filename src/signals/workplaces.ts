import type { Access } from '../model.js';
import { hours } from '../time.js';
import { dayOf, isPlaceAccess, type AccountProfile, type Place } from './households.js';

/** Working hours in the account's local time: from 07:00 to 19:59. */
const WORK_STARTS = 7;
const WORK_ENDS = 20;

/**
 * Workplaces, as the recent history shows them: places in use only on weekdays in working hours.
 * A commuter's phone is seen at the office, day after day, before it is ever seen at home, where
 * the TV stays: the office is no second home. A place people live in is in use in the evening or
 * at the weekend too. A place the history no longer holds is not judged a workplace. (`people_count`
 * asks only about places where phones and tablets alone are used: a household watching on a
 * computer or TV at midday is people, whatever the hour.)
 */
export function workplaces(profile: AccountProfile, accesses: readonly Access[]): (place: Place) => boolean {
  // Read from the history once, when first asked (most decisions never ask).
  let seen: { atWork: Set<string>; offWork: Set<string> } | undefined;
  return (place) => {
    seen ??= networksByHours(profile, accesses);
    const { atWork, offWork } = seen;
    return place.networks.some((n) => atWork.has(n)) && !place.networks.some((n) => offWork.has(n));
  };
}

function networksByHours(profile: AccountProfile, accesses: readonly Access[]): { atWork: Set<string>; offWork: Set<string> } {
  const atWork = new Set<string>();
  const offWork = new Set<string>();
  for (const access of accesses) {
    if (isPlaceAccess(access)) (isWorkingHour(access.at, profile) ? atWork : offWork).add(access.network);
  }
  return { atWork, offWork };
}

function isWorkingHour(at: number, profile: AccountProfile): boolean {
  const day = dayOf(at, profile);
  // Monday is 0 (day 0 of the epoch was a Thursday), Saturday and Sunday 5 and 6.
  const weekday = (day + 3) % 7;
  if (weekday >= 5) return false;
  const hour = Math.floor((at + (profile.tzMinutes ?? 0) * 60_000 - day * hours(24)) / hours(1));
  return hour >= WORK_STARTS && hour < WORK_ENDS;
}
