import type { SignalContext, SignalResult } from './context.js';
import { effectiveDistanceKm, isPrecise } from './distance.js';
import { sameHousehold } from './households.js';

/**
 * `cloned_device`: this very device id, seen a moment ago from a place it cannot have travelled
 * from — the cookie was copied to another browser. Same thresholds as impossible travel.
 */
export function clonedDevice(context: SignalContext): SignalResult {
  const { access, settings } = context;
  const { windowMs, minDistanceKm, minSpeedKmh, maxAccuracyKm } = settings.travel;
  let fastest = 0;
  if (isPrecise(access.location, maxAccuracyKm)) {
    for (let i = context.accesses.length - 1; i >= 0; i--) {
      const previous = context.accesses[i]!;
      if (previous === access || previous.deviceId !== access.deviceId || previous.at >= access.at) continue;
      const elapsedMs = access.at - previous.at;
      if (elapsedMs > windowMs) break;
      if (!isPrecise(previous.location, maxAccuracyKm) || sameHousehold(context.profile, access.network, previous.network)) continue;
      const km = effectiveDistanceKm(access.location, previous.location);
      if (km < minDistanceKm) continue;
      fastest = Math.max(fastest, km / Math.max(elapsedMs / 3_600_000, 1 / 60));
    }
  }
  const observed = Math.round(fastest);
  return { check: 'cloned_device', observed, threshold: minSpeedKmh, fired: observed >= minSpeedKmh, message: `This device was just used ${observed > 0 ? `at ${observed} km/h away` : 'nearby'}.` };
}
