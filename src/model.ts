/** The data model shared by the core and every store. Plain JSON-serialisable records. */

export const DEVICE_TYPES = ['computer', 'tablet', 'mobile', 'tv', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** Device limits: `devices` overall, and optionally per device type. */
export interface Limits {
  devices?: number;
  computer?: number;
  tablet?: number;
  mobile?: number;
  tv?: number;
  other?: number;
}

/** What `identify(req)` returns for a signed-in user. */
export interface Identity {
  /** The paying unit (an account, a subscription, a team). */
  id: string;
  email?: string;
  phone?: string;
  /** `false` leaves the request unprotected (free plans). Default `true`. */
  paying?: boolean;
  /** `true` sends the request to `urls.suspended`. */
  suspended?: boolean;
  /** Per-account overrides, e.g. a family plan's larger device limit. Win over route and global limits. */
  limits?: Limits;
  plan?: string;
  /** Merged into the device record (e.g. the app's session id) so the app can act on it later. */
  metadata?: Record<string, unknown>;
}

export interface Agent {
  browser?: string;
  browserVersion?: string;
  os?: string;
  osVersion?: string;
  vendor?: string;
  model?: string;
}

export interface Location {
  lat?: number;
  lon?: number;
  accuracyKm?: number;
  country?: string;
  city?: string;
}

/**
 * `attached` counts against limits; `kicked` was logged out by the owner and `detached` by the app
 * (both are logged out on their next request, then stay out of the count); `excluded` never counts.
 */
export type DeviceStatus = 'attached' | 'detached' | 'kicked' | 'excluded';

export interface DeviceRecord {
  id: string;
  accountId: string;
  type: DeviceType;
  agent: Agent;
  status: DeviceStatus;
  /** Set when kicked or detached; cleared once the device has been logged out. */
  logoutPending: boolean;
  firstSeen: number;
  lastSeen: number;
  lastIp?: string;
  lastLocation?: Location;
  verifiedAt?: number;
  metadata?: Record<string, unknown>;
}

export interface Access {
  at: number;
  deviceId: string;
  ip?: string;
  location?: Location;
  page?: string;
}

export type AccountStatus = 'active' | 'suspended';

export type ChallengeKind = 'verify' | 'device_limit';

export type ChallengeStatus =
  | 'created'
  | 'presented'
  | 'code_sent'
  | 'verified'
  | 'skipped'
  | 'completed'
  | 'failed'
  | 'expired'
  | 'overridden';

/** How a completed challenge ended. */
export type ChallengeResolution = 'owner' | 'logged_out' | 'new_account';

export interface Reason {
  /** The check that fired, e.g. `device_count` or `mobile_device_count`. */
  check: string;
  observed: number | string;
  threshold: number | string;
  message?: string;
}

export interface ChallengeRecord {
  id: string;
  accountId: string;
  deviceId: string;
  kind: ChallengeKind;
  reasons: Reason[];
  status: ChallengeStatus;
  resolution?: ChallengeResolution;
  /** The limits in force when the challenge was created; the owner must get within them. */
  limits: Required<Pick<Limits, 'devices'>> & Limits;
  /** The device waiting to be attached: its type and agent, known before it is in the store. */
  device: { type: DeviceType; agent: Agent; ip?: string; metadata?: Record<string, unknown> };
  contact: { email?: string; phone?: string };
  codeHash?: string;
  codeExpiresAt?: number;
  codeSentAt?: number;
  attempts: number;
  returnTo?: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

export const PENDING_CHALLENGE: ReadonlySet<ChallengeStatus> = new Set(['created', 'presented', 'code_sent', 'verified', 'skipped']);
