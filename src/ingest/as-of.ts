import type { Access, DeviceRecord } from '../model.js';

/**
 * The account as it was when an event happened, as far as a snapshot taken now can tell. An
 * ingested event may arrive after later ones (a batch, a phone that was offline); compared with
 * the present, its device would look in use at once with devices used hours later, or travelling
 * back in time. So devices used since (beyond `slackMs`) keep counting against the limits, but
 * their last use is unknown then (`lastSeen` 0, no last place), and later accesses are left out.
 * An event in time order gets the snapshot itself.
 */
export function asOf(snapshot: { devices: ReadonlyArray<Readonly<DeviceRecord>>; accesses: ReadonlyArray<Readonly<Access>> }, deviceId: string, at: number, slackMs: number): { devices: ReadonlyArray<Readonly<DeviceRecord>>; accesses: ReadonlyArray<Readonly<Access>> } {
  const until = at + slackMs;
  const later = (device: Readonly<DeviceRecord>) => device.id !== deviceId && device.lastSeen > until;
  if (!snapshot.devices.some(later) && !snapshot.accesses.some((a) => a.at > until)) return snapshot;
  return {
    devices: snapshot.devices.map((device) => {
      if (!later(device)) return device;
      const { lastIp: _ip, lastNetwork: _network, lastLocation: _location, ...rest } = device;
      return { ...rest, lastSeen: 0 };
    }),
    accesses: snapshot.accesses.filter((a) => a.at <= until),
  };
}
