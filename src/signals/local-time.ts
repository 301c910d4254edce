import { days, hours } from '../time.js';
import type { AccountProfile } from './households.js';

/** Working hours in the account's local time: from 07:00 to 19:59, Monday to Friday. */
const WORK_STARTS = 7;
const WORK_ENDS = 20;

type TimeZone = Pick<AccountProfile, 'tzMinutes'> | undefined;

/** Local time of `at` as ms since the epoch, for the account's `tzMinutes` (UTC until it is known). */
const local = (at: number, zone: TimeZone): number => at + (zone?.tzMinutes ?? 0) * 60_000;

/** The day (since the epoch) of `at` in the account's local time. */
export const dayOf = (at: number, zone?: TimeZone): number => Math.floor(local(at, zone) / days(1));

/**
 * Whether `at` falls in working hours, in the account's local time. A place used only then by
 * phones and tablets is a workplace, not a home (`Place.workHoursOnly`): a commuter's phone is seen
 * at the office, day after day, before it is ever seen at home, where the TV stays. A place people
 * live in is used in the evening or at the weekend too.
 */
export function isWorkingHour(at: number, zone?: TimeZone): boolean {
  const day = dayOf(at, zone);
  // Monday is 0 (day 0 of the epoch was a Thursday), Saturday and Sunday 5 and 6.
  if ((day + 3) % 7 >= 5) return false;
  const hour = Math.floor((local(at, zone) - day * days(1)) / hours(1));
  return hour >= WORK_STARTS && hour < WORK_ENDS;
}
