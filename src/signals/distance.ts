import type { Location } from '../model.js';

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in km between two points. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A location precise enough to say where a person is: coordinates, not a VPN or carrier, radius at most `maxAccuracyKm`. */
export function isPrecise(location: Location | undefined, maxAccuracyKm: number): location is Location & { lat: number; lon: number } {
  return (
    location !== undefined &&
    typeof location.lat === 'number' &&
    typeof location.lon === 'number' &&
    !location.hosting &&
    !location.mobile &&
    !location.pooled &&
    (location.accuracyKm ?? 0) <= maxAccuracyKm
  );
}

/** The distance that is certain: the great-circle distance minus both accuracy radii (never below 0). */
export function effectiveDistanceKm(a: Location & { lat: number; lon: number }, b: Location & { lat: number; lon: number }): number {
  return Math.max(0, haversineKm(a, b) - (a.accuracyKm ?? 0) - (b.accuracyKm ?? 0));
}
