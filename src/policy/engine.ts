import type { Reason } from '../model.js';
import { clonedDevice } from '../signals/cloned-device.js';
import { concurrentSessions } from '../signals/concurrency.js';
import type { SignalContext, SignalResult } from '../signals/context.js';
import { deviceCounts } from '../signals/device-count.js';
import { groupDeviceCounts } from '../signals/group-device-count.js';
import { impossibleTravel } from '../signals/impossible-travel.js';
import { peopleCount } from '../signals/people.js';
import { highVelocity } from '../signals/velocity.js';
import { matchingPolicies, type Condition, type Facts, type Policy, type PolicyAction } from './policy.js';

export interface Evaluation {
  /** The policy that decides, or `undefined` when none that enforces matched. */
  policy?: Policy;
  action: PolicyAction;
  /** Why: the fired signals the deciding (or monitoring) policies look at. */
  reasons: Reason[];
  /** Policies that matched but only record (monitor mode), in priority order. */
  monitored: Policy[];
  signals: SignalResult[];
}

export interface EvaluationInput {
  context: SignalContext;
  /** The store refused to attach the device: it is over a limit. */
  overLimit: boolean;
  plan?: string;
  groups?: readonly string[];
  metadata?: Record<string, unknown>;
  verifiedTrustMs: number;
  /** Monitor the whole app: every policy only records. */
  monitorAll: boolean;
}

/** Run every signal, then the policies in priority order; the first that enforces decides. */
export function evaluate(policies: readonly Policy[], input: EvaluationInput): Evaluation {
  const { context } = input;
  const people = peopleCount(context);
  const signals: SignalResult[] = [
    ...deviceCounts(context, input.overLimit),
    ...groupDeviceCounts(context),
    concurrentSessions(context),
    impossibleTravel(context),
    clonedDevice(context),
    ...highVelocity(context),
    people,
  ];
  const verifiedAt = context.device.verifiedAt;
  const facts: Facts = {
    fired: byCheck(signals),
    ...(input.plan !== undefined ? { plan: input.plan } : {}),
    groups: input.groups ?? [],
    ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    ...(context.access.location?.country ? { country: context.access.location.country } : {}),
    primary: people.primary,
    verified: verifiedAt !== undefined && context.now - verifiedAt < input.verifiedTrustMs,
  };
  const monitored: Policy[] = [];
  const reasons: Reason[] = [];
  for (const policy of matchingPolicies(policies, facts)) {
    const onlyRecords = input.monitorAll || policy.monitor === true || policy.action === 'monitor';
    reasons.push(...reasonsFor(policy, signals, onlyRecords));
    if (onlyRecords) {
      monitored.push(policy);
      continue;
    }
    return { policy, action: policy.action, reasons, monitored, signals };
  }
  return { action: 'allow', reasons, monitored, signals };
}

/** Signals by check; a group check comes once per group, and the last must not hide a full team. */
function byCheck(signals: readonly SignalResult[]): Map<string, SignalResult[]> {
  const map = new Map<string, SignalResult[]>();
  for (const signal of signals) map.set(signal.check, [...(map.get(signal.check) ?? []), signal]);
  return map;
}

function reasonsFor(policy: Policy, signals: SignalResult[], monitor: boolean): Reason[] {
  const names = new Set<string>();
  collectSignals(policy.when, names);
  return signals
    .filter((s) => s.fired && names.has(s.check))
    .map((s) => ({ check: s.check, observed: s.observed, threshold: s.threshold, message: s.message, policy: policy.name, ...(monitor ? { monitor: true } : {}), ...(s.group !== undefined ? { group: s.group } : {}) }));
}

function collectSignals(condition: Condition, into: Set<string>): void {
  if ('all' in condition) condition.all.forEach((c) => collectSignals(c, into));
  else if ('any' in condition) condition.any.forEach((c) => collectSignals(c, into));
  else if ('not' in condition) collectSignals(condition.not, into);
  else if ('signal' in condition) into.add(condition.signal);
}
