/**
 * A value now, or later. The hot path returns a plain value when it has one (a cached allow, an
 * unprotected or free request), so a request the verdict cache answers creates no promise and waits
 * for no microtask; only work that needs I/O returns a promise.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Whether `value` is a promise (or another thenable, as an app's `identify()` may return). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** `next(value)`: at once for a plain value, after it settles for a promise. */
export function then<T, U>(value: T | PromiseLike<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromiseLike(value) ? Promise.resolve(value).then(next) : next(value);
}
