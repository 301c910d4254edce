import type { SignalContext, SignalResult } from './context.js';
import { householdsOf, isPlaceAccess, isStablePlace, mayBeOneHome, placeOf, type Place } from './households.js';

/**
 * `people_count`: the distinct people behind an account, estimated as households (places joined
 * by shared devices) that were each in use on at least `people.minDays` days, and at the same time
 * as another household on at least `people.minOverlapDays` of them. One odd evening elsewhere is
 * not a person; a second home in use alongside the first, day after day, is.
 *
 * `primary` tells whether this access comes from the account's main household (the one with the
 * most recently verified device, else the one in use on most days), which is never challenged
 * for it.
 */
export function peopleCount(context: SignalContext): SignalResult & { primary: boolean } {
  const { profile, settings, limits } = context;
  const households = [...new Set(householdsOf(profile).values())];
  // A household is somewhere people live: a place with one address (a home, not a pool or proxy).
  const established = households.filter((h) => days(h, 'days') >= settings.people.minDays && days(h, 'overlapDays') >= settings.people.minOverlapDays && hasHome(h));
  const partners = dualStackPairs(established, settings.travel.minDistanceKm, handheldDevices(context));
  const observed = Math.max(1, established.length - partners.size / 2);
  const threshold = limits.people ?? 1;
  const here = isPlaceAccess(context.access) ? placeOf(profile, context.access.network) : undefined;
  const main = mainHousehold(households, context);
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

/** Phones and tablets: the devices that use a home's IPv6 whenever it has it. */
export function handheldDevices(context: Pick<SignalContext, 'devices'>): Set<string> {
  const ids = new Set<string>();
  for (const d of context.devices) if (d.type === 'mobile' || d.type === 'tablet') ids.add(d.id);
  return ids;
}

const hasHome = (household: Set<Place>): boolean => [...household].some((p) => isStablePlace(p, 1));

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
