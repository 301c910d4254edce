import { SharelockError } from '../errors.js';

/** Reject when `promise` takes longer than `ms`, so no request waits on a broken store past its budget. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SharelockError('SHARELOCK_E_STORE_TIMEOUT', `${what} took longer than ${ms} ms (storeTimeoutMs).`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
