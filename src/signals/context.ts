import type { Access, DeviceRecord, DeviceType, Limits } from '../model.js';
import type { AccountProfile } from './households.js';
import type { GroupUsage } from '../groups.js';

/** Thresholds of every signal, with units. Tolerance presets set them together. */
export interface SignalSettings {
  /** Devices seen within this window are in use at the same time. */
  activeWindowMs: number;
  /** Moving between IPv4 and IPv6 networks within this window links them as one home. */
  dualStackLinkMs: number;
  /** A device going back and forth between distant places within this window is a copied cookie. */
  cloneWindowMs: number;
  travel: {
    /** Compare with accesses from other devices up to this long ago. */
    windowMs: number;
    minDistanceKm: number;
    minSpeedKmh: number;
    /**
     * Locations less precise than this never count. At 1000 km (the default) a country-level answer
     * still counts against a place in another country, never within its own.
     */
    maxAccuracyKm: number;
    /**
     * Both places must have been in use on this many days, each with one address (see
     * `isStablePlace`): one odd access from a network a database misplaces (an unflagged VPN or
     * carrier) is not travel. 0 counts any access.
     */
    minPlaceDays: number;
  };
  velocity: {
    /** Distinct networks per account within an hour. */
    networksPerHour: number;
    /** New devices per account within a day. */
    newDevicesPerDay: number;
  };
  people: {
    /** A household counts as a person once it has been in use on this many days... */
    minDays: number;
    /**
     * ...of which this many overlapped with another household's use (or, for a household other than
     * the main one, `minDays` of them were days the main household's home was in use too).
     */
    minOverlapDays: number;
    /**
     * Two households' use within this window overlaps. Wider than `activeWindowMs`: a session's
     * requests come minutes apart, and two homes watching the same evening rarely line up closer.
     */
    overlapWindowMs: number;
  };
}

/** Everything a signal may look at: pure data, no I/O. */
export interface SignalContext {
  now: number;
  /** This request's access, with network and location. */
  access: Access;
  device: { id: string; type: DeviceType; verifiedAt?: number };
  /** The account's devices after this access was recorded. */
  devices: readonly DeviceRecord[];
  /** Recent accesses, oldest first, this one included. */
  accesses: readonly Access[];
  profile: AccountProfile;
  limits: Limits & { devices: number; people?: number };
  settings: SignalSettings;
  /** The account's groups with pooled limits, and whether their pools took this device. */
  groups?: readonly GroupUsage[];
}

/** One check's result: the value observed and the threshold it was held to. */
export interface SignalResult {
  check: string;
  observed: number;
  threshold: number;
  fired: boolean;
  message: string;
  /** For a group check: the group it counts. */
  group?: string;
}
