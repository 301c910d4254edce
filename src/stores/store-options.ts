import { SharelockError, show } from '../errors.js';

/** The error for a store's option that is not what it must be: `fix` says what to pass instead. */
export function invalidStoreOption(store: string, name: string, value: unknown, fix: string): SharelockError {
  return new SharelockError('SHARELOCK_E_OPTION_INVALID', `${store} option \`${name}\` is invalid: got ${show(value)}; ${fix}.`);
}

/** `value` when it is a whole number (of milliseconds, for `unit: 'ms'`) of at least `min`; else the error naming the store and option. */
export function wholeNumberOption(store: string, name: string, value: number, min: number, unit?: 'ms'): number {
  if (Number.isInteger(value) && value >= min) return value;
  const bound = min === 0 ? '0 or more' : `at least ${min}`;
  throw invalidStoreOption(store, name, value, unit === 'ms' ? `use a whole number of ms, ${bound}` : min === 0 ? `use a whole number, ${bound}` : `use a whole number of ${bound}`);
}
