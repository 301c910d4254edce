import type { SignalContext, SignalResult } from './context.js';

const HOUR_MS = 3_600_000;

/**
 * `high_velocity`: many distinct networks within an hour, or many new devices within a day.
 * Clearing cookies to dodge the limit makes new devices fast; it shows here.
 */
export function highVelocity(context: SignalContext): SignalResult[] {
  const { now, settings } = context;
  const networks = new Set(context.accesses.filter((a) => now - a.at <= HOUR_MS && a.network).map((a) => a.network));
  const newDevices = context.devices.filter((d) => now - d.firstSeen <= 24 * HOUR_MS).length;
  return [
    {
      check: 'networks_per_hour',
      observed: networks.size,
      threshold: settings.velocity.networksPerHour,
      fired: networks.size > settings.velocity.networksPerHour,
      message: `${networks.size} networks within an hour.`,
    },
    {
      check: 'new_devices_per_day',
      observed: newDevices,
      threshold: settings.velocity.newDevicesPerDay,
      fired: newDevices > settings.velocity.newDevicesPerDay,
      message: `${newDevices} new devices within a day.`,
    },
  ];
}
