import { ARCHETYPES } from './archetypes.js';
import { DAY, DAYS, HOUR, MONTH_START } from './cities.js';
import type { CoreSupport, Preset } from './core.js';
import type { AccountOutcome } from './simulate.js';

const WINDOW_MS = 7 * DAY;
const MONTH_END = MONTH_START + DAYS * DAY;

export interface ArchetypeFigures {
  archetype: string;
  sharing: boolean;
  accounts: number;
  /** Honest: accounts ever challenged. Sharing: accounts whose owner was challenged before any sharing. */
  challenged: number;
  /** Sharing accounts whose 7 days after the first sharing access fit in the month. */
  judged: number;
  /** Of those, challenged (any device) within 7 days of the first sharing access. */
  caught: number;
  /** Of those, with a sharer's own device challenged within the 7 days. */
  sharerDeviceCaught: number;
  /** Hours to the first challenge (from the first access; for sharers, from the first sharing access), challenged accounts only. */
  medianHours: number | undefined;
  /** Owner logged devices out after verifying, per account. */
  kicked: number;
  /** Check names of the challenges counted above → accounts. */
  reasons: Array<[string, number]>;
  requests: number;
}

export interface CheckFigures {
  check: string;
  /** Honest accounts a policy named this check for, at any time in the month. */
  honest: number;
  /** Judged sharing accounts it was named for within 7 days of their first sharing access. */
  sharers: number;
}

/** What the month cost the core (wall time around `decide()`, on a shared machine: an upper bound). */
export interface CostFigures {
  uncached: number;
  uncachedMeanUs: number;
  uncachedP50Us: number;
  uncachedP99Us: number;
  cached: number;
  cachedMeanUs: number;
  devices: number;
  /** Heap the core holds after the month (store, histories, profiles, caches, network knowledge) per device; with `--expose-gc` only. */
  heapBytesPerDevice?: number;
  /** Of it, what sharelock holds (its store, caches and network knowledge): the heap freed by closing and dropping the core. */
  coreHeapBytesPerDevice?: number;
  /** Of sharelock's, what its store holds (devices, histories, profiles, challenges, admin index). */
  storeHeapBytesPerDevice?: number;
}

export interface Figures {
  preset: Preset;
  seed: number;
  /** The world variant (`variants.ts`). */
  variant: string;
  /** Every policy only recorded: `checks` is each check judged on its own, on the same traffic. */
  monitor: boolean;
  /** Per check: honest accounts and sharers it was named for (enforcing or monitoring). */
  checks: CheckFigures[];
  cost?: CostFigures;
  /** The plan's device limit the core was given. */
  devices: number;
  /** The plan's phone limit (`limits.mobile`), when one was given. */
  mobile?: number;
  support: CoreSupport;
  accounts: number;
  requests: number;
  honest: { accounts: number; challenged: number };
  sharing: { accounts: number; judged: number; caught: number; sharerDeviceCaught: number; notSharing: number };
  /** Check names of honest challenges (owner side of sharing accounts before sharing included) → accounts. */
  honestReasons: Array<[string, number]>;
  archetypes: ArchetypeFigures[];
  /** Owner verifications the headless challenge API did not let through (should be 0). */
  failedVerifications: number;
  seconds: number;
  /** The accounts behind the misses, for `inspect.js --account`: honest ones challenged, sharers not caught in 7 days. */
  misses: { honest: Miss[]; sharing: Miss[] };
}

export interface Miss {
  id: string;
  archetype: string;
  /** Check names of the account's challenges (none for a missed sharer). */
  checks: string[];
}

export function score(outcomes: AccountOutcome[], meta: { preset: Preset; seed: number; variant: string; monitor: boolean; devices: number; mobile?: number; support: CoreSupport; seconds: number; cost?: CostFigures }): Figures {
  const archetypes = ARCHETYPES.map((a) => archetypeFigures(a.name, a.sharing, outcomes.filter((o) => o.archetype === a.name))).filter((f) => f.accounts > 0);
  const honest = outcomes.filter((o) => !o.sharing);
  const sharing = outcomes.filter((o) => o.sharing);
  const honestReasons = tally(honest.map((o) => o.challenges));
  return {
    ...meta,
    accounts: outcomes.length,
    requests: sum(outcomes.map((o) => o.requests)),
    honest: { accounts: honest.length, challenged: honest.filter((o) => o.challenges.length > 0).length },
    sharing: {
      accounts: sharing.length,
      judged: sum(archetypes.filter((a) => a.sharing).map((a) => a.judged)),
      caught: sum(archetypes.filter((a) => a.sharing).map((a) => a.caught)),
      sharerDeviceCaught: sum(archetypes.filter((a) => a.sharing).map((a) => a.sharerDeviceCaught)),
      notSharing: sharing.filter((o) => o.firstShareAt === undefined).length,
    },
    honestReasons,
    checks: checkFigures(outcomes),
    archetypes,
    failedVerifications: sum(outcomes.map((o) => o.failedVerifications)),
    misses: {
      honest: honest.filter((o) => o.challenges.length > 0).map(miss),
      sharing: sharing.filter((o) => judgedOn7Days(o) && !caughtWithin7Days(o)).map(miss),
    },
  };
}

const miss = (o: AccountOutcome): Miss => ({ id: o.id, archetype: o.archetype, checks: [...new Set(o.challenges.flatMap((c) => c.checks))] });
const judgedOn7Days = (o: AccountOutcome) => o.firstShareAt !== undefined && o.firstShareAt + WINDOW_MS <= MONTH_END;
const caughtWithin7Days = (o: AccountOutcome) => o.challenges.some((c) => c.at >= o.firstShareAt! && c.at < o.firstShareAt! + WINDOW_MS);

function archetypeFigures(archetype: string, sharing: boolean, outcomes: AccountOutcome[]): ArchetypeFigures {
  const base = { archetype, sharing, accounts: outcomes.length, kicked: sum(outcomes.map((o) => o.kicked)) / Math.max(1, outcomes.length), requests: sum(outcomes.map((o) => o.requests)) };
  if (!sharing) {
    const challenged = outcomes.filter((o) => o.challenges.length > 0);
    return {
      ...base,
      challenged: challenged.length,
      judged: 0,
      caught: 0,
      sharerDeviceCaught: 0,
      medianHours: median(challenged.map((o) => (o.challenges[0]!.at - o.firstAccessAt!) / HOUR)),
      reasons: tally(outcomes.map((o) => o.challenges)),
    };
  }
  const judged = outcomes.filter(judgedOn7Days);
  const after = (o: AccountOutcome) => o.challenges.filter((c) => c.at >= o.firstShareAt!);
  const within = (o: AccountOutcome) => after(o).filter((c) => c.at < o.firstShareAt! + WINDOW_MS);
  const firstAfter = outcomes.filter((o) => o.firstShareAt !== undefined && after(o).length > 0);
  return {
    ...base,
    challenged: outcomes.filter((o) => o.challenges.some((c) => o.firstShareAt === undefined || c.at < o.firstShareAt)).length,
    judged: judged.length,
    caught: judged.filter((o) => within(o).length > 0).length,
    sharerDeviceCaught: judged.filter((o) => within(o).some((c) => c.role === 'sharer')).length,
    medianHours: median(firstAfter.map((o) => (after(o)[0]!.at - o.firstShareAt!) / HOUR)),
    reasons: tally(outcomes.map((o) => (o.firstShareAt === undefined ? [] : within(o)))),
  };
}

function checkFigures(outcomes: AccountOutcome[]): CheckFigures[] {
  const names = [...new Set(outcomes.flatMap((o) => [...o.flagged.keys()]))].sort();
  return names.map((check) => ({
    check,
    honest: outcomes.filter((o) => !o.sharing && o.flagged.has(check)).length,
    sharers: outcomes.filter((o) => {
      const at = o.flagged.get(check)?.afterShare;
      return o.sharing && judgedOn7Days(o) && at !== undefined && at < o.firstShareAt! + WINDOW_MS;
    }).length,
  }));
}

/** Accounts per check name (an account counts once per check). */
function tally(challengesPerAccount: Array<AccountOutcome['challenges']>): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const challenges of challengesPerAccount) {
    for (const check of new Set(challenges.flatMap((c) => c.checks))) counts.set(check, (counts.get(check) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)} %`);
const hours = (h: number | undefined) => (h === undefined ? '—' : h < 10 ? h.toFixed(1) : String(Math.round(h)));

/** The figures as markdown, for BENCHMARKS.md. */
export function markdown(all: Figures[]): string {
  const lines: string[] = [];
  for (const f of all) {
    const s = f.support;
    lines.push(`### Detection lab — preset \`${s.tolerance ? f.preset : 'core defaults'}\`, world \`${f.variant}\`${f.monitor ? ' (monitor mode)' : ''}`, '');
    lines.push(
      `Seed ${f.seed}, world variant \`${f.variant}\`, ${f.accounts} accounts (${f.honest.accounts} honest, ${f.sharing.accounts} sharing), 30 days, ${f.requests.toLocaleString('en')} protected requests, ${f.seconds.toFixed(0)} s. ` +
        `Device limit ${f.devices}${f.mobile !== undefined ? `, phone limit ${f.mobile}` : ''} (family plan 15 devices, 5 people). ` +
        `Core: geolocation ${s.geo ? 'supplied' : 'not supported yet'}, tolerance presets ${s.tolerance ? 'supported' : 'not supported yet (ran the defaults)'}, people limit ${s.peopleLimit ? 'supported' : 'not supported yet'}.`,
      '',
    );
    lines.push('| archetype | accounts | honest challenged | sharers caught ≤ 7 d | sharer device challenged ≤ 7 d | median h to 1st challenge | devices logged out / account | top reasons |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const a of f.archetypes) {
      const reasons = a.reasons.slice(0, 3).map(([check, n]) => `${check} (${n})`).join(', ') || '—';
      lines.push(
        a.sharing
          ? `| ${a.archetype} (sharing) | ${a.accounts} | ${pct(a.challenged, a.accounts)} before sharing | ${pct(a.caught, a.judged)} | ${pct(a.sharerDeviceCaught, a.judged)} | ${hours(a.medianHours)} | ${a.kicked.toFixed(1)} | ${reasons} |`
          : `| ${a.archetype} | ${a.accounts} | ${pct(a.challenged, a.accounts)} | | | ${hours(a.medianHours)} | ${a.kicked.toFixed(1)} | ${reasons} |`,
      );
    }
    lines.push(
      `| **all honest** | ${f.honest.accounts} | **${pct(f.honest.challenged, f.honest.accounts)}** (target ≤ 0.5 %) | | | | | |`,
      `| **all sharing** | ${f.sharing.accounts} | | **${pct(f.sharing.caught, f.sharing.judged)}** (target ≥ 90 %) | ${pct(f.sharing.sharerDeviceCaught, f.sharing.judged)} | | | |`,
      '',
    );
    lines.push(`Top reasons of honest challenges (accounts): ${f.honestReasons.map(([c, n]) => `\`${c}\` ${n}`).join(', ') || 'none'}.`);
    if (f.checks.length > 0) {
      lines.push('', f.monitor ? 'Per check, every policy monitoring (each check on the same, unchallenged traffic):' : 'Per check (named by an enforcing or monitoring policy):', '');
      lines.push('| check | honest accounts | sharers ≤ 7 d |', '| --- | ---: | ---: |');
      for (const c of f.checks) lines.push(`| \`${c.check}\` | ${c.honest} (${pct(c.honest, f.honest.accounts)}) | ${c.sharers} (${pct(c.sharers, f.sharing.judged)}) |`);
      lines.push('');
    }
    if (f.cost) {
      const c = f.cost;
      lines.push(
        `Cost: ${c.uncached.toLocaleString('en')} uncached decisions, mean ${c.uncachedMeanUs} µs, median ${c.uncachedP50Us} µs, p99 ${c.uncachedP99Us} µs; ` +
          `${c.cached.toLocaleString('en')} cached, mean ${c.cachedMeanUs} µs; ${c.devices.toLocaleString('en')} devices` +
          (c.heapBytesPerDevice !== undefined ? `, ${c.heapBytesPerDevice.toLocaleString('en')} bytes of heap per device after the month${c.coreHeapBytesPerDevice !== undefined ? ` (sharelock's own: ${c.coreHeapBytesPerDevice.toLocaleString('en')}${c.storeHeapBytesPerDevice !== undefined ? `, of which its store ${c.storeHeapBytesPerDevice.toLocaleString('en')}` : ''}; the rest the lab's)` : ''}.` : ' (heap not measured: run with `node --expose-gc`).'),
      );
    }
    const unjudged = f.sharing.accounts - f.sharing.judged;
    if (unjudged > 0) lines.push(`${unjudged} sharing accounts not judged on 7 days (first sharing access less than 7 days before the month ends${f.sharing.notSharing ? `, or ${f.sharing.notSharing} with no sharing access at all` : ''}).`);
    if (f.failedVerifications > 0) lines.push(`${f.failedVerifications} owner verifications could not be completed through the challenge API.`);
    for (const note of s.notes) lines.push(`Note: ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}
