import type { ChallengeRecord, DeviceRecord, Reason } from '../model.js';
import type { AttachInput, AttachResult } from '../stores/store.js';
import type { Verdict } from '../verdict.js';
import type { Events } from './emitter.js';
import type { DetachCause, DeviceAttached, DeviceDetached } from './types.js';

/** The payload of `device.attached` for a device the store just attached. */
export function attachedEvent(input: Pick<AttachInput, 'accountId' | 'deviceId' | 'type' | 'agent' | 'access' | 'metadata'>, challengeId?: string): DeviceAttached {
  return {
    at: input.access.at,
    accountId: input.accountId,
    deviceId: input.deviceId,
    deviceType: input.type,
    agent: input.agent,
    ...(input.access.ip ? { ip: input.access.ip } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
    ...(challengeId ? { challengeId } : {}),
  };
}

/** The payload of `device.detached`, from the device record the store returned. */
function detachedEvent(device: DeviceRecord, at: number, cause: DetachCause, challengeId?: string): DeviceDetached | undefined {
  if (device.status !== 'kicked' && device.status !== 'detached') return undefined;
  return {
    at,
    accountId: device.accountId,
    deviceId: device.id,
    cause,
    status: device.status,
    logout: cause !== 'inactivity',
    deviceType: device.type,
    agent: device.agent,
    lastSeen: device.lastSeen,
    ...(device.metadata ? { metadata: device.metadata } : {}),
    ...(challengeId ? { challengeId } : {}),
  };
}

/** Publish `device.detached` (when anyone wants it). */
export function publishDetached(events: Events, device: DeviceRecord | undefined, at: number, cause: DetachCause, challengeId?: string): void {
  if (!device || !events.wants('device.detached')) return;
  const payload = detachedEvent(device, at, cause, challengeId);
  if (payload) events.publish('device.detached', payload);
}

/**
 * `device.detached` (cause `inactivity`) for the devices an attach detached because they were
 * unused since `inactiveBefore`, when the store reports them (`inactive` on its result).
 */
export function publishInactive(events: Events, result: AttachResult, at: number): void {
  for (const device of result.inactive ?? []) publishDetached(events, device, at, 'inactivity');
}

/** Publish the `challenge.*` event of the challenge's new status; `failed`/`expired` too. `overridden` has none. */
export function publishChallenge(events: Events, challenge: ChallengeRecord, channels: () => Array<'email' | 'sms'>): void {
  const { id: challengeId, accountId, deviceId, kind, updatedAt: at } = challenge;
  const base = { at, accountId, deviceId, challengeId, kind };
  switch (challenge.status) {
    case 'created':
      events.publish('challenge.created', () => ({ ...base, reasons: challenge.reasons, deviceType: challenge.device.type }));
      return;
    case 'presented':
      events.publish('challenge.presented', base);
      return;
    case 'code_sent':
      events.publish('challenge.code_sent', () => ({ ...base, channels: channels() }));
      return;
    case 'verified':
    case 'skipped':
      events.publish('challenge.verified', { ...base, method: challenge.status === 'verified' ? 'code' : 'skipped' });
      return;
    case 'completed':
      if (challenge.resolution) events.publish('challenge.completed', { ...base, resolution: challenge.resolution });
      return;
    case 'failed':
      events.publish('challenge.failed', base);
      return;
    case 'expired':
      events.publish('challenge.expired', base);
      return;
    case 'overridden':
      return;
  }
}

/** How long one account's check stays flagged before it is published again, per process. */
const FLAG_INTERVAL_MS = 3_600_000;
const MAX_FLAGS = 10_000;

/**
 * `account.flagged`, at most once per account, policy and check per `FLAG_INTERVAL_MS` in this
 * process: a shared account makes many judged requests, and the receiver needs the news once.
 */
export class Flags {
  /** Key → when it was last published; oldest first (re-inserted on publish). */
  readonly #last = new Map<string, number>();

  publish(events: Events, accountId: string, deviceId: string, verdict: Verdict, at: number, ip: string | undefined): void {
    if (verdict.reasons.length === 0 || !events.wants('account.flagged')) return;
    for (const reason of verdict.reasons) {
      // Reasons without a policy are not signals: lists, a store failure, a logged-out device, a suspension.
      if (reason.policy === undefined || !this.#due(`${accountId}\u0000${reason.policy}\u0000${reason.check}`, at)) continue;
      events.publish('account.flagged', flagged(reason, accountId, deviceId, verdict, at, ip));
    }
  }

  #due(key: string, at: number): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && at - last < FLAG_INTERVAL_MS && at >= last) return false;
    this.#last.delete(key);
    this.#last.set(key, at);
    if (this.#last.size > MAX_FLAGS) this.#last.delete(this.#last.keys().next().value!);
    return true;
  }
}

function flagged(reason: Reason, accountId: string, deviceId: string, verdict: Verdict, at: number, ip: string | undefined) {
  return {
    at,
    accountId,
    deviceId,
    check: reason.check,
    observed: reason.observed,
    threshold: reason.threshold,
    ...(reason.policy !== undefined ? { policy: reason.policy } : {}),
    ...(reason.message !== undefined ? { message: reason.message } : {}),
    monitor: reason.monitor === true,
    verdict: verdict.kind,
    ...(ip ? { ip } : {}),
  };
}
