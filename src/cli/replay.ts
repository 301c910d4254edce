import { randomBytes } from 'node:crypto';
import { createSharelock } from '../sharelock.js';
import { MemoryStore } from '../stores/memory.js';
import type { Location } from '../model.js';
import type { Options } from '../options.js';
import type { Tolerance } from '../policy/presets.js';
import type { VerdictKind } from '../verdict.js';
import { UsageError } from './config.js';
import { identityOf, parseAccessLine, requestOf, type Access } from './access-log.js';

/** Options the replay sets itself; a config file may not. */
export const REPLAY_OWNS: readonly string[] = ['secret', 'identify', 'now', 'store', 'logger', 'production', 'senders', 'webhooks', 'ingest', 'onLogout', 'trustProxy', 'protect', 'exclude'];

export interface ReplaySettings {
  /** sharelock options from `--config` (limits, policies, signals, tolerance, geo, ...); see `REPLAY_OWNS`. */
  options?: Partial<Options>;
  /** `--preset`: wins over the config's `tolerance`. */
  preset?: Tolerance;
  /**
   * Accounts (and challenges) the memory store keeps; beyond it the least recently used are
   * forgotten, and the report says so. Default 1 000 000 (the store allocates for it at once).
   */
  maxAccounts?: number;
  /** Called every 1 000 lines, for a progress bar. */
  progress?: (lines: number) => void;
}

/** A line that could not be replayed. */
export interface BadLine {
  line: number;
  error: string;
}

/** An account challenged at least once. */
export interface ChallengedAccount {
  account: string;
  /** When the first challenge was met (ISO 8601). */
  firstAt: string;
  /** The enforcing checks behind its challenges. */
  checks: string[];
  /** Distinct challenges opened. */
  challenges: number;
  devices: number;
  requests: number;
}

/** What `sharelock replay` reports (`--json` prints it as is). */
export interface ReplayReport {
  /** Non-empty lines read. */
  lines: number;
  /** Lines replayed through the core. */
  requests: number;
  /** Lines skipped: how many, and the first 100 with their line number and what is wrong. */
  invalid: { count: number; lines: BadLine[] };
  /** The first and last replayed time (ISO 8601). */
  from?: string;
  to?: string;
  preset: Tolerance;
  verdicts: Record<VerdictKind, number>;
  accounts: {
    seen: number;
    challenged: number;
    /** Accounts challenged for each enforcing check (an account counts once per check). */
    byCheck: Record<string, number>;
    /** Accounts a monitoring policy matched, per check: who would be challenged if it enforced. */
    monitoredByCheck: Record<string, number>;
  };
  /** Distinct challenges opened, by kind. */
  challenges: { opened: number; byKind: Record<string, number> };
  /** Distinct devices in the log. */
  devices: { seen: number };
  /** Decisions each policy matched (enforcing or monitoring). */
  policies: Record<string, number>;
  /** The challenged accounts, first challenged first. */
  challenged: ChallengedAccount[];
  /** What may make the figures wrong, e.g. more accounts than `--max-accounts`. */
  warnings: string[];
}

export const DEFAULT_MAX_ACCOUNTS = 1_000_000;

const MAX_BAD_LINES = 100;
const VERDICTS: readonly VerdictKind[] = ['allow', 'challenge', 'logout', 'suspended', 'deny'];
const silent = { warn: () => undefined, error: () => undefined };

interface AccountTally {
  firstAt?: number;
  checks: Set<string>;
  challenges: Set<string>;
  devices: Set<string>;
  requests: number;
}

/**
 * Replay an access log through the real core: a fresh `createSharelock()` on a memory store,
 * its clock driven by the lines' times, each device carrying the cookie the core gave it. Nobody
 * answers a challenge (the log is what happened without sharelock), so a challenged device meets
 * its challenge again on its next request. Lines must be in time order; a line earlier than the
 * one before is skipped and reported, as is any line that does not parse.
 */
export async function replay(lines: AsyncIterable<string>, settings: ReplaySettings = {}): Promise<ReplayReport> {
  const config = settings.options ?? {};
  for (const key of REPLAY_OWNS) {
    if (key in config) throw new UsageError(`The config sets \`${key}\`, which the replay sets itself; remove it.`);
  }
  let now = 0;
  // A location is the address's, as a geolocation database gives it: the first line naming one for an IP sets it.
  const locations = new Map<string, Location>();
  const theirs = config.geo?.lookup;
  const preset = settings.preset ?? config.tolerance ?? 'default';
  const maxAccounts = settings.maxAccounts ?? DEFAULT_MAX_ACCOUNTS;
  const guard = createSharelock<Access>({
    ...config,
    tolerance: preset,
    secret: randomBytes(32).toString('base64url'),
    identify: identityOf,
    now: () => now,
    store: new MemoryStore({ maxAccounts, maxChallenges: maxAccounts }),
    logger: silent,
    production: false,
    geo: { ...config.geo, lookup: (ip) => locations.get(ip) ?? theirs?.(ip) },
  });

  const cookies = new Map<string, string>();
  const accounts = new Map<string, AccountTally>();
  const monitored = new Map<string, Set<string>>();
  const verdicts = Object.fromEntries(VERDICTS.map((k) => [k, 0])) as Record<VerdictKind, number>;
  const challengeKinds = new Map<string, string>();
  const report = { lines: 0, requests: 0, invalid: { count: 0, lines: [] as BadLine[] } };
  let first: number | undefined;
  let last = -Infinity;
  let number = 0;
  const bad = (error: string) => {
    report.invalid.count++;
    if (report.invalid.lines.length < MAX_BAD_LINES) report.invalid.lines.push({ line: number, error });
  };

  try {
    for await (const text of lines) {
      number++;
      if (settings.progress && number % 1000 === 0) settings.progress(number);
      if (text.trim() === '') continue;
      report.lines++;
      const parsed = parseAccessLine(text);
      if (!parsed.ok) {
        bad(parsed.error);
        continue;
      }
      const access = parsed.access;
      if (access.at < last) {
        bad(`\`time\` ${new Date(access.at).toISOString()} is earlier than the line before (${new Date(last).toISOString()}): sort the log by time`);
        continue;
      }
      last = now = access.at;
      first ??= access.at;
      if (access.location && !locations.has(access.ip)) locations.set(access.ip, access.location);

      const decision = await guard.decide(requestOf(access, cookies.get(access.device)), access);
      if (decision.setCookie) cookies.set(access.device, decision.setCookie.split(';', 1)[0]!);
      report.requests++;
      const { verdict } = decision;
      verdicts[verdict.kind]++;
      let tally = accounts.get(access.account);
      if (!tally) accounts.set(access.account, (tally = { checks: new Set(), challenges: new Set(), devices: new Set(), requests: 0 }));
      tally.requests++;
      tally.devices.add(access.device);
      if (verdict.kind === 'challenge') {
        tally.firstAt ??= access.at;
        tally.challenges.add(verdict.challenge.id);
        challengeKinds.set(verdict.challenge.id, verdict.challenge.kind);
      }
      for (const reason of verdict.reasons) {
        if (reason.monitor) {
          let set = monitored.get(reason.check);
          if (!set) monitored.set(reason.check, (set = new Set()));
          set.add(access.account);
        } else if (verdict.kind === 'challenge') {
          tally.checks.add(reason.check);
        }
      }
      // Let what the core does after answering (recording a cached request's access) land before the next line, as seconds would in production.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    await guard.close();
  }

  const challenged = [...accounts].filter(([, t]) => t.firstAt !== undefined).sort((a, b) => a[1].firstAt! - b[1].firstAt! || (a[0] < b[0] ? -1 : 1));
  const byCheck: Record<string, number> = {};
  for (const [, t] of challenged) for (const check of t.checks) byCheck[check] = (byCheck[check] ?? 0) + 1;
  const byKind: Record<string, number> = {};
  for (const kind of challengeKinds.values()) byKind[kind] = (byKind[kind] ?? 0) + 1;
  const warnings: string[] = [];
  if (accounts.size > maxAccounts) warnings.push(`${accounts.size} accounts, more than the ${maxAccounts} the store keeps: the least recently used were forgotten, so their later requests were judged afresh. Raise --max-accounts.`);
  if (challengeKinds.size > maxAccounts) warnings.push(`${challengeKinds.size} challenges, more than the ${maxAccounts} the store keeps: forgotten ones were opened again. Raise --max-accounts.`);
  const devices = new Set<string>();
  for (const t of accounts.values()) for (const d of t.devices) devices.add(d);
  return {
    ...report,
    ...(first !== undefined ? { from: new Date(first).toISOString(), to: new Date(last).toISOString() } : {}),
    preset,
    verdicts,
    accounts: {
      seen: accounts.size,
      challenged: challenged.length,
      byCheck: sortedCounts(byCheck),
      monitoredByCheck: sortedCounts(Object.fromEntries([...monitored].map(([check, set]) => [check, set.size]))),
    },
    challenges: { opened: challengeKinds.size, byKind: sortedCounts(byKind) },
    devices: { seen: devices.size },
    policies: sortedCounts(guard.stats().policies),
    challenged: challenged.map(([account, t]) => ({
      account,
      firstAt: new Date(t.firstAt!).toISOString(),
      checks: [...t.checks].sort(),
      challenges: t.challenges.size,
      devices: t.devices.size,
      requests: t.requests,
    })),
    warnings,
  };
}

/** Largest first, then by name: the order people read. */
function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}
