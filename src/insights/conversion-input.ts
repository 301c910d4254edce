import { SharelockError, show } from '../errors.js';
import type { Revenue } from './model.js';

/** What the app tells `guard.trackConversion()` from its signup or checkout code. */
export interface ConversionInput {
  /** The new account's id, as `identify()` will return it for that account. Required. */
  account: string | number;
  /** The plan chosen, e.g. `premium` (at most 100 characters). */
  plan?: string;
  /**
   * What the new account pays, e.g. `{ amount: 9.99, currency: 'EUR' }`: `amount` a finite number
   * from 0 to 1 000 000 000 in the currency's units (kept to 4 decimals), `currency` an ISO 4217
   * code (`eur` is read as `EUR`). Summed per currency, never converted.
   */
  revenue?: Revenue;
  /**
   * The converting device, for calls made without its request (a payment provider's webhook): the
   * id `guard.deviceOf(req)` gave when checkout began, kept in the payment's metadata. Wins over
   * the request's cookie.
   */
  deviceId?: string;
}

export interface CheckedConversionInput {
  account: string;
  plan?: string;
  revenue?: Revenue;
  deviceId?: string;
}

const KEYS = ['account', 'plan', 'revenue', 'deviceId'];
const REVENUE_KEYS = ['amount', 'currency'];
const MAX_ID_LENGTH = 256;
const MAX_PLAN_LENGTH = 100;
const MAX_AMOUNT = 1_000_000_000;
const CURRENCY = /^[A-Za-z]{3}$/;

/**
 * The input of `trackConversion()`, checked. A wrong shape is the app's programming error, not a
 * user's: it throws `SHARELOCK_E_CONVERSION_INVALID`, naming the field, showing the value and the fix.
 */
export function checkConversionInput(value: unknown): CheckedConversionInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('', value, 'Pass an object such as `{ account: user.id, plan: "premium", revenue: { amount: 9.99, currency: "EUR" } }`.');
  const input = value as Record<string, unknown>;
  unknownKeys('', input, KEYS);
  const account = typeof input.account === 'number' && Number.isSafeInteger(input.account) ? String(input.account) : input.account;
  if (typeof account !== 'string' || account.length === 0 || account.length > MAX_ID_LENGTH) {
    throw invalid('account', input.account, `Give the new account's id (a non-empty string of at most ${MAX_ID_LENGTH} characters, or a whole number), as identify() returns it.`);
  }
  const checked: CheckedConversionInput = { account };
  if (input.plan !== undefined) {
    if (typeof input.plan !== 'string' || input.plan.length === 0 || input.plan.length > MAX_PLAN_LENGTH) throw invalid('plan', input.plan, `Give the plan's name, a non-empty string of at most ${MAX_PLAN_LENGTH} characters, or leave it out.`);
    checked.plan = input.plan;
  }
  if (input.revenue !== undefined) checked.revenue = checkRevenue(input.revenue);
  if (input.deviceId !== undefined) {
    if (typeof input.deviceId !== 'string' || input.deviceId.length === 0 || input.deviceId.length > MAX_ID_LENGTH) {
      throw invalid('deviceId', input.deviceId, 'Give the id `guard.deviceOf(req)` returned for the device, or leave it out to read it from the request.');
    }
    checked.deviceId = input.deviceId;
  }
  return checked;
}

function checkRevenue(value: unknown): Revenue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('revenue', value, 'Pass `{ amount, currency }`, e.g. `{ amount: 9.99, currency: "EUR" }`.');
  const revenue = value as Record<string, unknown>;
  unknownKeys('revenue', revenue, REVENUE_KEYS);
  const { amount, currency } = revenue;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0 || amount > MAX_AMOUNT) {
    throw invalid('revenue.amount', amount, `It must be a finite number from 0 to ${MAX_AMOUNT.toLocaleString('en-US')}, in the currency's units (9.99 for €9.99; convert cents from your payment provider first).`);
  }
  if (typeof currency !== 'string' || !CURRENCY.test(currency)) throw invalid('revenue.currency', currency, 'Use an ISO 4217 code of three letters, e.g. "EUR" or "USD".');
  // Kept to ISO 4217's largest exponent (4 decimals), so every sum is exact.
  return { amount: Math.round(amount * 10_000) / 10_000, currency: currency.toUpperCase() };
}

function unknownKeys(field: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw invalid(field ? `${field}.${key}` : key, value[key], `Known fields${field ? ` of \`${field}\`` : ''}: ${known.join(', ')}.`);
  }
}

function invalid(field: string, value: unknown, fix: string): SharelockError {
  return new SharelockError('SHARELOCK_E_CONVERSION_INVALID', `Invalid trackConversion() input${field ? ` \`${field}\`` : ''}: ${show(value)}. ${fix}`);
}
