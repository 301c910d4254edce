import type { Decision, Identity, RequestLike, Sharelock } from '../../src/index.js';
import type { AccountPlan } from './builder.js';
import { MINUTE } from './cities.js';
import type { CoreSupport } from './core.js';
import type { Role, SimDevice } from './device.js';
import { EventQueue } from './queue.js';
import { Random } from './random.js';
import type { Session } from './schedule.js';

export interface ChallengeEvent {
  at: number;
  device: string;
  role: Role;
  kind: string;
  checks: string[];
}

/** What happened to one account over the month: the raw material of the scorer. */
export interface AccountOutcome {
  id: string;
  archetype: string;
  sharing: boolean;
  requests: number;
  firstAccessAt?: number;
  /** The first request from a sharer's device. */
  firstShareAt?: number;
  /** Each distinct challenge, when first met. */
  challenges: ChallengeEvent[];
  /** Devices the owner logged out to get within the limit after verifying. */
  kicked: number;
  /** Requests answered `logout` (a device logged out by the owner, then signed in again). */
  logouts: number;
  /** Owner verifications that could not be completed. */
  failedVerifications: number;
  /** Per check, when a policy (enforcing or monitoring) first named it, and first from a sharer's first sharing access on. */
  flagged: Map<string, { first: number; afterShare?: number }>;
}

/** How long a challenged sharer keeps coming back before giving up (or buying their own plan). */
const SHARER_PATIENCE_SESSIONS = 4;

interface Running {
  session: Session;
  account: number;
  request: number;
  random: Random;
  dodged: boolean;
  /** This session already met a challenge (a sharer's patience counts sessions, not requests). */
  challenged: boolean;
}

/** One request as the core saw it, for `inspect.ts` and the access log (`log.ts`). */
export interface RequestTrace {
  at: number;
  session: Session;
  ip: string;
  verdict: Decision['verdict']['kind'];
  checks: string[];
  request: RequestLike;
  identity: Identity;
  decision: Decision;
}

/** What the core's decisions cost over the month, measured around `decide()`. */
export interface DecisionCost {
  /** Decisions the verdict cache could not answer, and their wall time in ms each (sorted). */
  uncachedMs: number[];
  cachedMs: number;
  cached: number;
  /** Distinct device ids the core handed out. */
  devices: number;
}

export interface SimulateOptions {
  /**
   * Nobody answers a challenge: every device carries on as if enforcement were off (what an
   * access log recorded before turning sharelock on shows). Background work the core starts after
   * answering settles before the next request, as `sharelock replay` does, so both see the same.
   */
  passive?: boolean;
  /** Filled with the cost of each decision. */
  cost?: DecisionCost;
}

/**
 * Plays every session of every account through one core, in global time order (one shared verdict
 * cache, store and clock, as in production; hotels and campuses are shared across accounts), and models
 * how people respond to verdicts: an honest owner verifies by email code and logs out the least recently
 * used devices until within the limit; a sharer has no code, so a challenged sharer device stays stuck
 * (a sharer who dodges clears cookies and retries once per session), and gives up after a few sessions.
 */
export async function simulate(plans: AccountPlan[], guard: Sharelock<Identity>, support: CoreSupport, clock: { at: number }, trace?: (event: RequestTrace) => void, options: SimulateOptions = {}): Promise<AccountOutcome[]> {
  const outcomes: AccountOutcome[] = plans.map((p) => ({ id: p.id, archetype: p.archetype, sharing: p.sharing, requests: 0, challenges: [], kicked: 0, logouts: 0, failedVerifications: 0, flagged: new Map() }));
  const identities = plans.map((p) => identityOf(p, support));
  const seen = plans.map(() => new Set<string>());
  const queue = new EventQueue<Running>();
  const deviceIds = new Set<string>();
  plans.forEach((plan, account) => {
    for (const session of plan.sessions) queue.push(session.start, { session, account, request: 0, random: new Random(session.key), dodged: false, challenged: false });
  });

  for (let event = queue.pop(); event; event = queue.pop()) {
    const { at, item: run } = event;
    const { session } = run;
    const device = session.device;
    if (run.request === 0 && device.gaveUp) continue;
    clock.at = at;
    const outcome = outcomes[run.account]!;
    const identity = identities[run.account]!;

    device.clearIfDue(at, session.key);
    const req = request(device, session, at, run.request);
    const misses = options.cost ? guard.stats().cacheMisses : 0;
    const started = options.cost ? performance.now() : 0;
    const decision = await guard.decide(req, identity);
    if (options.cost) {
      const ms = performance.now() - started;
      if (guard.stats().cacheMisses > misses) options.cost.uncachedMs.push(ms);
      else [options.cost.cachedMs, options.cost.cached] = [options.cost.cachedMs + ms, options.cost.cached + 1];
      if (decision.deviceId) deviceIds.add(decision.deviceId);
    }
    if (options.passive) await new Promise<void>((resolve) => setImmediate(resolve));
    trace?.({ at, session, ip: req.headers['x-forwarded-for'] as string, verdict: decision.verdict.kind, checks: decision.verdict.reasons.map((r) => r.check), request: req, identity, decision });
    if (decision.setCookie) device.cookie = decision.setCookie.split(';', 1)[0];
    outcome.requests++;
    outcome.firstAccessAt ??= at;
    if (device.role === 'sharer') outcome.firstShareAt ??= at;

    for (const reason of decision.verdict.reasons) {
      if (reason.policy === undefined) continue;
      const flag = outcome.flagged.get(reason.check) ?? { first: at };
      if (outcome.firstShareAt !== undefined) flag.afterShare ??= at;
      outcome.flagged.set(reason.check, flag);
    }

    let next = true;
    switch (decision.verdict.kind) {
      case 'allow':
        device.blocked = false;
        break;
      case 'challenge': {
        const { challenge, reasons } = decision.verdict;
        if (!seen[run.account]!.has(challenge.id)) {
          seen[run.account]!.add(challenge.id);
          outcome.challenges.push({ at, device: device.key, role: device.role, kind: challenge.kind, checks: reasons.map((r) => r.check) });
        }
        if (options.passive) break;
        if (device.role !== 'sharer') {
          await verifyAsOwner(guard, decision, identity, outcome, session.network.address(link(device, session, at, run.request)));
          break;
        }
        if (!run.challenged) device.blockedSessions++;
        run.challenged = true;
        device.blocked = true;
        if (device.blockedSessions >= SHARER_PATIENCE_SESSIONS) device.gaveUp = true;
        if (device.dodges && !run.dodged && !device.gaveUp) {
          // Clear cookies and try again: a new device to the core.
          device.cookie = undefined;
          run.dodged = true;
          queue.push(at + run.random.uniform(15, 90) * 1000, { ...run, request: run.request + 1 });
        }
        next = false;
        break;
      }
      case 'logout':
        // The app signed them out; they sign in again and carry on (the core decides what that device gets next).
        outcome.logouts++;
        break;
      case 'suspended':
      case 'deny':
        next = false;
        break;
    }
    if (!next) continue;
    const gap = run.request === 0 && run.random.chance(0.6)
      ? run.random.uniform(2, 20) * 1000 // the page's own API calls right after it loads
      : Math.min(25 * MINUTE, Math.max(30_000, run.random.exponential(session.gapMs)));
    if (at + gap < session.end) queue.push(at + gap, { ...run, request: run.request + 1 });
  }
  if (options.cost) {
    options.cost.devices = deviceIds.size;
    options.cost.uncachedMs.sort((a, b) => a - b);
  }
  return outcomes;
}

/** The honest response to a challenge: "I'm the owner", the emailed code, log out the least recently used devices, continue. */
async function verifyAsOwner(guard: Sharelock<Identity>, decision: Decision, identity: Identity, outcome: AccountOutcome, ip: string): Promise<void> {
  if (decision.verdict.kind !== 'challenge' || !decision.deviceId) return;
  const id = decision.verdict.challenge.id;
  const deviceId = decision.deviceId;
  const flow = guard.challenges;
  const claimed = await flow.claimOwnership(id, deviceId);
  if (!claimed.ok) return void outcome.failedVerifications++;
  if (!claimed.value.verified) {
    const code = guard.outbox?.latest(identity.email)?.code;
    const verified = await flow.verifyCode(id, deviceId, code);
    if (!verified.ok) return void outcome.failedVerifications++;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    for (let guardrail = 0; guardrail < 50; guardrail++) {
      const listing = await flow.devices(id, deviceId);
      if (!listing.ok) return void outcome.failedVerifications++;
      if (listing.value.toLogOut <= 0) break;
      const others = listing.value.devices.filter((d) => !d.current);
      const oldest = others.reduce<(typeof others)[number] | undefined>((a, d) => (a === undefined || d.lastSeen < a.lastSeen ? d : a), undefined);
      if (!oldest) break;
      const kicked = await flow.kick(id, deviceId, oldest.id);
      if (!kicked.ok) return void outcome.failedVerifications++;
      outcome.kicked++;
    }
    const done = await flow.complete(id, deviceId, { ip });
    if (done.ok) return;
    if (done.error !== 'over_limit') return void outcome.failedVerifications++;
  }
  outcome.failedVerifications++;
}

function identityOf(plan: AccountPlan, support: CoreSupport): Identity {
  const { people, limits, ...rest } = plan.identity;
  const withPeople = limits && people !== undefined && support.peopleLimit ? { ...limits, people } : limits;
  return { ...rest, ...(withPeople ? { limits: withPeople as Identity['limits'] } : {}) };
}

const link = (device: SimDevice, session: Session, at: number, request: number) => ({ device, at, session: session.key, request });

function request(device: SimDevice, session: Session, at: number, n: number): RequestLike {
  const page = n === 0 || n % 4 === 0;
  const path = page ? `/watch/${(n * 7 + session.key.length) % 50}` : '/api/progress';
  return {
    method: page ? 'GET' : 'POST',
    path,
    url: path,
    headers: {
      host: 'app.example.com',
      ...device.headers(at),
      accept: page ? 'text/html,application/xhtml+xml' : 'application/json',
      'x-forwarded-for': session.network.address(link(device, session, at, n)),
      ...(device.cookie ? { cookie: device.cookie } : {}),
    },
    remoteAddress: '127.0.0.1',
    https: true,
  };
}
