import type { Access } from '../model.js';
import type { SignalContext, SignalResult } from './context.js';
import { effectiveDistanceKm, isPrecise } from './distance.js';
import { isEgress, isStablePlace, maybeDualStack, placeOf, samePlace } from './households.js';

const CLONE_MAX_ACCURACY_KM = 250;

/**
 * `cloned_device`: this very device id in use from two places at once — the cookie was copied to
 * another browser. One device can move far (a flight, or a network a database misplaces; a phone
 * hopping from a corporate VPN to an unflagged carrier to home can chain several such moves); a
 * copied cookie goes back and forth, again and again while both are in use. An impossible jump
 * (same thresholds as impossible travel) between this device's consecutive accesses within
 * `cloneWindowMs` that lands back where an earlier one left from is a return; it fires on the
 * second return (A → B → A → B). One return can still be a carrier network the database misplaces
 * for a few minutes.
 */
export function clonedDevice(context: SignalContext): SignalResult {
  const { access, settings } = context;
  // A copied cookie shows between precisely placed networks; coarse ones jump by themselves.
  const maxAccuracyKm = Math.min(settings.travel.maxAccuracyKm, CLONE_MAX_ACCURACY_KM);
  // A shared egress (a VPN toggled on and off) is no place to jump to.
  // As for travel: a network in use on fewer than `travel.minPlaceDays` days, or handing out several addresses (an unflagged carrier pool), is no place either.
  const placed = (a: Access) => isPrecise(a.location, maxAccuracyKm) && !isEgress(context.profile, a.network) && (settings.travel.minPlaceDays === 0 || isStablePlace(placeOf(context.profile, a.network), settings.travel.minPlaceDays));
  const located = context.accesses.filter((a) => a.deviceId === access.deviceId && access.at - a.at <= settings.cloneWindowMs && a.at <= access.at && placed(a));
  if (placed(access) && !located.some((a) => a.at === access.at && a.network === access.network)) located.push(access);
  const jumps: Array<{ from: Access; to: Access }> = [];
  let returns = 0;
  let fastest = 0;
  for (let i = 1; i < located.length; i++) {
    const [from, to] = [located[i - 1]!, located[i]!];
    const kmh = jumpKmh(context, from, to);
    if (kmh === undefined) continue;
    if (jumps.some((earlier) => jumpKmh(context, earlier.from, to, 0) === undefined)) {
      returns++;
      fastest = Math.max(fastest, kmh);
    }
    jumps.push({ from, to });
  }
  return {
    check: 'cloned_device',
    observed: returns,
    threshold: 1,
    fired: returns > 1,
    message: returns > 0 ? `This device went back and forth between distant places ${returns} times (up to ${Math.round(fastest)} km/h).` : 'No impossible jumps back and forth.',
  };
}

/**
 * The speed of an impossible move between two accesses, or `undefined` when the move is possible
 * (`minSpeedKmh` 0: when the places are less than the travel distance apart).
 */
function jumpKmh(context: SignalContext, from: Access, to: Access, minSpeedKmh = context.settings.travel.minSpeedKmh): number | undefined {
  const { minDistanceKm } = context.settings.travel;
  if (samePlace(context.profile, from.network, to.network) || maybeDualStack(from, to)) return undefined;
  const km = effectiveDistanceKm(from.location as Required<Pick<Access, 'location'>>['location'] & { lat: number; lon: number }, to.location as { lat: number; lon: number });
  if (km < minDistanceKm) return undefined;
  const kmh = km / Math.max((to.at - from.at) / 3_600_000, 1 / 60);
  return kmh >= minSpeedKmh ? kmh : undefined;
}
