import type { ChallengeKind } from '../model.js';

/**
 * A condition over the signals and the account. `signal` matches when the check fired (or when its
 * observed value is within `gte`/`lte`); a check reported once per group matches when any report
 * does. The rest match facts of the request.
 */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { signal: string; gte?: number; lte?: number }
  /** The account's plan (from `identify()`) is one of these. */
  | { plan: string | string[] }
  /** The account belongs to one of these groups (`identify().groups`). */
  | { group: string | string[] }
  /** `identify().metadata[key]` equals the value. */
  | { metadata: string; equals: string | number | boolean }
  /** The access's country (ISO code) is one of these. */
  | { country: string | string[] }
  /** The access comes from the account's main household (see `people_count`). */
  | { primary: boolean }
  /** The device's owner proved it is theirs within `verifiedTrustMs`. */
  | { verified: boolean };

/** `monitor`: record and report only. */
export type PolicyAction = 'allow' | 'monitor' | 'logout' | 'suspend' | 'deny' | { challenge: ChallengeKind };

export interface Policy {
  name: string;
  /** Default `true`. */
  enabled?: boolean;
  /** The highest-priority policy that matches decides. */
  priority: number;
  when: Condition;
  action: PolicyAction;
  /** Record what this policy would do, but let the request through. Default `false`. */
  monitor?: boolean;
}

/** What a condition can look at. */
export interface Facts {
  /** Each check's results: several for a group check, one per group with limits. */
  fired: ReadonlyMap<string, ReadonlyArray<{ observed: number; fired: boolean }>>;
  plan?: string;
  groups: readonly string[];
  metadata?: Record<string, unknown>;
  country?: string;
  primary: boolean;
  verified: boolean;
}

export function matches(condition: Condition, facts: Facts): boolean {
  if ('all' in condition) return condition.all.every((c) => matches(c, facts));
  if ('any' in condition) return condition.any.some((c) => matches(c, facts));
  if ('not' in condition) return !matches(condition.not, facts);
  if ('signal' in condition) {
    const { gte, lte } = condition;
    return (facts.fired.get(condition.signal) ?? []).some((signal) =>
      gte === undefined && lte === undefined ? signal.fired : (gte === undefined || signal.observed >= gte) && (lte === undefined || signal.observed <= lte),
    );
  }
  if ('plan' in condition) return facts.plan !== undefined && [condition.plan].flat().includes(facts.plan);
  if ('group' in condition) return [condition.group].flat().some((group) => facts.groups.includes(group));
  if ('metadata' in condition) return facts.metadata?.[condition.metadata] === condition.equals;
  if ('country' in condition) return facts.country !== undefined && [condition.country].flat().includes(facts.country);
  if ('primary' in condition) return facts.primary === condition.primary;
  return facts.verified === condition.verified;
}

/** Policies that match, highest priority first (ties keep their declared order). */
export function matchingPolicies(policies: readonly Policy[], facts: Facts): Policy[] {
  return policies
    .map((policy, index) => ({ policy, index }))
    .filter(({ policy }) => policy.enabled !== false && matches(policy.when, facts))
    .sort((a, b) => b.policy.priority - a.policy.priority || a.index - b.index)
    .map(({ policy }) => policy);
}
