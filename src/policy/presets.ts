import { days, hours, minutes } from '../time.js';
import type { SignalSettings } from '../signals/context.js';
import type { Policy } from './policy.js';
import { DEVICE_TYPES } from '../model.js';

export type Tolerance = 'lenient' | 'default' | 'strict';

/**
 * Thresholds per tolerance, set together. `default` is what the detection lab supports (see
 * BENCHMARKS.md); `lenient` needs more evidence, `strict` less.
 */
export const PRESETS: Record<Tolerance, SignalSettings> = {
  lenient: {
    activeWindowMs: minutes(5),
    dualStackLinkMs: minutes(30),
    cloneWindowMs: hours(2),
    travel: { windowMs: hours(48), minDistanceKm: 800, minSpeedKmh: 1200, maxAccuracyKm: 100, minPlaceDays: 2 },
    velocity: { networksPerHour: 12, newDevicesPerDay: 8 },
    people: { minDays: 4, minOverlapDays: 3, overlapWindowMs: minutes(5) },
  },
  default: {
    activeWindowMs: minutes(5),
    // A home's devices fall back between its IPv6 and IPv4 within minutes; a phone leaving home for
    // the office Wi-Fi half an hour later must not glue the two into one place.
    dualStackLinkMs: minutes(10),
    cloneWindowMs: hours(2),
    travel: { windowMs: hours(48), minDistanceKm: 500, minSpeedKmh: 1000, maxAccuracyKm: 1000, minPlaceDays: 2 },
    velocity: { networksPerHour: 8, newDevicesPerDay: 6 },
    people: { minDays: 3, minOverlapDays: 1, overlapWindowMs: minutes(10) },
  },
  strict: {
    activeWindowMs: minutes(10),
    dualStackLinkMs: minutes(60),
    cloneWindowMs: hours(4),
    travel: { windowMs: hours(48), minDistanceKm: 300, minSpeedKmh: 800, maxAccuracyKm: 1000, minPlaceDays: 0 },
    velocity: { networksPerHour: 6, newDevicesPerDay: 4 },
    people: { minDays: 2, minOverlapDays: 1, overlapWindowMs: minutes(10) },
  },
};

/** How long a device whose owner proved it is theirs is spared further `verify` challenges. */
export const VERIFIED_TRUST_MS = days(30);

/**
 * The default policies: a device-limit challenge when counts exceed the limits; an owner check
 * when a second household shows, a cookie is cloned, or travel is impossible. Verified devices
 * and the main household are spared owner checks. Concurrency and velocity are recorded, not enforced.
 */
export const DEFAULT_POLICIES: readonly Policy[] = Object.freeze([
  { name: 'cloned_device', priority: 90, when: { all: [{ signal: 'cloned_device' }, { verified: false }] }, action: { challenge: 'verify' } },
  { name: 'second_household', priority: 80, when: { all: [{ signal: 'people_count' }, { primary: false }, { verified: false }] }, action: { challenge: 'verify' } },
  { name: 'impossible_travel', priority: 70, when: { all: [{ signal: 'impossible_travel' }, { verified: false }] }, action: { challenge: 'verify' } },
  // Same-type devices in use at once from two households is what makes a second household a person
  // (its overlap days, see people_count); alone it is weak evidence (one home whose IPv4 and IPv6
  // networks are not linked yet looks the same), so it is recorded, not enforced.
  { name: 'concurrent_sessions', priority: 60, when: { all: [{ signal: 'concurrent_sessions' }, { verified: false }] }, action: 'monitor' },
  {
    name: 'device_limit',
    priority: 50,
    when: { any: [{ signal: 'device_count' }, { signal: 'computer_device_count' }, { signal: 'tablet_device_count' }, { signal: 'mobile_device_count' }, { signal: 'tv_device_count' }, { signal: 'other_device_count' }] },
    action: { challenge: 'device_limit' },
  },
  { name: 'group_device_limit', priority: 55, when: { any: [{ signal: 'group_device_count' }, ...DEVICE_TYPES.map((type) => ({ signal: `group_${type}_device_count` }))] }, action: { challenge: 'device_limit' } },
  { name: 'high_velocity', priority: 10, when: { any: [{ signal: 'networks_per_hour' }, { signal: 'new_devices_per_day' }] }, action: 'monitor' },
] satisfies Policy[]);
