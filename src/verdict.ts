import type { ChallengeKind, Reason } from './model.js';

/**
 * What sharelock decided for one request. Adapters `switch` on `kind` and end with `assertNever`,
 * so a new kind fails to compile until every adapter handles it.
 */
export type Verdict =
  | { kind: 'allow'; reasons: Reason[] }
  | { kind: 'challenge'; challenge: { id: string; kind: ChallengeKind }; url: string; reasons: Reason[] }
  | { kind: 'logout'; url: string; reasons: Reason[] }
  | { kind: 'suspended'; url: string; reasons: Reason[] }
  | { kind: 'deny'; status: number; reasons: Reason[] };

export type VerdictKind = Verdict['kind'];

export function assertNever(value: never): never {
  throw new Error(`Unhandled verdict: ${JSON.stringify(value)}`);
}
