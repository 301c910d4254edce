import type { ChallengeKind, ChallengeRecord } from '../model.js';
import { days } from '../time.js';
import { startOfDay } from './day.js';
import type { AttributionPath, Conversion, DayCounts } from './model.js';

/**
 * What became of the challenges opened on a day. Every count is by the day the challenge was
 * opened (its cohort, UTC), so a challenge opened at 23:55 and answered at 00:05 counts on the day
 * it was opened, and no step can show more challenges than were opened.
 */
export interface ChallengeFunnel {
  /** Challenges opened. */
  created: number;
  /** Seen by their device (the page, or `challenges.present()`). */
  presented: number;
  /** The first code sent to the owner (re-sends are not counted). */
  codeSent: number;
  /** "I'm the owner", proved with a code (or with none needed). */
  verifiedOwner: number;
  /** The owner got within the limits and continued. */
  ownerCompleted: number;
  /** "Create my own account". */
  newAccount: number;
  /** "Log out this device". */
  loggedOut: number;
  /** Devices the verified owner logged out from the challenge (several per challenge at times). */
  devicesLoggedOut: number;
  /** Failed on too many wrong codes (its device may still leave by a button: `newAccount`, `loggedOut`). */
  failed: number;
  /**
   * Ended without an answer: expired, replaced by a newer challenge, or failed and left. Exact for
   * days whose challenges have all closed (`challenge.ttlMs` after the day ends); until then only
   * those seen expiring are counted here, and the others that are still unanswered are `open`.
   */
  abandoned: number;
  /** Unanswered challenges of a day whose challenges may still be open (today, and just after midnight). */
  open: number;
}

/** The funnel steps counted as they happen (`abandoned` and `open` are derived when read). */
const COUNTED_STEPS = ['created', 'presented', 'codeSent', 'verifiedOwner', 'ownerCompleted', 'newAccount', 'loggedOut', 'devicesLoggedOut', 'failed', 'expired'] as const;
export type CountedStep = (typeof COUNTED_STEPS)[number];

export const CHALLENGE_KINDS: readonly ChallengeKind[] = ['verify', 'device_limit'];
const ATTRIBUTION_PATHS: readonly AttributionPath[] = ['challenge', 'kicked', 'history'];

/** The figures of a day, or of a range of days. */
export interface InsightsFigures {
  /** Both kinds of challenge together. */
  challenges: ChallengeFunnel;
  byKind: Record<ChallengeKind, ChallengeFunnel>;
  /** Conversions recorded (each attributed to a challenge or an owner's logout). */
  conversions: number;
  /** Conversions by how they were attributed. */
  conversionsVia: Record<AttributionPath, number>;
  /** Revenue of the conversions, per ISO 4217 currency, e.g. `{ EUR: 29.97 }`. Currencies are never converted. */
  revenue: Record<string, number>;
}

export interface InsightsDay extends InsightsFigures {
  /** `YYYY-MM-DD`, a UTC day. */
  day: string;
}

/** What `guard.insights()` returns. */
export interface Insights {
  from: string;
  to: string;
  /** One row per day from `from` to `to`, oldest first, days without activity included (all zeros). */
  days: InsightsDay[];
  totals: InsightsFigures;
}

/** Revenue is counted in ten-thousandths of a unit (ISO 4217 has up to 4 decimals), as whole numbers that add up exactly. */
const REVENUE_SCALE = 10_000;

export const stepField = (kind: ChallengeKind, step: CountedStep): string => `ch:${kind}:${step}`;
const CONVERSIONS_FIELD = 'cv';
export const viaField = (via: AttributionPath): string => `cv:${via}`;
export const revenueField = (currency: string): string => `rev:${currency}`;

/** The counters a recorded conversion adds to its day. */
export function conversionCounts(conversion: Conversion): DayCounts {
  const counts: DayCounts = { [CONVERSIONS_FIELD]: 1, [viaField(conversion.via)]: 1 };
  if (conversion.revenue) counts[revenueField(conversion.revenue.currency)] = Math.round(conversion.revenue.amount * REVENUE_SCALE);
  return counts;
}

/** The step a challenge reached with this status, if it is one the funnel counts. */
export function stepOf(challenge: Pick<ChallengeRecord, 'status' | 'resolution'>): CountedStep | undefined {
  switch (challenge.status) {
    case 'created':
      return 'created';
    case 'presented':
      return 'presented';
    case 'code_sent':
      return 'codeSent';
    case 'verified':
    case 'skipped':
      return 'verifiedOwner';
    case 'completed':
      return challenge.resolution === 'owner' ? 'ownerCompleted' : challenge.resolution === 'new_account' ? 'newAccount' : challenge.resolution === 'logged_out' ? 'loggedOut' : undefined;
    case 'failed':
      return 'failed';
    case 'expired':
      return 'expired';
    case 'overridden':
      return undefined;
  }
}

function emptyFunnel(): ChallengeFunnel {
  return { created: 0, presented: 0, codeSent: 0, verifiedOwner: 0, ownerCompleted: 0, newAccount: 0, loggedOut: 0, devicesLoggedOut: 0, failed: 0, abandoned: 0, open: 0 };
}

function emptyFigures(): InsightsFigures {
  return {
    challenges: emptyFunnel(),
    byKind: { verify: emptyFunnel(), device_limit: emptyFunnel() },
    conversions: 0,
    conversionsVia: { challenge: 0, kicked: 0, history: 0 },
    revenue: {},
  };
}

/**
 * A day's figures from its counters. `closedAt`: when the last challenge opened that day closes
 * (the day's end plus `challenge.ttlMs`); before then, unanswered challenges not seen expiring are `open`.
 */
export function dayFigures(day: string, counts: Readonly<DayCounts>, now: number, challengeTtlMs: number): InsightsDay {
  const figures = emptyFigures();
  const closed = now >= startOfDay(day)! + days(1) + challengeTtlMs;
  const count = (field: string) => Math.max(0, Number(counts[field] ?? 0) || 0);
  for (const kind of CHALLENGE_KINDS) {
    const funnel = figures.byKind[kind];
    for (const step of COUNTED_STEPS) if (step !== 'expired') funnel[step] = count(stepField(kind, step));
    const unanswered = Math.max(0, funnel.created - funnel.ownerCompleted - funnel.newAccount - funnel.loggedOut);
    funnel.abandoned = closed ? unanswered : Math.min(unanswered, count(stepField(kind, 'expired')));
    funnel.open = unanswered - funnel.abandoned;
    addFunnel(figures.challenges, funnel);
  }
  figures.conversions = count(CONVERSIONS_FIELD);
  for (const via of ATTRIBUTION_PATHS) figures.conversionsVia[via] = count(viaField(via));
  for (const [field, value] of Object.entries(counts)) {
    if (field.startsWith('rev:') && value > 0) figures.revenue[field.slice(4)] = value / REVENUE_SCALE;
  }
  return { day, ...figures };
}

/** The sum of several days' figures. */
export function totalOf(rows: readonly InsightsFigures[]): InsightsFigures {
  const totals = emptyFigures();
  for (const row of rows) {
    addFunnel(totals.challenges, row.challenges);
    for (const kind of CHALLENGE_KINDS) addFunnel(totals.byKind[kind], row.byKind[kind]);
    totals.conversions += row.conversions;
    for (const via of ATTRIBUTION_PATHS) totals.conversionsVia[via] += row.conversionsVia[via];
    for (const [currency, amount] of Object.entries(row.revenue)) {
      // Added in whole ten-thousandths, so 3 × 9.99 is 29.97, not 29.969999999999995.
      const units = Math.round((totals.revenue[currency] ?? 0) * REVENUE_SCALE) + Math.round(amount * REVENUE_SCALE);
      totals.revenue[currency] = units / REVENUE_SCALE;
    }
  }
  return totals;
}

function addFunnel(into: ChallengeFunnel, from: Readonly<ChallengeFunnel>): void {
  for (const key of Object.keys(into) as (keyof ChallengeFunnel)[]) into[key] += from[key];
}
