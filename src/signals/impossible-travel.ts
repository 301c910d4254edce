import type { Location } from '../model.js';
import type { SignalContext, SignalResult } from './context.js';
import { effectiveDistanceKm, isPrecise } from './distance.js';
import { isEgress, isStablePlace, maybeDualStack, placeOf, sameHousehold } from './households.js';

/**
 * `impossible_travel`: compared with the latest access of each *other* device within
 * `travel.windowMs`, the certain distance (accuracy radii subtracted) is at least `minDistanceKm`
 * and the speed needed at least `minSpeedKmh`. Accesses without a precise location, or from
 * VPN/hosting or carrier networks or a shared egress (see `isEgress`), never raise it; nor do two
 * devices of one household (places joined by a device they share), since databases misplace some
 * networks of a home or office.
 *
 * Two devices that far apart are two people: sharing on a one-person plan, but not on a plan for
 * several (`limits.people` > 1, a family plan), where it never fires and `people_count` judges.
 */
export function impossibleTravel(context: SignalContext): SignalResult {
  const { access, settings } = context;
  const { windowMs, minDistanceKm, minSpeedKmh, maxAccuracyKm, minPlaceDays } = settings.travel;
  let fastest = 0;
  let distance = 0;
  // One hop is no evidence: both ends must be places in use on `minPlaceDays` days, each with one address.
  const established = (network: string | undefined) => minPlaceDays === 0 || isStablePlace(placeOf(context.profile, network), minPlaceDays);
  const located = (network: string | undefined, location: Location | undefined): location is Location & { lat: number; lon: number } =>
    isPrecise(location, maxAccuracyKm) && established(network) && !isEgress(context.profile, network);
  if (located(access.network, access.location)) {
    for (const device of context.devices) {
      if (device.id === access.deviceId || device.status === 'excluded') continue;
      const elapsedMs = access.at - device.lastSeen;
      if (elapsedMs > windowMs || !located(device.lastNetwork, device.lastLocation)) continue;
      if (sameHousehold(context.profile, access.network, device.lastNetwork)) continue;
      if (maybeDualStack(access, { network: device.lastNetwork, location: device.lastLocation })) continue;
      if (sameCountryAtCountryLevel(access.location, device.lastLocation)) continue;
      const km = effectiveDistanceKm(access.location, device.lastLocation);
      if (km < minDistanceKm) continue;
      const kmh = km / Math.max(elapsedMs / 3_600_000, 1 / 60);
      if (kmh > fastest) [fastest, distance] = [kmh, km];
    }
  }
  const observed = Math.round(fastest);
  const onePerson = (context.limits.people ?? 1) <= 1;
  return {
    check: 'impossible_travel',
    observed,
    threshold: minSpeedKmh,
    fired: observed >= minSpeedKmh && onePerson,
    message: observed > 0 ? `${Math.round(distance)} km from another device's last access, at ${observed} km/h.` : 'No travel between precise locations.',
  };
}

/**
 * A country-level answer (radius ≥ 1000 km, a country's centre) means "somewhere in this country":
 * its radius understates large countries (the United States, Australia, Brazil), so against a place
 * in the same country it is no evidence of travel.
 */
function sameCountryAtCountryLevel(a: Location, b: Location): boolean {
  const countryLevel = (l: Location) => (l.accuracyKm ?? 0) >= COUNTRY_LEVEL_KM;
  return (countryLevel(a) || countryLevel(b)) && a.country !== undefined && a.country === b.country;
}

const COUNTRY_LEVEL_KM = 1000;
