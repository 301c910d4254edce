import type { SignalContext, SignalResult } from './context.js';
import { sameBrowser } from '../device/agent.js';
import type { DeviceRecord } from '../model.js';
import { isNeighbour } from '../net/network.js';
import { handheldDevices, householdsOf, isPlaceAccess, isStablePlace, mayBeOneHome, placeOf, type Place } from './households.js';

/**
 * `people_count`: the distinct people behind an account, estimated as households (places joined
 * by shared devices) with a home (a place with one address where more than a phone passed by),
 * each in use on at least `people.minDays` days (in the account's local time), and alongside
 * another household: at the same time on at least `people.minOverlapDays` of them, or, for a
 * household other than the main one, on `people.minDays` days when the main household's home was in
 * use too (within `ALONGSIDE_DAYS` of that day). One odd evening elsewhere is not a person; a
 * second home in use alongside the first, day after day, is, whether or not its evenings line up
 * with the owner's.
 *
 * `primary` tells whether this access comes from the account's main household (the one with the
 * most recently verified device, else the one in use on most days), which is never challenged
 * for it.
 */
export function peopleCount(context: SignalContext): SignalResult & { primary: boolean } {
  const { profile, settings, limits } = context;
  const handheld = handheldDevices(context.devices);
  const households = joinClearedCookies([...new Set(householdsOf(profile).values())], context.devices, handheld);
  const { minDays, minOverlapDays } = settings.people;
  const main = mainHousehold(households, context);
  const homeDays = main && daysAtHome(main);
  // A household is somewhere people live: a home (see `hasHome`: not a pool, a proxy or a network a
  // phone passed through), in use on `minDays` days, and alongside another household: at the same
  // time on `minOverlapDays` of them, or on `minDays` days when the main household's home was in use
  // too, within `ALONGSIDE_DAYS` (a weekend friend or a household across town watching at other
  // hours than the owner: never at the same minute).
  const established = households.filter(
    (h) => hasHome(h, handheld) && days(h, 'days') >= minDays && (days(h, 'overlapDays') >= minOverlapDays || (h !== main && homeDays !== undefined && alongside(h, homeDays) >= minDays)),
  );
  if (main && established.length > 0 && !established.includes(main) && hasHome(main, handheld) && days(main, 'days') >= minDays) established.push(main);
  const partners = dualStackPairs(established, settings.travel.minDistanceKm, handheld);
  const observed = Math.max(1, established.length - partners.size / 2);
  const threshold = limits.people ?? 1;
  const here = isPlaceAccess(context.access) ? placeOf(profile, context.access.network) : undefined;
  // Without a place (carrier, VPN), this access cannot be tied to a household: treat it as the owner's.
  const mine = here && established.find((h) => h.has(here));
  const primary = !here || !main || main.has(here) || !mine || partners.get(mine) === main;
  return {
    check: 'people_count',
    observed,
    threshold,
    fired: observed > threshold,
    primary,
    message: `${observed} households in use on separate networks; the plan allows ${threshold}.`,
  };
}

/**
 * Established households that may be one dual-stack home (see `mayBeOneHome`), paired one to one:
 * each pair counts as one person until a device links or separates them.
 */
function dualStackPairs(households: Array<Set<Place>>, apartKm: number, handheld: ReadonlySet<string>): Map<Set<Place>, Set<Place>> {
  const partners = new Map<Set<Place>, Set<Place>>();
  for (const a of households) {
    if (partners.has(a)) continue;
    const b = households.find((h) => h !== a && !partners.has(h) && mayBeOneHome(a, h, apartKm, handheld));
    if (b) partners.set(a, b).set(b, a);
  }
  return partners;
}

/** Whether a household has a home: a place with one address (see `isStablePlace`) people live at (see `isLivedIn`). */
function hasHome(household: Set<Place>, handheld: ReadonlySet<string>): boolean {
  for (const place of household) if (isStablePlace(place, 1) && isLivedIn(place, handheld)) return true;
  return false;
}

/**
 * Whether people may live at a place: more than somewhere a phone passed through, so in use on two
 * days, or by two devices, or by a computer or TV (or a device the account no longer lists, whose
 * type is not known). A phone or tablet alone on one day is on an unflagged carrier network or a
 * station's Wi-Fi: a household of such places only is a phone on the move, not people living
 * somewhere (its days still count as days the main household was at home: see `daysAtHome`). Nor
 * is a place where phones and tablets alone were used, only in working hours
 * (`Place.workHoursOnly`): a commuter's office, before the phone is seen at home. A computer or TV
 * makes a place lived in at any hour.
 */
function isLivedIn(place: Place, handheld: ReadonlySet<string>): boolean {
  if (place.devices.some((d) => !handheld.has(d))) return true;
  return (place.days.length >= 2 || place.devices.length >= 2) && place.workHoursOnly !== true;
}

/**
 * Households joined by a browser whose cookies were cleared: a device first seen at a place people
 * live at (see `isLivedIn`) next to (see `isNeighbour`) one where the same browser's previous cookie
 * was used (see `previousCookie`), nothing having been seen of that one since, and no other device
 * of that browser first seen since either. Cookies cleared on a home line its ISP renumbered leave
 * no device to join the old and the new line; a sharer's device of the same make is no new cookie
 * of the owner's once the owner's is in use again, or once another cookie of the owner's shows up.
 * Lived-in places only (a carrier's networks are next to everyone's on that carrier), one address
 * or not (a home's address may change within its network).
 */
function joinClearedCookies(households: Array<Set<Place>>, devices: readonly DeviceRecord[], handheld: ReadonlySet<string>): Array<Set<Place>> {
  if (households.length < 2) return households;
  const parent = new Map(households.map((h) => [h, h]));
  const root = (h: Set<Place>): Set<Place> => (parent.get(h) === h ? h : root(parent.get(h)!));
  const placesOf = (id: string) => households.flatMap((household) => [...household].filter((p) => p.devices.includes(id) && isLivedIn(p, handheld)).map((place) => ({ place, household })));
  const previous = new Map(devices.map((d) => [d, previousCookie(d, devices)]));
  const claims = new Map<DeviceRecord, number>();
  for (const p of previous.values()) if (p) claims.set(p, (claims.get(p) ?? 0) + 1);
  for (const device of devices) {
    const before = previous.get(device);
    // A cookie is cleared once: two devices of the same browser first seen after it are two devices.
    if (!before || claims.get(before) !== 1) continue;
    const then = placesOf(before.id);
    for (const now of placesOf(device.id)) {
      const next = then.find((b) => root(b.household) !== root(now.household) && b.place.networks.some((n) => now.place.networks.some((m) => isNeighbour(n, m))));
      if (next) parent.set(root(now.household), root(next.household));
    }
  }
  if (households.every((h) => parent.get(h) === h)) return households;
  const merged = new Map<Set<Place>, Set<Place>>();
  for (const household of households) merged.set(root(household), new Set([...(merged.get(root(household)) ?? []), ...household]));
  return [...merged.values()];
}

/** The device this one may be a new cookie of: the same browser (see `sameBrowser`) last seen most recently before it was first seen. */
function previousCookie(device: DeviceRecord, devices: readonly DeviceRecord[]): DeviceRecord | undefined {
  let previous: DeviceRecord | undefined;
  for (const d of devices) {
    if (d.lastSeen < device.firstSeen && (!previous || d.lastSeen > previous.lastSeen) && sameBrowser(d, device)) previous = d;
  }
  return previous;
}

/** Days a household's homes (one-address places) were in use. */
function daysAtHome(household: Set<Place>): Set<number> {
  const all = new Set<number>();
  for (const place of household) if (isStablePlace(place, 1)) for (const day of place.days) all.add(day);
  return all;
}

/**
 * A household's day counts alongside the main household's home when that home was in use within
 * this many days of it: a friend's Sunday while the owner watched on Friday. Judged when the friend
 * watches, it cannot wait for the owner's Monday.
 */
const ALONGSIDE_DAYS = 2;

/** Days a household's homes were in use while the main household's were (see `ALONGSIDE_DAYS`). */
function alongside(household: Set<Place>, homeDays: ReadonlySet<number>): number {
  let count = 0;
  for (const day of daysAtHome(household)) if (isNear(day, homeDays)) count++;
  return count;
}

/** Whether one of `days` is within `ALONGSIDE_DAYS` of `day`. */
function isNear(day: number, days: ReadonlySet<number>): boolean {
  for (let d = day - ALONGSIDE_DAYS; d <= day + ALONGSIDE_DAYS; d++) if (days.has(d)) return true;
  return false;
}

function days(household: Set<Place>, field: 'days' | 'overlapDays'): number {
  const all = new Set<number>();
  for (const place of household) for (const day of place[field]) all.add(day);
  return all.size;
}

function mainHousehold(households: Array<Set<Place>>, context: SignalContext): Set<Place> | undefined {
  const verified = context.devices.filter((d) => d.verifiedAt !== undefined).sort((a, b) => b.verifiedAt! - a.verifiedAt!);
  for (const device of verified) {
    const household = households.find((h) => [...h].some((p) => p.devices.includes(device.id)));
    if (household) return household;
  }
  return [...households].sort((a, b) => days(b, 'days') - days(a, 'days'))[0];
}
