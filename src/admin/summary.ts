import { SharelockError, show } from '../errors.js';
import type { ChallengeRecord, DeviceRecord, DeviceType, Reason } from '../model.js';
import type { SignalResult } from '../signals/context.js';
import type { AccountSortKeys } from '../stores/store.js';
import type { AccountSort, AccountSummary, LastChallenge } from './types.js';

export const SORTS: readonly AccountSort[] = ['score', 'people', 'devices', 'lastSeen'];

/** Checks the `devices` and `people` parts of the score already weigh; every other fired check is a "signal". */
const COUNTED_APART = /^(?:device_count|[a-z]+_device_count|people_count)$/;

/** See `AccountSummary.score`. */
export function shareScore(summary: Pick<AccountSummary, 'people' | 'allowedPeople' | 'devices' | 'deviceLimit' | 'signals'>): number {
  const people = summary.people > summary.allowedPeople ? 1 - 0.5 ** (summary.people - summary.allowedPeople) : 0;
  const limit = summary.deviceLimit;
  // A device refused over the limit is not attached: the count check says how many asked.
  const asked = Math.max(summary.devices, ...summary.signals.filter((s) => s.check === 'device_count' && typeof s.observed === 'number').map((s) => s.observed as number));
  const devices = limit === undefined ? 0 : asked > limit ? 0.5 : limit > 0 ? (0.25 * asked) / limit : 0;
  const others = new Set(summary.signals.map((s) => s.check).filter((check) => !COUNTED_APART.test(check))).size;
  const signals = 1 - 0.6 ** others;
  return Math.round((1 - (1 - people) * (1 - devices) * (1 - signals)) * 10_000) / 10_000;
}

/** Attached devices: in all, and per type. */
export function countDevices(devices: readonly DeviceRecord[]): { devices: number; types: Partial<Record<DeviceType, number>> } {
  const types: Partial<Record<DeviceType, number>> = {};
  let count = 0;
  for (const device of devices) {
    if (device.status !== 'attached') continue;
    count++;
    types[device.type] = (types[device.type] ?? 0) + 1;
  }
  return { devices: count, types };
}

/** A judged request's summary (the fields a miss knows; `lastChallenge` is kept by the store). */
export function summarise(accountId: string, at: number, devices: readonly DeviceRecord[], signals: readonly SignalResult[], deviceLimit: number, status: AccountSummary['status']): Omit<AccountSummary, 'lastChallenge'> {
  const people = signals.find((s) => s.check === 'people_count');
  const fired: Reason[] = signals.filter((s) => s.fired).map((s) => ({ check: s.check, observed: s.observed, threshold: s.threshold, message: s.message, ...(s.group !== undefined ? { group: s.group } : {}) }));
  const counted = countDevices(devices);
  const summary: Omit<AccountSummary, 'lastChallenge'> = {
    accountId,
    score: 0,
    people: people?.observed ?? 1,
    allowedPeople: people?.threshold ?? 1,
    ...counted,
    ...(Number.isFinite(deviceLimit) ? { deviceLimit } : {}),
    signals: fired,
    status,
    lastSeen: at,
  };
  summary.score = shareScore(summary);
  return summary;
}

const TWO_32 = 2 ** 32;
const MAX_COUNT = 1_000_000;

/**
 * Each sort's key: the sort value in the high part and the last seen second in the low part, so
 * ties are rare (a cursor skips them one by one) and, within one value, the newest comes first.
 * Every key is a whole number below 2^53, exact in a double (a Redis sorted-set score).
 */
export function accountSortKeys(summary: Pick<AccountSummary, 'score' | 'people' | 'devices' | 'lastSeen'>): AccountSortKeys {
  const second = Math.min(Math.max(Math.floor(summary.lastSeen / 1000), 0), TWO_32 - 1);
  const high = (value: number) => Math.min(Math.max(Math.floor(value), 0), MAX_COUNT) * TWO_32 + second;
  return {
    score: high(Math.round(summary.score * 10_000)),
    people: high(summary.people),
    devices: high(summary.devices),
    lastSeen: Math.max(0, Math.floor(summary.lastSeen)),
  };
}

/** The index entry's view of a challenge. */
export function lastChallengeOf(challenge: ChallengeRecord): LastChallenge {
  return {
    id: challenge.id,
    deviceId: challenge.deviceId,
    kind: challenge.kind,
    status: challenge.status,
    ...(challenge.resolution !== undefined ? { resolution: challenge.resolution } : {}),
    at: challenge.updatedAt,
  };
}

/** An opaque cursor: the sort and the position of the last account listed. */
export function encodeCursor(sort: AccountSort, key: number, accountId: string): string {
  return Buffer.from(JSON.stringify([sort, key, accountId])).toString('base64url');
}

export function decodeCursor(cursor: unknown, sort: AccountSort): { key: number; accountId: string } {
  const bad = (why: string) => new SharelockError('SHARELOCK_E_ADMIN_INVALID', `accounts(): \`cursor\` ${show(cursor)} ${why}; pass the \`next\` of a previous page, with the same \`sort\`.`);
  if (typeof cursor !== 'string' || cursor.length > 2000) throw bad('is not a cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw bad('is not a cursor');
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !Number.isSafeInteger(parsed[1]) || typeof parsed[2] !== 'string') throw bad('is not a cursor');
  if (parsed[0] !== sort) throw bad(`was made for sort ${show(parsed[0])}, not ${show(sort)}`);
  return { key: parsed[1] as number, accountId: parsed[2] as string };
}
