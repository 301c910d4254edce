import type { Agent, ChallengeKind, ChallengeResolution, DeviceType, Reason } from '../model.js';
import type { VerdictKind } from '../verdict.js';

/** Each event type's payload: the fields after `id` and `type`. */
export interface EventPayloads {
  'device.attached': DeviceAttached;
  'device.detached': DeviceDetached;
  'account.flagged': AccountFlagged;
  'account.suspended': AccountSuspended;
  'challenge.created': ChallengeCreated;
  'challenge.presented': ChallengeEvent;
  'challenge.code_sent': ChallengeCodeSent;
  'challenge.verified': ChallengeVerified;
  'challenge.completed': ChallengeCompleted;
  'challenge.failed': ChallengeEvent;
  'challenge.expired': ChallengeEvent;
  'conversion.recorded': ConversionRecorded;
}

/**
 * Every event sharelock publishes, in-process (`guard.on(type, listener)`) and as webhooks. The
 * names are stable: a receiver can switch on them.
 */
export type EventType = keyof EventPayloads;

// The compiler keeps the list complete: a new payload fails to build until it is listed.
const TYPES: { [K in EventType]: true } = {
  'device.attached': true, 'device.detached': true, 'account.flagged': true, 'account.suspended': true,
  'challenge.created': true, 'challenge.presented': true, 'challenge.code_sent': true, 'challenge.verified': true,
  'challenge.completed': true, 'challenge.failed': true, 'challenge.expired': true, 'conversion.recorded': true,
};
export const EVENT_TYPES: readonly EventType[] = Object.freeze(Object.keys(TYPES) as EventType[]);

/** Why a device stopped counting. */
export type DetachCause = 'owner' | 'admin' | 'inactivity' | 'policy';

/** A device was attached to an account: it counts against the account's limits from now on. */
export interface DeviceAttached {
  at: number;
  accountId: string;
  deviceId: string;
  deviceType: DeviceType;
  agent: Agent;
  ip?: string;
  /** What `identify()` returned as `metadata` (e.g. the app's session id). */
  metadata?: Record<string, unknown>;
  /** Set when the device was attached by completing this challenge (the owner confirmed it). */
  challengeId?: string;
}

/**
 * A device stopped counting. `logout: true` means it is logged out on its next request: revoke the
 * session named in `metadata` now if you keep sessions elsewhere. A device unused for
 * `inactiveAfterMs` is detached without a logout (`cause: 'inactivity'`, `logout: false`).
 */
export interface DeviceDetached {
  at: number;
  accountId: string;
  deviceId: string;
  /** `owner` (logged out in a challenge), `admin` (`guard.kick()`/`guard.detach()`), `inactivity`, `policy` (a `logout` policy). */
  cause: DetachCause;
  /** `kicked` (by the owner or `guard.kick()`) or `detached`. */
  status: 'kicked' | 'detached';
  logout: boolean;
  deviceType: DeviceType;
  agent: Agent;
  lastSeen: number;
  /** The device's metadata (from `identify()`), so the app can end that session. */
  metadata?: Record<string, unknown>;
  /** The challenge in which the owner logged it out (`cause: 'owner'`). */
  challengeId?: string;
}

/**
 * A check crossed its threshold in a policy that matched: published at most once per account,
 * policy and check per hour per process (`decision` has every judged request).
 */
export interface AccountFlagged {
  at: number;
  accountId: string;
  deviceId: string;
  /** The check, e.g. `concurrent_sessions`, `impossible_travel`, `people_count`, `device_count`. */
  check: string;
  observed: number | string;
  threshold: number | string;
  policy?: string;
  message?: string;
  /** `true`: the policy only records (monitor mode), nobody was challenged for it. */
  monitor: boolean;
  /** What the request got. */
  verdict: VerdictKind;
  ip?: string;
}

export interface AccountSuspended {
  at: number;
  accountId: string;
  /** `admin`: `guard.suspend()`; `policy`: a `suspend` policy, with its `reasons` and the device that triggered it. */
  by: 'admin' | 'policy';
  deviceId?: string;
  reasons?: Reason[];
}

/** What every `challenge.*` event carries. */
export interface ChallengeEvent {
  at: number;
  accountId: string;
  deviceId: string;
  challengeId: string;
  kind: ChallengeKind;
}

export interface ChallengeCreated extends ChallengeEvent {
  /** Why: each reason's check, observed value, threshold and policy. */
  reasons: Reason[];
  deviceType: DeviceType;
}

export interface ChallengeCodeSent extends ChallengeEvent {
  /** Where the code went (never the address or the code). */
  channels: Array<'email' | 'sms'>;
}

export interface ChallengeVerified extends ChallengeEvent {
  /** `code`: the owner entered the code; `skipped`: the account has no contact, or verification is off. */
  method: 'code' | 'skipped';
}

export interface ChallengeCompleted extends ChallengeEvent {
  /** `owner`: the owner confirmed the device; `new_account`: "create my own account"; `logged_out`: "log out". */
  resolution: ChallengeResolution;
}

/**
 * A sharer converted: a challenged (or logged-out) device signed up or subscribed on its own.
 * Published by `guard.trackConversion()`.
 */
export interface ConversionRecorded {
  at: number;
  /** The new (converted) account. */
  accountId: string;
  /** The account that was being shared. */
  fromAccountId: string;
  deviceId: string;
  /** The challenge the conversion is attributed to. */
  challengeId?: string;
  /** Why that challenge was opened (its first reason's check), e.g. `concurrent_sessions`. */
  reason?: string;
  plan?: string;
  revenue?: { amount: number; currency: string };
}

/**
 * One published event: a stable `id` (the same in every webhook attempt, so receivers can
 * deduplicate), its `type`, `at` (ms since the epoch) and the type's payload.
 */
export type SharelockEvent<T extends EventType = EventType> = { [K in T]: { id: string; type: K } & EventPayloads[K] }[T];

/**
 * A webhook body (Standard Webhooks shape): `data` is the event's payload, `timestamp` its `at`
 * as ISO 8601. The `webhook-id` header equals `id`.
 */
export type WebhookMessage<T extends EventType = EventType> = { [K in T]: { id: string; type: K; timestamp: string; data: EventPayloads[K] } }[T];
