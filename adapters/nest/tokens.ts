import { Inject } from '@nestjs/common';

/** The injection token of the app's `Sharelock` instance (see `@InjectSharelock()`). */
export const SHARELOCK = 'SHARELOCK';

/** The injection token of the store the `Sharelock` instance uses (`guard.config.store`). */
export const SHARELOCK_STORE = 'SHARELOCK_STORE';

/** What `forRoot()` was given, or its factory returned: options, or a `Sharelock` the app created. */
export const SHARELOCK_SOURCE = 'SHARELOCK_SOURCE';

/** Route metadata of `@Protect()` (its options) and `@SkipSharelock()` (`false`): one key, so the handler's wins over the controller's. */
export const PROTECT_METADATA = 'sharelock:protect';

/**
 * Inject the app's `Sharelock` instance, e.g. for its admin API.
 * @example
 * constructor(@InjectSharelock() private readonly guard: Sharelock<Request, Response>) {}
 */
export const InjectSharelock = (): PropertyDecorator & ParameterDecorator => Inject(SHARELOCK);
