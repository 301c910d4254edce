import { randomBytes } from 'node:crypto';
import type { Config } from '../options.js';
import type { Access, Agent, ChallengeKind, ChallengeRecord, ChallengeResolution, ChallengeStatus, DeviceRecord, DeviceType, Location, Reason } from '../model.js';
import { DEVICE_TYPES, PENDING_CHALLENGE } from '../model.js';
import { exceededLimits } from '../stores/attach-rules.js';
import type { Store } from '../stores/store.js';
import { CodeHasher, generateCode, normaliseCode } from './codes.js';
import { ChallengeBudget, type Spending } from './budget.js';
import { format } from './strings.js';
import { maskEmail, maskPhone } from './mask.js';
import { safeReturnTo } from './return-to.js';
import { maskIp } from '../net/ip.js';
import type { Events } from '../events/emitter.js';
import { attachedEvent, publishChallenge, publishDetached, publishInactive } from '../events/publish.js';
import type { ChallengeInsights } from '../insights/conversions.js';
import { countCheck } from '../signals/device-count.js';
import { attachToPools, canMakeRoom, giveBackSlots, poolId, poolLimits, poolsCounting, releaseFromPools } from '../groups.js';

export type ChallengeError =
  | 'not_found'
  | 'wrong_device'
  | 'expired'
  | 'closed'
  | 'code_not_sent'
  | 'code_expired'
  | 'wrong_code'
  | 'too_many_attempts'
  | 'locked'
  | 'resend_too_soon'
  | 'send_failed'
  | 'not_verified'
  | 'over_limit'
  | 'group_full'
  | 'unknown_device';

export type ChallengeResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: ChallengeError; view?: ChallengeView; attemptsLeft?: number; retryInMs?: number; toLogOut?: number };

/** What a challenge page (built in, or the app's own) may show. No secrets, contacts masked. */
export interface ChallengeView {
  id: string;
  kind: ChallengeKind;
  status: ChallengeStatus;
  reasons: Reason[];
  limits: ChallengeRecord['limits'];
  /** Masked destinations a code goes to; empty when verification is skipped. */
  destinations: string[];
  verified: boolean;
  /** Wrong codes that may still be entered: this challenge's, or fewer when the device's or account's budget has fewer left. */
  attemptsLeft: number;
  codeExpiresAt?: number;
  resendAvailableAt?: number;
  /**
   * Set while a budget (`challenge.budget`) keeps the owner from confirming: no code is checked,
   * or none can be sent and none is waiting to be entered, before this time. The other ways out
   * stay open. Set by `present()` and on a `locked` error.
   */
  lockedUntil?: number;
  /** Set while the code waiting to be entered is the last one the budget allows before this time: no new code is sent until then. */
  resendLockedUntil?: number;
  returnTo?: string;
  expiresAt: number;
  device: { type: DeviceType; agent: Agent };
  /**
   * Set when a team's pooled limit is what is full (the first `group_device_count` or
   * `group_{type}_device_count` reason): the group, its limit, and the type for a per-type limit.
   */
  group?: { id: string; limit: number; type?: DeviceType };
  /**
   * Set when one of the account's own per-type limits is what is full (a `{type}_device_count`
   * reason, chosen over `device_count` when both are): the type and its limit.
   */
  typeLimit?: { type: DeviceType; limit: number };
  /**
   * Set when the latest decision found that the owner's own devices cannot make room in these
   * groups' pools: only the group's admin can. The devices page re-checks it (`DeviceListing.blocked`).
   */
  blocked?: ChallengeRecord['blocked'];
}

export interface DeviceView {
  id: string;
  type: DeviceType;
  agent: Agent;
  lastSeen: number;
  /** When the device was first seen; absent for the device being challenged. */
  firstSeen?: number;
  lastLocation?: Location;
  /** The network the device was last seen from, with the host part hidden. */
  network?: string;
  current: boolean;
}

export interface DeviceListing {
  devices: DeviceView[];
  /** How many devices the owner must still log out before continuing. */
  toLogOut: number;
  /**
   * Set when logging out the owner's devices cannot make room: `group_full`, the named groups'
   * pools are taken by other members' devices, which only the group's admin can log out.
   */
  blocked?: { reason: 'group_full'; groups: string[] };
  /** The device the owner just logged out, when asked for by id (`devices(id, deviceId, signedOut)`). */
  signedOut?: DeviceView;
}

export interface NewChallenge {
  accountId: string;
  deviceId: string;
  kind: ChallengeKind;
  reasons: Reason[];
  limits: ChallengeRecord['limits'];
  groups?: ChallengeRecord['groups'];
  blocked?: ChallengeRecord['blocked'];
  device: ChallengeRecord['device'];
  contact: ChallengeRecord['contact'];
  returnTo?: string;
}

type StoreCall = <T>(what: string, run: (store: Store) => Promise<T>) => Promise<T>;

/**
 * The challenge lifecycle: created → presented → code_sent → verified (or skipped) → completed;
 * or failed, expired, overridden. Every step checks that the request comes from the challenged
 * device, and every transition is a compare-and-set in the store.
 */
export class ChallengeFlow {
  readonly #config: Config;
  readonly #call: StoreCall;
  readonly #hasher: CodeHasher;
  readonly #changed: (accountId: string) => void;
  readonly #events: Events;
  readonly #budget: ChallengeBudget;
  readonly #insights: ChallengeInsights | undefined;

  /** `insights` counts each transition in the per-day funnel and remembers who may convert. */
  constructor(config: Config, call: StoreCall, onDevicesChanged: (accountId: string) => void, events: Events, insights?: ChallengeInsights) {
    this.#config = config;
    this.#call = call;
    this.#budget = new ChallengeBudget(config.challenge.budget, call);
    this.#hasher = new CodeHasher(config.secrets[0]!);
    this.#changed = onDevicesChanged;
    this.#events = events;
    this.#insights = insights;
  }

  /**
   * The device's pending challenge of this kind, or a new one (which overrides an older one of
   * another kind). A pending one takes the new decision's reasons and `blocked`, so its pages say
   * what is true now.
   */
  async open(input: NewChallenge): Promise<ChallengeRecord> {
    const pending = await this.#call('findPendingChallenge', (s) => s.findPendingChallenge(input.accountId, input.deviceId));
    const now = this.#config.now();
    if (pending && pending.kind === input.kind && pending.expiresAt > now) {
      const news = { reasons: input.reasons, blocked: input.blocked };
      if (JSON.stringify(news) === JSON.stringify({ reasons: pending.reasons, blocked: pending.blocked })) return pending;
      // `blocked: undefined` clears it; a challenge that closed meanwhile is returned as it was.
      return (await this.#call('updateChallenge', (s) => s.updateChallenge(pending.id, [...PENDING_CHALLENGE], news))) ?? pending;
    }
    // Beyond the budget of challenges opened the challenge still opens (its page offers every way
    // out) but locked: it sends no code before the lockout ends, however many are opened.
    let spent: Spending | undefined;
    let lockedUntil: number | undefined;
    if (this.#channelsFor(input.contact).length > 0) {
      try {
        const budget = await this.#budget.spend('challengesOpened', input.accountId, input.deviceId, now);
        if (budget.ok) spent = budget.spent;
        else lockedUntil = budget.retryAt;
      } catch {
        // On the decision path, never lock a paying user out because the store broke: the
        // challenge opens unlocked, and sending or checking a code still fails closed on its own budget.
      }
    }
    const challenge: ChallengeRecord = {
      id: randomBytes(16).toString('base64url'),
      accountId: input.accountId,
      deviceId: input.deviceId,
      kind: input.kind,
      reasons: input.reasons,
      status: 'created',
      limits: input.limits,
      ...(input.groups ? { groups: input.groups } : {}),
      ...(input.blocked ? { blocked: input.blocked } : {}),
      device: input.device,
      contact: input.contact,
      attempts: 0,
      ...(input.returnTo !== undefined ? { returnTo: input.returnTo } : {}),
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.#config.challenge.ttlMs,
      ...(lockedUntil !== undefined ? { lockedUntil } : {}),
    };
    await this.#call('createChallenge', (s) => s.createChallenge(challenge)).catch(async (error: unknown) => {
      if (spent) await this.#budget.refund(spent, input.accountId, input.deviceId, now).catch(() => undefined);
      throw error;
    });
    this.#emit(challenge);
    return challenge;
  }

  url(challengeId: string): string {
    return `${this.#config.challenge.basePath}/challenge/${challengeId}`;
  }

  /** Show the challenge to its device; the first view moves it from `created` to `presented`. */
  async present(id: string, deviceId: string): Promise<ChallengeResult<ChallengeView>> {
    const found = await this.#load(id, deviceId);
    if (!found.ok) return found;
    let challenge = found.value;
    if (challenge.status === 'created') {
      challenge = (await this.#update(challenge, ['created'], { status: 'presented' })) ?? challenge;
    }
    return { ok: true, value: await this.#viewNow(challenge) };
  }

  /** "I'm the owner": send a code (or `locked` while a budget is spent), or skip straight to the device list when no code can be sent. */
  async claimOwnership(id: string, deviceId: string, locale?: string): Promise<ChallengeResult<ChallengeView>> {
    const found = await this.#load(id, deviceId);
    if (!found.ok) return found;
    const challenge = found.value;
    if (isVerified(challenge.status) || challenge.status === 'code_sent') return { ok: true, value: this.#view(challenge) };
    if (this.#channels(challenge).length === 0) {
      const skipped = await this.#update(challenge, ['created', 'presented'], { status: 'skipped' });
      return skipped ? { ok: true, value: this.#view(skipped) } : { ok: false, error: 'closed' };
    }
    return this.sendCode(id, deviceId, locale);
  }

  /**
   * Send (or re-send) a code to every channel the account has; rate limited by `resendIntervalMs`
   * and by the budgets (`locked`, with `retryInMs`, while codes sent or wrong codes are spent).
   * The message is worded in `locale` (one of the configured languages; default English).
   */
  async sendCode(id: string, deviceId: string, locale?: string): Promise<ChallengeResult<ChallengeView>> {
    const found = await this.#load(id, deviceId);
    if (!found.ok) return found;
    const challenge = found.value;
    const channels = this.#channels(challenge);
    if (isVerified(challenge.status)) return { ok: true, value: this.#view(challenge) };
    if (channels.length === 0) return { ok: false, error: 'code_not_sent', view: this.#view(challenge) };
    const now = this.#config.now();
    const nextAllowed = (challenge.codeSentAt ?? 0) + this.#config.challenge.resendIntervalMs;
    if (challenge.codeSentAt && now < nextAllowed) {
      return { ok: false, error: 'resend_too_soon', view: this.#view(challenge), retryInMs: nextAllowed - now };
    }
    // Opened beyond the budget of challenges: no code before the window ends.
    if ((challenge.lockedUntil ?? 0) > now) return this.#locked(challenge, challenge.lockedUntil!, now);
    // The code path fails closed: a budget the store cannot read sends nothing (the error reaches
    // the page as "try again in a moment"), so a broken store never opens a mail-bomb or a guessing
    // hole. A code that could not be entered (wrong codes spent) is not sent either.
    const wrong = await this.#budget.standing('wrongCodes', challenge.accountId, challenge.deviceId, now);
    if (wrong.retryAt !== undefined) return this.#locked(challenge, wrong.retryAt, now);
    const budget = await this.#budget.spend('codesSent', challenge.accountId, challenge.deviceId, now);
    if (!budget.ok) return this.#locked(challenge, budget.retryAt, now, hasLiveCode(challenge, now));
    const refund = () => this.#budget.refund(budget.spent, challenge.accountId, challenge.deviceId, now).catch(() => undefined);
    const code = generateCode(this.#config.challenge.codeLength);
    const codeExpiresAt = now + this.#config.challenge.codeTtlMs;
    const patch = { status: 'code_sent' as const, codeHash: this.#hasher.hash(challenge.id, code), codeExpiresAt, codeSentAt: now };
    // The first code is a transition (counted, published); a re-send is not, even when two requests
    // raced from the same stale copy and only one of them made the transition.
    const updated =
      (await this.#update(challenge, ['created', 'presented'], patch)) ?? (await this.#update({ ...challenge, status: 'code_sent' }, ['code_sent'], patch));
    if (!updated) {
      await refund();
      return { ok: false, error: 'closed' };
    }

    const { appName } = this.#config.branding;
    const locales = this.#config.locales;
    const tr = locales.translator(locale !== undefined && locales.bundles.has(locale) ? locale : 'en');
    const { strings } = tr;
    const values = { appName, code, minutes: tr.count('minutes', Math.round(this.#config.challenge.codeTtlMs / 60_000)) };
    const results = await Promise.allSettled(
      channels.map(({ channel, to }) =>
        this.#config.senders[channel]!.send({
          channel, to, code, accountId: challenge.accountId, challengeId: challenge.id, expiresAt: codeExpiresAt, appName, locale: tr.locale,
          subject: format(strings.codeSubject, values),
          text: format(strings.codeText, values),
        }),
      ),
    );
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length === results.length) {
      this.#config.logger.error(`Could not send a verification code for challenge ${challenge.id}.`, failures[0]);
      // Let the user ask again at once: a send that reached nobody counts neither against the resend interval nor the budget.
      await refund();
      const reverted = await this.#update(updated, ['code_sent'], { codeSentAt: 0 });
      return { ok: false, error: 'send_failed', view: this.#view(reverted ?? updated) };
    }
    // The code went out by another channel: it counts (budget and resend interval), or a broken
    // channel would turn the working one into an unlimited mail-bomb.
    if (failures.length > 0) this.#config.logger.error(`Could not send a verification code for challenge ${challenge.id} by every channel; it went out by the others.`, failures[0]);
    return { ok: true, value: this.#view(updated) };
  }

  /**
   * Check a code. Wrong codes count, on the challenge and in the device's and account's budgets;
   * the challenge's last allowed attempt fails it, and a spent budget refuses codes unchecked
   * (`locked`) until its lockout ends.
   */
  async verifyCode(id: string, deviceId: string, input: unknown): Promise<ChallengeResult<ChallengeView>> {
    const found = await this.#load(id, deviceId);
    if (!found.ok) return found;
    const challenge = found.value;
    if (isVerified(challenge.status)) return { ok: true, value: this.#view(challenge) };
    if (challenge.status !== 'code_sent' || !challenge.codeHash) return { ok: false, error: 'code_not_sent', view: this.#view(challenge) };
    const now = this.#config.now();
    if ((challenge.codeExpiresAt ?? 0) <= now) return { ok: false, error: 'code_expired', view: this.#view(challenge) };
    // Counted before it is compared, so racing guesses never check more codes than the budget
    // allows; a right code gives its count back. A store that cannot count checks nothing (fails closed).
    const budget = await this.#budget.spend('wrongCodes', challenge.accountId, challenge.deviceId, now);
    if (!budget.ok) return this.#locked(challenge, budget.retryAt, now);
    const code = normaliseCode(input, this.#config.challenge.codeLength);
    if (code !== undefined && this.#hasher.matches(challenge.id, code, challenge.codeHash)) {
      await this.#budget.refund(budget.spent, challenge.accountId, challenge.deviceId, now).catch(() => undefined);
      const verified = await this.#update(challenge, ['code_sent'], { status: 'verified' });
      return verified ? { ok: true, value: this.#view(verified) } : { ok: false, error: 'closed' };
    }
    const lockedUntil = this.#budget.spentUntil(budget.spent);
    const after = await this.#call('recordFailedAttempt', (s) => s.recordFailedAttempt(challenge.id, this.#config.challenge.maxAttempts));
    if (after?.status === 'failed') this.#emit(after);
    if (!after || after.status === 'failed') return { ok: false, error: 'too_many_attempts', ...(lockedUntil !== undefined ? { retryInMs: lockedUntil - now } : {}) };
    if (lockedUntil !== undefined) return this.#locked(after, lockedUntil, now);
    const view = this.#view(after);
    view.attemptsLeft = Math.min(view.attemptsLeft, this.#budget.left(budget.spent));
    return { ok: false, error: 'wrong_code', view, attemptsLeft: view.attemptsLeft };
  }

  /**
   * The account's attached devices, for a verified owner, with how many must still go. `signedOut`,
   * the id of a device the owner just logged out, comes back as `listing.signedOut` so the page can
   * name it.
   */
  async devices(id: string, deviceId: string, signedOut?: unknown): Promise<ChallengeResult<DeviceListing>> {
    const found = await this.#verified(id, deviceId);
    if (!found.ok) return found;
    return { ok: true, value: await this.#listing(found.value, signedOut) };
  }

  /** The verified owner logs one of the account's devices out. */
  async kick(id: string, deviceId: string, targetId: unknown): Promise<ChallengeResult<DeviceListing>> {
    const found = await this.#verified(id, deviceId);
    if (!found.ok) return found;
    const challenge = found.value;
    if (typeof targetId !== 'string' || targetId === challenge.deviceId) return { ok: false, error: 'unknown_device' };
    const devices = await this.#call('listDevices', (s) => s.listDevices(challenge.accountId));
    if (!devices.some((d) => d.id === targetId && d.status === 'attached')) return { ok: false, error: 'unknown_device' };
    const kicked = await this.#call('setDeviceStatus', (s) => s.setDeviceStatus(challenge.accountId, targetId, 'kicked', this.#config.now()));
    await releaseFromPools(this.#call, targetId, poolsCounting(kicked?.groups, challenge.groups), this.#config.now());
    this.#changed(challenge.accountId);
    this.#events.emit('device', { at: this.#config.now(), accountId: challenge.accountId, deviceId: targetId, status: 'kicked', by: 'owner' });
    publishDetached(this.#events, kicked, this.#config.now(), 'owner', challenge.id);
    if (kicked) this.#insights?.ownerLoggedOut(challenge, targetId);
    return { ok: true, value: await this.#listing(challenge) };
  }

  /** Attach this device (within every limit) and close the challenge; returns where to go next. */
  async complete(id: string, deviceId: string, access: Omit<Access, 'at' | 'deviceId'> = {}): Promise<ChallengeResult<{ redirect: string }>> {
    const found = await this.#verified(id, deviceId);
    if (!found.ok) return found;
    const challenge = found.value;
    const now = this.#config.now();
    const result = await this.#call('attach', (s) =>
      s.attach({
        accountId: challenge.accountId,
        deviceId: challenge.deviceId,
        type: challenge.device.type,
        agent: challenge.device.agent,
        ...(challenge.device.metadata ? { metadata: challenge.device.metadata } : {}),
        groups: (challenge.groups ?? []).map((g) => g.id),
        access: { ...access, at: now, deviceId: challenge.deviceId },
        limits: challenge.limits,
        inactiveBefore: now - this.#config.inactiveAfterMs,
        historySize: this.#config.historySize,
        verified: challenge.status === 'verified',
      }),
    );
    const { outcome } = result;
    publishInactive(this.#events, result, now);
    // Logged out, or its account suspended, while challenged: passing the challenge cannot undo that.
    if (outcome.kind === 'logout' || outcome.kind === 'suspended') {
      // This attach took the device's pending logout: keep it for its next request.
      if (outcome.kind === 'logout') await this.#call('setDeviceStatus', (s) => s.setDeviceStatus(challenge.accountId, challenge.deviceId, outcome.status, now));
      return { ok: false, error: 'closed' };
    }
    const exceeded = outcome.kind === 'over_limit' ? outcome.exceeded : [];
    // An excluded device never counts, in its teams' pools neither.
    if (exceeded.length === 0 && challenge.groups && outcome.kind === 'attached') {
      const input = { accountId: challenge.accountId, deviceId: challenge.deviceId, type: challenge.device.type, agent: challenge.device.agent, access: { at: now, deviceId: challenge.deviceId }, limits: challenge.limits, inactiveBefore: now - this.#config.inactiveAfterMs, historySize: 1 };
      const usage = await attachToPools(this.#call, input, challenge.groups);
      exceeded.push(...usage.flatMap((g) => g.exceeded));
      if (exceeded.length > 0) await giveBackSlots(this.#call, input, outcome.newlyAttached, usage, now);
    }
    if (exceeded.length > 0) {
      const toLogOut = Math.max(...exceeded.map((e) => e.observed - e.threshold));
      const blocked = challenge.groups && (await this.#listing(challenge)).blocked;
      return { ok: false, error: blocked ? 'group_full' : 'over_limit', toLogOut };
    }
    if (outcome.kind === 'attached' && outcome.newlyAttached) {
      const { type, agent, metadata } = challenge.device;
      this.#events.publish('device.attached', () => attachedEvent({ accountId: challenge.accountId, deviceId: challenge.deviceId, type, agent, ...(metadata ? { metadata } : {}), access: { ...access, at: now, deviceId: challenge.deviceId } }, challenge.id));
    }
    await this.#update(challenge, ['verified', 'skipped'], { status: 'completed', resolution: 'owner' });
    this.#changed(challenge.accountId);
    return { ok: true, value: { redirect: safeReturnTo(challenge.returnTo) ?? this.#config.urls.success } };
  }

  /** The user chose to leave: create their own account, or log this device out. */
  async resolve(id: string, deviceId: string, resolution: Exclude<ChallengeResolution, 'owner'>): Promise<ChallengeResult<{ redirect: string }>> {
    // A failed challenge still lets its device leave these ways (its page offers them while it waits).
    const found = await this.#load(id, deviceId, true);
    if (!found.ok) return found;
    await this.#update(found.value, [...PENDING_CHALLENGE, 'failed'], { status: 'completed', resolution });
    return { ok: true, value: { redirect: resolution === 'new_account' ? this.#config.urls.newAccount : this.#config.urls.logout } };
  }

  async #load(id: string, deviceId: string, allowFailed = false): Promise<ChallengeResult<ChallengeRecord>> {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(id)) return { ok: false, error: 'not_found' };
    const challenge = await this.#call('getChallenge', (s) => s.getChallenge(id));
    if (!challenge) return { ok: false, error: 'not_found' };
    if (challenge.deviceId !== deviceId) return { ok: false, error: 'wrong_device' };
    if (challenge.status === 'expired' || challenge.status === 'overridden') return { ok: false, error: 'expired' };
    if (challenge.status === 'failed' && !allowFailed) return this.#failed(challenge);
    if (challenge.status === 'completed') return { ok: false, error: 'closed' };
    if (challenge.expiresAt <= this.#config.now()) {
      await this.#update(challenge, [...PENDING_CHALLENGE], { status: 'expired' });
      return { ok: false, error: 'expired' };
    }
    return { ok: true, value: challenge };
  }

  /** A failed challenge, with how long its device must wait when a budget is spent too. */
  async #failed(challenge: ChallengeRecord): Promise<ChallengeResult<ChallengeRecord>> {
    const now = this.#config.now();
    const wrong = await this.#budget.standing('wrongCodes', challenge.accountId, challenge.deviceId, now).catch(() => undefined);
    return { ok: false, error: 'too_many_attempts', ...(wrong?.retryAt !== undefined ? { retryInMs: wrong.retryAt - now } : {}) };
  }

  /** A `locked` refusal: the owner's path (or only a new code, while one waits to be entered) is closed until `until`. */
  #locked(challenge: ChallengeRecord, until: number, now: number, resendOnly = false): ChallengeResult<ChallengeView> {
    const view = this.#view(challenge);
    if (resendOnly) view.resendLockedUntil = until;
    else view.lockedUntil = until;
    return { ok: false, error: 'locked', view, retryInMs: Math.max(0, until - now) };
  }

  /** The view with what the budgets say now; a budget the store cannot read shows nothing (sending and checking still fail closed). */
  async #viewNow(challenge: ChallengeRecord): Promise<ChallengeView> {
    const view = this.#view(challenge);
    if (view.verified || view.destinations.length === 0) return view;
    const now = this.#config.now();
    const { accountId, deviceId } = challenge;
    const standing = await Promise.all([this.#budget.standing('wrongCodes', accountId, deviceId, now), this.#budget.standing('codesSent', accountId, deviceId, now)]).catch(() => undefined);
    if (!standing) return view;
    const [wrong, codes] = standing;
    view.attemptsLeft = Math.min(view.attemptsLeft, wrong.left);
    const live = hasLiveCode(challenge, now);
    const until = Math.max(challenge.lockedUntil ?? 0, wrong.retryAt ?? 0, live ? 0 : (codes.retryAt ?? 0));
    if (until > now) view.lockedUntil = until;
    else if (live && codes.retryAt !== undefined) view.resendLockedUntil = codes.retryAt;
    return view;
  }

  async #verified(id: string, deviceId: string): Promise<ChallengeResult<ChallengeRecord>> {
    const found = await this.#load(id, deviceId);
    if (found.ok && !isVerified(found.value.status)) return { ok: false, error: 'not_verified', view: this.#view(found.value) };
    return found;
  }

  async #update(challenge: ChallengeRecord, from: readonly ChallengeStatus[], patch: Partial<ChallengeRecord>): Promise<ChallengeRecord | undefined> {
    const updated = await this.#call('updateChallenge', (s) => s.updateChallenge(challenge.id, from, { ...patch, updatedAt: this.#config.now() }));
    if (updated && updated.status !== challenge.status) this.#emit(updated);
    return updated;
  }

  #emit(challenge: ChallengeRecord): void {
    // Every transition passes here once (each is a compare-and-set), so the funnel counts each once.
    this.#insights?.changed(challenge);
    publishChallenge(this.#events, challenge, () => this.#channels(challenge).map((c) => c.channel));
    if (!this.#events.has('challenge')) return;
    const { id: challengeId, accountId, deviceId, kind, status, resolution } = challenge;
    this.#events.emit('challenge', { at: challenge.updatedAt, accountId, deviceId, challengeId, kind, status, ...(resolution ? { resolution } : {}) });
  }

  #channels(challenge: ChallengeRecord): Array<{ channel: 'email' | 'sms'; to: string }> {
    return this.#channelsFor(challenge.contact);
  }

  #channelsFor(contact: ChallengeRecord['contact']): Array<{ channel: 'email' | 'sms'; to: string }> {
    if (this.#config.challenge.skipOwnerVerification) return [];
    const channels: Array<{ channel: 'email' | 'sms'; to: string }> = [];
    if (contact.email && this.#config.senders.email) channels.push({ channel: 'email', to: contact.email });
    if (contact.phone && this.#config.senders.sms) channels.push({ channel: 'sms', to: contact.phone });
    return channels;
  }

  async #listing(challenge: ChallengeRecord, signedOut?: unknown): Promise<DeviceListing> {
    const groups = challenge.groups ?? [];
    const [all, pools] = await Promise.all([
      this.#call('listDevices', (s) => s.listDevices(challenge.accountId)),
      Promise.all(groups.map((group) => this.#call('listDevices', (s) => s.listDevices(poolId(group.id))))),
    ]);
    const attached = all.filter((d) => d.status === 'attached' && d.id !== challenge.deviceId);
    const exceeded = exceededLimits(attached, challenge.device.type, challenge.limits);
    // Pools the owner cannot make room in: what must go there is not theirs to log out.
    const full: string[] = [];
    const ownIds = new Set(attached.map((d) => d.id));
    for (const [index, group] of groups.entries()) {
      const pool = pools[index]!.filter((d) => d.id !== challenge.deviceId);
      const over = exceededLimits(pool, challenge.device.type, poolLimits(group));
      exceeded.push(...over);
      if (!canMakeRoom(over, pool, ownIds)) full.push(group.id);
    }
    const gone = typeof signedOut === 'string' ? all.find((d) => d.id === signedOut && d.status === 'kicked') : undefined;
    const current: DeviceView = { id: challenge.deviceId, type: challenge.device.type, agent: challenge.device.agent, lastSeen: this.#config.now(), current: true };
    const network = challenge.device.ip === undefined ? undefined : maskIp(challenge.device.ip);
    if (network) current.network = network;
    return {
      devices: [current, ...attached.sort((a, b) => b.lastSeen - a.lastSeen).map(deviceView)],
      toLogOut: exceeded.length === 0 ? 0 : Math.max(...exceeded.map((e) => e.observed - e.threshold)),
      ...(full.length > 0 ? { blocked: { reason: 'group_full', groups: full } } : {}),
      ...(gone ? { signedOut: deviceView(gone) } : {}),
    };
  }

  #view(challenge: ChallengeRecord): ChallengeView {
    const { resendIntervalMs, maxAttempts } = this.#config.challenge;
    const destinations = this.#channels(challenge).map(({ channel, to }) => (channel === 'email' ? maskEmail(to) : maskPhone(to)));
    const returnTo = challenge.returnTo === undefined ? undefined : safeReturnTo(challenge.returnTo);
    return {
      id: challenge.id,
      kind: challenge.kind,
      status: challenge.status,
      reasons: challenge.reasons,
      limits: challenge.limits,
      destinations,
      verified: isVerified(challenge.status),
      attemptsLeft: Math.max(0, maxAttempts - challenge.attempts),
      ...(challenge.codeExpiresAt ? { codeExpiresAt: challenge.codeExpiresAt } : {}),
      ...(challenge.codeSentAt !== undefined ? { resendAvailableAt: challenge.codeSentAt + resendIntervalMs } : {}),
      ...(returnTo !== undefined ? { returnTo } : {}),
      expiresAt: challenge.expiresAt,
      device: { type: challenge.device.type, agent: challenge.device.agent },
      ...groupView(challenge.reasons),
      ...typeLimitView(challenge.reasons, challenge.device.type),
      ...(challenge.blocked ? { blocked: challenge.blocked } : {}),
    };
  }
}

/** Each group count check and the device type it limits (`undefined`: all devices). */
const GROUP_CHECKS = new Map<string, DeviceType | undefined>([undefined, ...DEVICE_TYPES].map((type) => [`group_${countCheck(type ?? 'devices')}`, type]));

/** The team limit a group-limit challenge is about: its first group count reason. */
function groupView(reasons: readonly Reason[]): Pick<ChallengeView, 'group'> {
  const reason = reasons.find((r) => GROUP_CHECKS.has(r.check) && r.group !== undefined && typeof r.threshold === 'number');
  if (!reason) return {};
  const type = GROUP_CHECKS.get(reason.check);
  return { group: { id: reason.group!, limit: reason.threshold as number, ...(type ? { type } : {}) } };
}

/** Each per-type count check of the account's own limits and the type it limits. */
const TYPE_CHECKS = new Map<string, DeviceType>(DEVICE_TYPES.map((type) => [countCheck(type), type]));

/**
 * The account's own per-type limit a device-limit challenge is about (the device's own type first).
 * Stated over an exceeded total too: logging out that type lowers both, logging out any device may not.
 */
function typeLimitView(reasons: readonly Reason[], deviceType: DeviceType): Pick<ChallengeView, 'typeLimit'> {
  // A monitored reason challenged nobody.
  const full = reasons.filter((r) => TYPE_CHECKS.has(r.check) && !r.monitor && typeof r.threshold === 'number');
  const reason = full.find((r) => TYPE_CHECKS.get(r.check) === deviceType) ?? full[0];
  return reason ? { typeLimit: { type: TYPE_CHECKS.get(reason.check)!, limit: reason.threshold as number } } : {};
}

/** A code was sent and can still be entered. */
function hasLiveCode(challenge: ChallengeRecord, now: number): boolean {
  return challenge.status === 'code_sent' && (challenge.codeExpiresAt ?? 0) > now;
}

function isVerified(status: ChallengeStatus): boolean {
  return status === 'verified' || status === 'skipped';
}

function deviceView(device: DeviceRecord): DeviceView {
  const view: DeviceView = { id: device.id, type: device.type, agent: device.agent, lastSeen: device.lastSeen, firstSeen: device.firstSeen, current: false };
  if (device.lastLocation) view.lastLocation = device.lastLocation;
  const network = device.lastIp === undefined ? undefined : maskIp(device.lastIp);
  if (network) view.network = network;
  return view;
}
