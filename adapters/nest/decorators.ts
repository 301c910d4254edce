import { createParamDecorator, SetMetadata, type CustomDecorator, type ExecutionContext } from '@nestjs/common';
import type { GuardState } from '../../src/http/handler.js';
import type { RouteOptions } from '../../src/options.js';
import { STATE, type PlatformRequest } from './platform.js';
import { PROTECT_METADATA } from './tokens.js';

/**
 * Guard a controller or a handler with these route options (see `guard.protect()`); the handler's
 * win over its controller's. Options are validated when the app starts. Needs `SharelockGuard`
 * (as `APP_GUARD` or in `@UseGuards`). A request that also matches a `protect` pattern is judged
 * against both, and each must allow it.
 * @example
 * @Get('live/:id')
 * @Protect({ limits: { devices: 1 } })
 * live() {}
 */
export const Protect = (options: RouteOptions = {}): CustomDecorator<string> => SetMetadata(PROTECT_METADATA, options);

/**
 * Exempt a handler or a whole controller from sharelock: from `@Protect()` and the `protect`
 * patterns alike (the handler's decorator wins over its controller's).
 * @example
 * @Get('watch/trailer')
 * @SkipSharelock()
 * trailer() {}
 */
export const SkipSharelock = (): CustomDecorator<string> => SetMetadata(PROTECT_METADATA, false);

/**
 * The `GuardState` (`verdict`, `accountId`, `deviceId`) of the current request; `undefined` when
 * the guard did not judge it (a free or anonymous user still gets a state: `allow` without account).
 * @example
 * @Get('watch/:id')
 * watch(@SharelockState() state: GuardState | undefined) {}
 */
export const SharelockState = createParamDecorator((_data: unknown, context: ExecutionContext): GuardState | undefined => context.switchToHttp().getRequest<PlatformRequest>()[STATE]);
