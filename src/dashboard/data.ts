import type { AccountPlace, AccountSummary, ChallengeSummary } from '../admin/types.js';
import { SharelockError } from '../errors.js';
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
  /** The period of the funnel and the charts, in days up to today. */
  days: number;
  /** Where the accounts come from: the store's admin index (every server), or this process's log since it started. */
  source: 'admin' | 'log';
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
  /** `at`: when the value was observed. */
  reasons: Array<Reason & { at: number }>;
  status: 'active' | 'suspended' | 'unknown';
  challenges: ChallengeSummary[];
  places: AccountPlace[];
  lastChallenge?: number;
  /** Whether the admin API answered (else the in-process log did): forcing a challenge needs it. */
  admin: boolean;
}

/** The admin API is not there (not implemented by this build or the store has no index). */
const unsupported = (error: unknown) => error instanceof SharelockError && error.code === 'SHARELOCK_E_ADMIN_UNSUPPORTED';

/** How many accounts the people distribution reads from the admin index at most (pages of 500, fullest first). */
const MAX_DISTRIBUTION_PAGES = 20;

/** How many accounts the in-process activity log keeps (least recently seen go first). */
const MAX_ACCOUNTS = 10_000;
const ZERO_VERDICTS: Record<VerdictKind, number> = { allow: 0, challenge: 0, logout: 0, suspended: 0, deny: 0 };

/**
 * The dashboard's data, read from the core: insights (store), stats (this process), devices
 * (store), and the accounts it saw judged, kept from the `decision` and `challenge` events of this
 * process since start (bounded). The admin API (`guard.admin`) is asked first; this log answers only
 * while it says `SHARELOCK_E_ADMIN_UNSUPPORTED` (a store without the admin index).
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

  /** `days`: how many UTC days, up to today, the charts and the funnel cover. */
  async overview(days: number, limit = 20): Promise<Overview> {
    const now = this.#core.config.now();
    const range = { from: now - (days - 1) * 86_400_000, to: now };
    const [listed, insights, conversions] = await Promise.all([
      this.#fromAdmin(limit).catch((error: unknown) => (unsupported(error) ? this.#fromLog(limit) : Promise.reject(error))),
      this.#core.insights(range),
      this.#core.conversions({ ...range, limit: 20 }),
    ]);
    return { now, days, ...listed, insights, conversions, stats: this.#core.stats() };
  }

  /** The store's admin index: the top accounts, and the people distribution over every account (fullest first, so paging stops at the first one-person page). */
  async #fromAdmin(limit: number): Promise<Pick<Overview, 'accounts' | 'people' | 'source'>> {
    const admin = this.#core.admin;
    const top = await admin.accounts({ sort: 'score', limit });
    const people = [0, 0, 0, 0, 0];
    let counted = 0;
    let cursor: string | undefined;
    for (let n = 0; n < MAX_DISTRIBUTION_PAGES; n++) {
      const page = await admin.accounts({ sort: 'people', limit: 500, ...(cursor ? { cursor } : {}) });
      const many = page.accounts.filter((a) => a.people > 1);
      for (const a of many) people[Math.min(5, a.people) - 1]!++;
      counted += many.length;
      if (!page.next || many.length < page.accounts.length) {
        people[0] = Math.max(0, page.total - counted);
        break;
      }
      cursor = page.next;
    }
    return { accounts: top.accounts.map(summaryRow), people, source: 'admin' };
  }

  async #fromLog(limit: number): Promise<Pick<Overview, 'accounts' | 'people' | 'source'>> {
    const rows = [...this.#accounts.values()].map((a) => row(a, 0));
    const people = [0, 0, 0, 0, 0];
    for (const r of rows) people[Math.min(5, r.people) - 1]!++;
    rows.sort((a, b) => b.score - a.score || b.lastSeen - a.lastSeen);
    const top = rows.slice(0, limit);
    const devices = await Promise.all(top.map((r) => this.#core.devices(r.accountId).catch(() => [] as DeviceRecord[])));
    top.forEach((r, i) => (r.devices = devices[i]!.filter(counting).length));
    return { accounts: top, people, source: 'log' };
  }

  async account(accountId: string): Promise<AccountDetail> {
    const now = this.#core.config.now();
    try {
      const detail = await this.#core.admin.account(accountId);
      const at = detail.summary?.lastSeen ?? now;
      return {
        now,
        accountId,
        devices: detail.devices,
        reasons: detail.signals.map((r) => ({ ...r, at })),
        status: detail.status,
        challenges: detail.challenges,
        places: detail.places,
        ...(detail.summary?.lastChallenge ? { lastChallenge: detail.summary.lastChallenge.at } : {}),
        admin: true,
      };
    } catch (error) {
      if (!unsupported(error)) throw error;
    }
    const devices = await this.#core.devices(accountId);
    const activity = this.#accounts.get(accountId);
    const reasons = activity ? [...activity.reasons.values()].sort((a, b) => b.at - a.at) : [];
    return {
      now,
      accountId,
      devices: [...devices].sort((a, b) => b.lastSeen - a.lastSeen),
      reasons,
      status: activity ? (activity.suspended ? 'suspended' : 'active') : 'unknown',
      challenges: [],
      places: [],
      ...(activity?.lastChallenge !== undefined ? { lastChallenge: activity.lastChallenge } : {}),
      admin: false,
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

function summaryRow(a: AccountSummary): AccountRow {
  return {
    accountId: a.accountId,
    score: Math.round(a.score * 100),
    people: a.people,
    devices: a.devices,
    signals: a.signals.map((r) => r.check),
    status: a.status,
    lastSeen: a.lastSeen,
    ...(a.lastChallenge ? { lastChallenge: a.lastChallenge.at } : {}),
  };
}

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
