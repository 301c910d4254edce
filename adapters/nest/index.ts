export { SharelockModule, type SharelockModuleAsyncOptions } from './module.js';
export { SharelockGuard } from './guard.js';
export { Protect, SkipSharelock, SharelockState } from './decorators.js';
export { InjectSharelock, SHARELOCK, SHARELOCK_STORE } from './tokens.js';
export { SharelockExceptionFilter, SharelockVerdictException } from './exception.js';
export type { GuardState } from '../../src/http/handler.js';
