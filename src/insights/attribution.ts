import type { DeviceRecord } from '../model.js';
import type { Exposure } from './model.js';

/** Accounts checked per conversion, most likely first: a device rarely saw more than one shared account. */
const MAX_CANDIDATES = 3;

/**
 * The exposures a conversion of a device to `accountId` at `at` may be attributed to, best first:
 * the device's own challenge or its logout by the owner (newest first), then the challenged
 * accounts whose device history held it (newest first). Only those within `windowMs` before `at`
 * (a little after too: app servers' clocks differ), never one of the new account itself, and one
 * per original account.
 */
export function attributionCandidates(exposures: readonly Exposure[], accountId: string, at: number, windowMs: number): Exposure[] {
  const direct = (e: Exposure) => (e.via === 'history' ? 1 : 0);
  const live = exposures
    .filter((e) => e.accountId !== accountId && at - e.at <= windowMs && e.at - at <= CLOCK_SKEW_MS)
    .sort((a, b) => direct(a) - direct(b) || b.at - a.at);
  const seen = new Set<string>();
  return live.filter((e) => !seen.has(e.accountId) && seen.add(e.accountId)).slice(0, MAX_CANDIDATES);
}

/** How far ahead of the converting server's clock an exposure may be dated and still count. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Whether the device is the original account owner's own: the owner proved it with a code on it
 * (a challenge completed as the owner, or passed before). Such a device signing up for a second
 * account is the owner, not a sharer converting.
 */
export function isOwnersDevice(devices: readonly DeviceRecord[], deviceId: string): boolean {
  return devices.some((d) => d.id === deviceId && d.verifiedAt !== undefined);
}
