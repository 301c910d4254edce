import { days } from '../time.js';

/** How long per-day figures are kept: a year, plus a month to compare a month with the year before. */
export const INSIGHTS_RETENTION_MS = days(400);

const DAY_MS = days(1);
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC day of a time, as `YYYY-MM-DD`. Days begin at 00:00 UTC, whatever the server's time zone. */
export function dayOf(at: number): string {
  return new Date(Math.floor(at / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** When a `YYYY-MM-DD` day begins (00:00 UTC), or `undefined` when it is not a real day. */
export function startOfDay(day: string): number | undefined {
  const match = DAY.exec(day);
  if (!match) return undefined;
  const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isFinite(start) && dayOf(start) === day ? start : undefined;
}

/** Every day from `from` to `to`, both included, oldest first. Both must be real days. */
export function daysBetween(from: string, to: string): string[] {
  const list: string[] = [];
  for (let at = startOfDay(from)!, end = startOfDay(to)!; at <= end; at += DAY_MS) list.push(dayOf(at));
  return list;
}

/** How long a day's figures must still be kept at `now`, in ms: until `INSIGHTS_RETENTION_MS` after the day ends. */
export function dayTtlMs(day: string, now: number): number {
  return startOfDay(day)! + DAY_MS + INSIGHTS_RETENTION_MS - now;
}
