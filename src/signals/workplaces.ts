import { hours } from '../time.js';

/** Working hours in the account's local time: from 07:00 to 19:59, Monday to Friday. */
const WORK_STARTS = 7;
const WORK_ENDS = 20;

/**
 * Whether `at` falls in working hours, in local time (`tzMinutes` east of UTC). A place used only
 * then by phones and tablets is a workplace, not a home (`Place.workHoursOnly`): a commuter's phone
 * is seen at the office, day after day, before it is ever seen at home, where the TV stays. A place
 * people live in is used in the evening or at the weekend too.
 */
export function isWorkingHour(at: number, tzMinutes = 0): boolean {
  const local = at + tzMinutes * 60_000;
  const day = Math.floor(local / hours(24));
  // Monday is 0 (day 0 of the epoch was a Thursday), Saturday and Sunday 5 and 6.
  if ((day + 3) % 7 >= 5) return false;
  const hour = Math.floor((local - day * hours(24)) / hours(1));
  return hour >= WORK_STARTS && hour < WORK_ENDS;
}
