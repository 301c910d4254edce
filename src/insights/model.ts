import type { ChallengeKind } from '../model.js';

/** An amount of money: `amount` in the currency's units (9.99 for €9.99), `currency` an ISO 4217 code. */
export interface Revenue {
  amount: number;
  currency: string;
}

/**
 * How a conversion was attributed, most direct first:
 * - `challenge`: the converting device was itself challenged on the original account;
 * - `kicked`: the converting device was logged out by the original account's owner;
 * - `history`: the converting device was in the original account's device history when that
 *   account was challenged (another device of the same sharer was the one challenged).
 */
export type AttributionPath = 'challenge' | 'kicked' | 'history';

/**
 * Why a device may later convert: it saw a challenge, was logged out by the owner, or was one of a
 * challenged account's devices. Kept per device for the attribution window.
 */
export interface Exposure {
  at: number;
  /** The account the device was used under (the one shared). */
  accountId: string;
  via: AttributionPath;
  /** The challenge behind it; absent for a device logged out from the app's own settings (`guard.kick()`). */
  challengeId?: string;
  challengeKind?: ChallengeKind;
  /** The check the account was challenged for (e.g. `device_count`), or `kicked` for a logout outside a challenge. */
  reason?: string;
}

/** A sharer who signed up on their own, attributed to the challenge that showed them the way. */
export interface Conversion {
  at: number;
  /** The new account. */
  accountId: string;
  /** The device that signed up. */
  deviceId: string;
  /** The account that was shared. */
  fromAccountId: string;
  via: AttributionPath;
  challengeId?: string;
  challengeKind?: ChallengeKind;
  /** The check the original account was challenged for, e.g. `device_count` or `impossible_travel`. */
  reason?: string;
  plan?: string;
  revenue?: Revenue;
}

/** Counters of one UTC day, by field name (see `src/insights/funnel.ts`): whole numbers, never negative. */
export type DayCounts = Record<string, number>;
