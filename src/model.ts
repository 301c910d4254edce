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
  /** Distinct people (households) allowed, e.g. more on a family plan. Default 1. */
  people?: number;
}

/**
 * A group the account belongs to, e.g. the company on a team plan. Its `limits` are pooled: devices
 * attached across all its member accounts (`people` does not apply to groups).
 */
export interface Group {
  id: string;
  limits?: Omit<Limits, 'people'>;
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
  /** Groups (a team, a company) as ids or `{ id, limits }`; policies can match them with `{ group }`. */
  groups?: Array<string | Group>;
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

/** Where an access came from, as precise as the source allows. */
export interface Location {
  lat?: number;
  lon?: number;
  /** Radius of uncertainty around lat/lon. Carrier and country-level answers are 500–1000 km. */
  accuracyKm?: number;
  /** ISO 3166-1 alpha-2. */
  country?: string;
  city?: string;
  /** Autonomous system number, when the source knows it. */
  asn?: number;
  /** A VPN, proxy, hosting or in-flight egress: says nothing about where the person is. */
  hosting?: boolean;
  /** A carrier (mobile) network: addresses are pooled and geolocated coarsely. */
  mobile?: boolean;
  /**
   * Learned by sharelock from the traffic of every account, not from the database: the address is
   * in a shared egress (a NAT used by unrelated accounts, a pool handing out new addresses within
   * hours). Like `hosting` and `mobile`, it says nothing about where the person is.
   */
  pooled?: boolean;
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
  /** The network of the last access (see `Access.network`). */
  lastNetwork?: string;
  lastLocation?: Location;
  verifiedAt?: number;
  metadata?: Record<string, unknown>;
  /**
   * The groups whose pools count this device (`identify().groups` with limits, at its last
   * request), so logging it out frees those slots at once. Absent when none.
   */
  groups?: string[];
}

export interface Access {
  at: number;
  deviceId: string;
  ip?: string;
  /** The client's network: IPv4 /24 or IPv6 /56, so one home's devices share it. */
  network?: string;
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
  /** The policy that acted on it. */
  policy?: string;
  /** `true` when the policy only records (monitor mode): nobody was challenged for it. */
  monitor?: boolean;
  /** For a group check (`group_device_count`, `group_{type}_device_count`): the group whose pooled limit it is. */
  group?: string;
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
  /** The account's groups with pooled limits, which the device must also fit in. */
  groups?: Array<Required<Group>>;
  /**
   * Set when the latest decision found that the owner's own devices cannot make room in these
   * groups' pools (colleagues' devices fill them): only the group's admin can.
   */
  blocked?: { reason: 'group_full'; groups: string[] };
  /** The device waiting to be attached: its type and agent, known before it is in the store. */
  device: { type: DeviceType; agent: Agent; ip?: string; metadata?: Record<string, unknown> };
  contact: { email?: string; phone?: string };
  codeHash?: string;
  codeExpiresAt?: number;
  codeSentAt?: number;
  attempts: number;
  /**
   * Set when the challenge was opened beyond the budget of challenges (`challenge.budget`): no
   * code is sent for it before this time. Its other ways out stay open.
   */
  lockedUntil?: number;
  returnTo?: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
}

export const PENDING_CHALLENGE: ReadonlySet<ChallengeStatus> = new Set(['created', 'presented', 'code_sent', 'verified', 'skipped']);
