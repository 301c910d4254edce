import type { CounterState, Store } from '../stores/store.js';

/**
 * What the owner's path spends, budgeted per device and per account across challenges: a new
 * challenge never resets a budget, so a device (or a sharer rotating cookies) cannot buy fresh
 * guesses, and the owner's inbox and phone cannot be made a target.
 */
export const BUDGET_KINDS = ['wrongCodes', 'codesSent', 'challengesOpened'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];

export interface BudgetConfig {
  /** A budget's window, before back-off. */
  windowMs: number;
  /** The longest window, and how long spending is remembered for the back-off. */
  maxWindowMs: number;
  perDevice: Readonly<Record<BudgetKind, number>>;
  perAccount: Readonly<Record<BudgetKind, number>>;
}

type StoreCall = <T>(what: string, run: (store: Store) => Promise<T>) => Promise<T>;

/** What one `spend` took: the account's and the device's window counters after it. */
export interface Spending {
  kind: BudgetKind;
  account: CounterState;
  device: CounterState;
}

export type SpendResult = { ok: true; spent: Spending } | { ok: false; retryAt: number };

/** Where one budget stands for a device: spent until `retryAt`, or how many are `left` (the fewer of device and account). */
export interface Standing {
  retryAt?: number;
  left: number;
}

/**
 * The budgets over the store's atomic windowed counter (`Store.countHit`), all under the
 * account's key, so every app server shares them. Per budget and subject (the account, or one of
 * its devices, whose names end in `:<device id>`) two counters:
 *
 * - `<kind>` counts in fixed windows; a full window refuses until it ends.
 * - `day:<kind>` counts everything spent in a window of `maxWindowMs` (a day), for the back-off:
 *   a window opens `windowMs × 2^n` long, `n` the full budgets already spent in that day, at most
 *   `maxWindowMs`: 1 h, 2 h, 4 h, 8 h, 16 h. Pacing does not escape it (it counts use, not
 *   lockouts), so a subject spends at most about 5–6 budgets a day.
 *
 * A spend is reserved before the action (a code is counted before it is compared), so racing
 * requests never spend more than the budget; what did not happen after all is given back.
 */
export class ChallengeBudget {
  readonly #config: BudgetConfig;
  readonly #call: StoreCall;

  constructor(config: BudgetConfig, call: StoreCall) {
    this.#config = config;
    this.#call = call;
  }

  /** Where `kind` stands for the device now. Reads only. */
  async standing(kind: BudgetKind, accountId: string, deviceId: string, at: number): Promise<Standing> {
    const [account, device] = await Promise.all([this.#hit(accountId, kind, 1, at, 0), this.#hit(accountId, `${kind}:${deviceId}`, 1, at, 0)]);
    const limits = this.#limits(kind);
    const until = [account.count >= limits.account ? account.resetAt : 0, device.count >= limits.device ? device.resetAt : 0].filter((t) => t > at);
    if (until.length > 0) return { retryAt: Math.max(...until), left: 0 };
    return { left: Math.max(0, Math.min(limits.account - account.count, limits.device - device.count)) };
  }

  /**
   * Take one of `kind` for the device, or say until when it is spent. The account's budget is
   * taken first, and a device's counters only open while its account has room, so rotating
   * cookies cannot make counters without end (a bounded store keeps every account's own).
   */
  async spend(kind: BudgetKind, accountId: string, deviceId: string, at: number): Promise<SpendResult> {
    const limits = this.#limits(kind);
    const names = { account: kind, device: `${kind}:${deviceId}` };
    const [accountDay, deviceDay] = await Promise.all([this.#day(accountId, names.account, at, 1), this.#day(accountId, names.device, at, 0)]);
    const account = await this.#hit(accountId, names.account, this.#windowMs(accountDay.count - 1, limits.account), at, 1);
    if (account.count > limits.account) {
      await Promise.all([this.#day(accountId, names.account, at, -1), this.#hit(accountId, names.account, 1, at, -1)]);
      return { ok: false, retryAt: account.resetAt };
    }
    const [, device] = await Promise.all([this.#day(accountId, names.device, at, 1), this.#hit(accountId, names.device, this.#windowMs(deviceDay.count, limits.device), at, 1)]);
    if (device.count > limits.device) {
      await this.#giveBack(kind, accountId, deviceId, at);
      return { ok: false, retryAt: device.resetAt };
    }
    return { ok: true, spent: { kind, account, device } };
  }

  /** Give back what `spend` took: it did not happen after all (the code was right, the send failed). */
  async refund(spent: Spending, accountId: string, deviceId: string, at: number): Promise<void> {
    await this.#giveBack(spent.kind, accountId, deviceId, at);
  }

  /** Until when the spend left the device without this budget, if it took the last of it. */
  spentUntil(spent: Spending): number | undefined {
    const limits = this.#limits(spent.kind);
    const until = [spent.account.count >= limits.account ? spent.account.resetAt : 0, spent.device.count >= limits.device ? spent.device.resetAt : 0];
    return Math.max(...until) || undefined;
  }

  /** How many of `spent.kind` are left after the spend: the fewer of the account's and the device's. */
  left(spent: Spending): number {
    const limits = this.#limits(spent.kind);
    return Math.max(0, Math.min(limits.account - spent.account.count, limits.device - spent.device.count));
  }

  #limits(kind: BudgetKind): { account: number; device: number } {
    return { account: this.#config.perAccount[kind], device: this.#config.perDevice[kind] };
  }

  /** Back-off: a window doubles for each full budget spent in the day (`spentToday`, before this spend). */
  #windowMs(spentToday: number, limit: number): number {
    const { windowMs, maxWindowMs } = this.#config;
    return Math.min(maxWindowMs, windowMs * 2 ** Math.min(Math.floor(Math.max(0, spentToday) / limit), 30));
  }

  async #giveBack(kind: BudgetKind, accountId: string, deviceId: string, at: number): Promise<void> {
    const device = `${kind}:${deviceId}`;
    await Promise.all([this.#day(accountId, kind, at, -1), this.#hit(accountId, kind, 1, at, -1), this.#day(accountId, device, at, -1), this.#hit(accountId, device, 1, at, -1)]);
  }

  #day(accountId: string, name: string, at: number, by: number): Promise<CounterState> {
    return this.#hit(accountId, `day:${name}`, this.#config.maxWindowMs, at, by);
  }

  #hit(accountId: string, name: string, windowMs: number, at: number, by: number): Promise<CounterState> {
    return this.#call('countHit', (store) => store.countHit(accountId, name, windowMs, at, by));
  }
}
