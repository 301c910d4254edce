import type { DeviceRecord } from '../model.js';
import type { SignalContext, SignalResult } from './context.js';
import { handheldDevices, householdsOf, isPlaceAccess, mayBeOneHome, placeOf } from './households.js';

/**
 * `concurrent_sessions`: devices of this device's type in use at once (within `activeWindowMs`)
 * from places of different households. A phone and a laptop at once is normal; so are several
 * devices of one home, whatever IPv6 address each shows; carrier and VPN networks are no place.
 */
export function concurrentSessions(context: SignalContext): SignalResult {
  const { access, profile } = context;
  const households = householdsOf(profile);
  const here = isPlaceAccess(access) ? placeOf(profile, access.network) : undefined;
  const mine = here && households.get(here);
  const elsewhere = new Set<unknown>();
  if (mine) {
    const handheld = handheldDevices(context.devices);
    for (const device of context.devices) {
      if (!isConcurrent(device, context)) continue;
      const place = device.lastLocation?.mobile || device.lastLocation?.hosting || device.lastLocation?.pooled ? undefined : placeOf(profile, device.lastNetwork);
      const theirs = place && households.get(place);
      if (theirs && theirs !== mine && !mayBeOneHome(mine, theirs, context.settings.travel.minDistanceKm, handheld)) elsewhere.add(theirs);
    }
  }
  const observed = 1 + elsewhere.size;
  return { check: 'concurrent_sessions', observed, threshold: 1, fired: observed > 1, message: `${observed} ${context.device.type} devices in use at once from different households.` };
}

function isConcurrent(device: DeviceRecord, context: SignalContext): boolean {
  return (
    device.id !== context.device.id &&
    device.status === 'attached' &&
    device.type === context.device.type &&
    context.access.at - device.lastSeen <= context.settings.activeWindowMs
  );
}
