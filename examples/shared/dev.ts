import { days, hours, minutes, seconds, type ChallengeKind, type Reason, type SharelockEvents, type VerdictKind } from 'sharelock';

const UNIT_MS: Record<string, number> = { d: days(1), h: hours(1), m: minutes(1), s: seconds(1), ms: 1 };
const DURATION = /^(?:\d{1,12}(?:d|h|ms|m|s))+$/;

/** "1d", "3h", "90m", "30s", "500ms", or several at once ("1d12h"), in ms; `undefined` when unreadable. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input !== 'string' || !DURATION.test(input.trim())) return undefined;
  let ms = 0;
  for (const [, amount, unit] of input.trim().matchAll(/(\d+)(d|h|ms|m|s)/g)) ms += Number(amount) * UNIT_MS[unit!]!;
  return ms;
}

/**
 * The example's clock: real time plus an offset that `POST /dev/clock` moves forward (development
 * only), so signals that need days of use can be played in seconds. Time never goes back.
 */
export class DevClock {
  #offsetMs = 0;
  constructor(readonly base: () => number = Date.now) {}

  readonly now = (): number => this.base() + this.#offsetMs;

  get offsetMs(): number {
    return this.#offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`The clock only moves forward by a whole number of ms; got ${ms}.`);
    this.#offsetMs += ms;
  }

  toJSON(): { now: string; offsetMs: number } {
    return { now: new Date(this.now()).toISOString(), offsetMs: this.#offsetMs };
  }
}

/** One judged request, as `GET /dev/decisions` shows it. */
export interface LoggedDecision {
  /** Increasing number, so a script can ask for the decisions after the last one it saw. */
  n: number;
  at: string;
  account: string;
  device: string;
  ip?: string;
  verdict: VerdictKind;
  /** The challenge kind: `verify` (prove you are the owner) or `device_limit`. */
  challenge?: ChallengeKind;
  reasons: Reason[];
}

/** The latest judged decisions, fed by `guard.on('decision')`: "why was I challenged?" at a glance. */
export class DecisionLog {
  readonly #entries: LoggedDecision[] = [];
  #n = 0;
  constructor(readonly size = 50) {}

  readonly add = ({ at, accountId, deviceId, ip, verdict }: SharelockEvents['decision']): void => {
    this.#entries.push({
      n: ++this.#n,
      at: new Date(at).toISOString(),
      account: accountId,
      device: deviceId,
      ...(ip ? { ip } : {}),
      verdict: verdict.kind,
      ...(verdict.kind === 'challenge' ? { challenge: verdict.challenge.kind } : {}),
      reasons: verdict.reasons.map(({ check, observed, threshold, policy, monitor, message }) => ({ check, observed, threshold, ...(policy ? { policy } : {}), ...(monitor ? { monitor } : {}), ...(message ? { message } : {}) })),
    });
    if (this.#entries.length > this.size) this.#entries.shift();
  };

  /** Newest first; only one account's, and only those after decision `after`, when given. */
  list(filter: { account?: string; after?: number } = {}): LoggedDecision[] {
    return this.#entries.filter((e) => (filter.account === undefined || e.account === filter.account) && e.n > (filter.after ?? 0)).reverse();
  }
}
