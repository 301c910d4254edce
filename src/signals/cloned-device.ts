import type { Access } from '../model.js';
import type { SignalContext, SignalResult } from './context.js';
import { effectiveDistanceKm, isPrecise } from './distance.js';
import { maybeDualStack, samePlace } from './households.js';

const CLONE_MAX_ACCURACY_KM = 250;

/**
 * `cloned_device`: this very device id in use from two places at once — the cookie was copied to
 * another browser. One device can move far once (a flight, or a network a database misplaces); a
 * copied cookie goes back and forth. So it fires on the second impossible jump (same thresholds as
 * impossible travel) between this device's consecutive accesses within `cloneWindowMs`.
 */
export function clonedDevice(context: SignalContext): SignalResult {
  const { access, settings } = context;
  // A copied cookie shows between precisely placed networks; coarse ones jump by themselves.
  const maxAccuracyKm = Math.min(settings.travel.maxAccuracyKm, CLONE_MAX_ACCURACY_KM);
  const located = context.accesses.filter(
    (a) => a.deviceId === access.deviceId && access.at - a.at <= settings.cloneWindowMs && a.at <= access.at && isPrecise(a.location, maxAccuracyKm),
  );
  if (isPrecise(access.location, maxAccuracyKm) && !located.some((a) => a.at === access.at && a.network === access.network)) located.push(access);
  let jumps = 0;
  let fastest = 0;
  for (let i = 1; i < located.length; i++) {
    const kmh = jumpKmh(context, located[i - 1]!, located[i]!);
    if (kmh === undefined) continue;
    jumps++;
    fastest = Math.max(fastest, kmh);
  }
  return {
    check: 'cloned_device',
    observed: jumps,
    threshold: 1,
    fired: jumps > 1,
    message: jumps > 0 ? `This device went back and forth between distant places ${jumps} times (up to ${Math.round(fastest)} km/h).` : 'No impossible jumps.',
  };
}

/** The speed of an impossible move between two accesses, or `undefined` when the move is possible. */
function jumpKmh(context: SignalContext, from: Access, to: Access): number | undefined {
  const { minDistanceKm, minSpeedKmh } = context.settings.travel;
  if (samePlace(context.profile, from.network, to.network) || maybeDualStack(from, to)) return undefined;
  const km = effectiveDistanceKm(from.location as Required<Pick<Access, 'location'>>['location'] & { lat: number; lon: number }, to.location as { lat: number; lon: number });
  if (km < minDistanceKm) return undefined;
  const kmh = km / Math.max((to.at - from.at) / 3_600_000, 1 / 60);
  return kmh >= minSpeedKmh ? kmh : undefined;
}
