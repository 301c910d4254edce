import type { ChallengeFunnel, Insights } from '../insights/funnel.js';
import type { Conversion } from '../insights/model.js';
import type { DeviceRecord, Reason } from '../model.js';
import type { Sharelock, Stats } from '../sharelock.js';
import type { VerdictKind } from '../verdict.js';

/** What the dashboard knows of one account from the decisions it saw. */
export interface AccountActivity {
  accountId: string;
  lastSeen: number;
  /** The latest reason per check (observed value and threshold), enforcing or monitoring. */
  reasons: Map<string, Reason & { at: number }>;
  verdicts: Record<VerdictKind, number>;
  challenges: number;
  lastChallenge?: number;
  suspended: boolean;
}

/** One row of "accounts most likely shared". */
export interface AccountRow {
  accountId: string;
  /** 0–100: how strongly the evidence says the account is shared. */
  score: number;
  people: number;
  devices: number;
  signals: string[];
  status: 'active' | 'suspended';
  lastSeen: number;
  lastChallenge?: number;
}

export interface Overview {
  now: number;
  accounts: AccountRow[];
  /** Accounts by estimated people: index 0 is "1 person", the last "5 or more". */
  people: number[];
  insights: Insights;
  conversions: Conversion[];
  stats: Stats;
}

export interface AccountDetail {
  now: number;
  accountId: string;
  devices: DeviceRecord[];
  reasons: Array<Reason & { at: number }>;
  status: 'active' | 'suspended' | 'unknown';
  challenges: number;
  lastChallenge?: number;
}

/** How many accounts the in-process activity log keeps (least recently seen go first). */
const MAX_ACCOUNTS = 10_000;
const ZERO_VERDICTS: Record<VerdictKind, number> = { allow: 0, challenge: 0, logout: 0, suspended: 0, deny: 0 };

/**
 * The dashboard's data, read from the core: insights (store), stats (this process), devices
 * (store), and the accounts it saw judged, kept from the `decision` and `challenge` events of this
 * process since start (bounded). The admin API replaces that log with the store's own account index.
 */
export class DashboardData {
  readonly #core: Sharelock<any, any>;
  readonly #accounts = new Map<string, AccountActivity>();

  constructor(core: Sharelock<any, any>) {
    this.#core = core;
    core.on('decision', (event) => {
      const activity = this.#touch(event.accountId, event.at);
      activity.verdicts[event.verdict.kind]++;
      activity.suspended = event.verdict.kind === 'suspended';
      for (const reason of event.verdict.reasons) activity.reasons.set(reason.check, { ...reason, at: event.at });
    });
    core.on('challenge', (event) => {
      if (event.status !== 'created') return;
      const activity = this.#touch(event.accountId, event.at);
      activity.challenges++;
      activity.lastChallenge = event.at;
    });
  }

  /** An admin action changed the account: reflect it without waiting for its next request. */
  suspended(accountId: string, suspended: boolean): void {
    const activity = this.#accounts.get(accountId);
    if (activity) activity.suspended = suspended;
  }

  async overview(limit = 20): Promise<Overview> {
    const now = this.#core.config.now();
    const rows = [...this.#accounts.values()].map((a) => row(a, 0));
    const people = [0, 0, 0, 0, 0];
    for (const r of rows) people[Math.min(5, r.people) - 1]!++;
    rows.sort((a, b) => b.score - a.score || b.lastSeen - a.lastSeen);
    const top = rows.slice(0, limit);
    const [insights, conversions, devices] = await Promise.all([
      this.#core.insights(),
      this.#core.conversions({ limit: 20 }),
      Promise.all(top.map((r) => this.#core.devices(r.accountId).catch(() => [] as DeviceRecord[]))),
    ]);
    top.forEach((r, i) => (r.devices = devices[i]!.filter(counting).length));
    return { now, accounts: top, people, insights, conversions, stats: this.#core.stats() };
  }

  async account(accountId: string): Promise<AccountDetail> {
    const devices = await this.#core.devices(accountId);
    const activity = this.#accounts.get(accountId);
    const reasons = activity ? [...activity.reasons.values()].sort((a, b) => b.at - a.at) : [];
    return {
      now: this.#core.config.now(),
      accountId,
      devices: [...devices].sort((a, b) => b.lastSeen - a.lastSeen),
      reasons,
      status: activity ? (activity.suspended ? 'suspended' : 'active') : 'unknown',
      challenges: activity?.challenges ?? 0,
      ...(activity?.lastChallenge !== undefined ? { lastChallenge: activity.lastChallenge } : {}),
    };
  }

  #touch(accountId: string, at: number): AccountActivity {
    let activity = this.#accounts.get(accountId);
    if (activity) this.#accounts.delete(accountId);
    else {
      activity = { accountId, lastSeen: at, reasons: new Map(), verdicts: { ...ZERO_VERDICTS }, challenges: 0, suspended: false };
      if (this.#accounts.size >= MAX_ACCOUNTS) this.#accounts.delete(this.#accounts.keys().next().value!);
    }
    activity.lastSeen = Math.max(activity.lastSeen, at);
    this.#accounts.set(accountId, activity);
    return activity;
  }
}

const counting = (device: DeviceRecord) => device.status === 'attached';

/**
 * A plain score, so the ordering explains itself: each distinct signal that fired adds 30 (more
 * the further past its threshold, up to 45), each challenge 10, each person beyond the first 15.
 */
function row(activity: AccountActivity, devices: number): AccountRow {
  const fired = [...activity.reasons.values()];
  const peopleReason = activity.reasons.get('people_count');
  const people = typeof peopleReason?.observed === 'number' ? Math.max(1, Math.round(peopleReason.observed)) : 1;
  let score = 0;
  for (const reason of fired) {
    const over = typeof reason.observed === 'number' && typeof reason.threshold === 'number' && reason.threshold > 0 ? reason.observed / reason.threshold : 1;
    score += Math.min(45, 30 * Math.max(1, over));
  }
  score += 10 * activity.challenges + 15 * (people - 1);
  return {
    accountId: activity.accountId,
    score: Math.min(100, Math.round(score)),
    people,
    devices,
    signals: fired.map((r) => r.check),
    status: activity.suspended ? 'suspended' : 'active',
    lastSeen: activity.lastSeen,
    ...(activity.lastChallenge !== undefined ? { lastChallenge: activity.lastChallenge } : {}),
  };
}

/** The funnel's steps as the dashboard shows them, in order. */
export function funnelSteps(funnel: ChallengeFunnel): Array<{ label: string; value: number }> {
  return [
    { label: 'Created', value: funnel.created },
    { label: 'Presented', value: funnel.presented },
    { label: 'New account', value: funnel.newAccount },
    { label: 'Verified owner', value: funnel.verifiedOwner },
    { label: 'Devices logged out', value: funnel.devicesLoggedOut },
    { label: 'Logged out', value: funnel.loggedOut },
    { label: 'Abandoned', value: funnel.abandoned },
    { label: 'Still open', value: funnel.open },
  ];
}
