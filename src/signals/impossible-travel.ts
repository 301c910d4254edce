import type { Location } from '../model.js';
import type { SignalContext, SignalResult } from './context.js';
import { effectiveDistanceKm, haversineKm, isPrecise } from './distance.js';
import { dayOf } from './local-time.js';
import { handheldDevices, householdsOf, isEgress, isStablePlace, mayBeOneHome, maybeDualStack, placeOf, sameHousehold, type AccountProfile, type Place } from './households.js';

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
  const here = placeOf(context.profile, access.network);
  if (located(access.network, access.location) && !atHomeThatDay(context.profile, here, access.location, context.now, minDistanceKm)) {
    let handheld: Set<string> | undefined;
    for (const device of context.devices) {
      if (device.id === access.deviceId || device.status === 'excluded') continue;
      const elapsedMs = access.at - device.lastSeen;
      if (elapsedMs > windowMs || !located(device.lastNetwork, device.lastLocation)) continue;
      if (sameHousehold(context.profile, access.network, device.lastNetwork)) continue;
      if (maybeDualStack(access, { network: device.lastNetwork, location: device.lastLocation })) continue;
      // The IPv4 and IPv6 halves of one home a database places apart are no journey.
      const there = placeOf(context.profile, device.lastNetwork);
      if (here && there) {
        const households = householdsOf(context.profile);
        if (mayBeOneHome(households.get(here)!, households.get(there)!, minDistanceKm, (handheld ??= handheldDevices(context.devices)))) continue;
      }
      if (atHomeThatDay(context.profile, there, device.lastLocation, device.lastSeen, minDistanceKm)) continue;
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
 * Whether a place is a network a database misplaces rather than where someone went: on the day of
 * `at`, and on every other day it was in use, its household (the devices used there) was also in
 * use at one of its homes (a one-address place in use on 2 days) far from it. A person who travels
 * is away from home on those days; a misplaced network (an unflagged VPN exit placed abroad, an
 * office line placed at the operator's hub) is used on the days the home is used too.
 */
export function atHomeThatDay(profile: AccountProfile, place: Place | undefined, location: { lat?: number; lon?: number } | undefined, at: number, minDistanceKm: number): boolean {
  if (!place || place.days.length === 0) return false;
  const household = householdsOf(profile).get(place);
  if (!household || household.size < 2) return false;
  const homeDays = new Set<number>();
  for (const other of household) {
    if (other === place || !isStablePlace(other, 2) || other.lat === undefined || location?.lat === undefined) continue;
    // A home of the household, far from this place: the person was there, not here.
    if (haversineKm({ lat: other.lat, lon: other.lon! }, { lat: location.lat, lon: location.lon! }) < minDistanceKm) continue;
    for (const day of other.days) homeDays.add(day);
  }
  return homeDays.has(dayOf(at, profile)) && place.days.every((day) => homeDays.has(day));
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
