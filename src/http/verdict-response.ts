import type { Config, LogoutReason } from '../options.js';
import type { Reason } from '../model.js';
import { assertNever, type Verdict } from '../verdict.js';
import { json, redirect, type HttpResponse } from './response.js';
import { wantsJson, type RequestLike } from './request.js';

/**
 * How a verdict answers the request: `undefined` lets it through; otherwise a redirect for page
 * navigations, or JSON for scripts and API clients. A logged-out device has the app's session
 * cleared through `onLogout` first, and is told why (`?reason=` on `urls.logout`, `reason` in JSON).
 */
export async function verdictResponse<Req, Res>(
  config: Pick<Config, 'onLogout' | 'logger'>,
  verdict: Verdict,
  request: RequestLike,
  context: { req: Req; res: Res },
): Promise<HttpResponse | undefined> {
  if (verdict.kind === 'allow') return undefined;
  const asJson = wantsJson(request.headers);
  switch (verdict.kind) {
    case 'challenge':
      return asJson ? json(403, { verdict: 'challenge', challengeUrl: verdict.url, reasons: verdict.reasons }) : redirect(verdict.url);
    case 'logout': {
      const reason = logoutReason(verdict.reasons);
      await clearAppSession(config, context, reason);
      return asJson ? json(401, { verdict: 'logout', logoutUrl: verdict.url, reason, reasons: verdict.reasons }) : redirect(withReason(verdict.url, reason));
    }
    case 'suspended':
      return asJson ? json(403, { verdict: 'suspended', suspendedUrl: verdict.url, reasons: verdict.reasons }) : redirect(verdict.url);
    case 'deny': {
      const response = json(verdict.status, { verdict: 'deny', reasons: verdict.reasons });
      if (verdict.status === 503) response.headers['retry-after'] = '30';
      return response;
    }
    default:
      return assertNever(verdict);
  }
}

/**
 * Why a logout verdict logs its device out: a pending logout says who set it (`kicked` by the
 * owner, `detached` by the app); any other logout verdict is a policy's `logout` action.
 */
export function logoutReason(reasons: readonly Reason[]): LogoutReason {
  const pending = reasons.find((r) => r.check === 'device_logged_out');
  if (!pending) return 'policy';
  return pending.observed === 'kicked' ? 'owner' : 'admin';
}

/** `url` with `reason=` added to its query (a path or an absolute URL; any fragment stays last). */
export function withReason(url: string, reason: LogoutReason): string {
  const hash = url.indexOf('#');
  const [base, fragment] = hash === -1 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}reason=${reason}${fragment}`;
}

/** Run the app's `onLogout`; a failing hook is logged, and the redirect still happens. */
export async function clearAppSession<Req, Res>(config: Pick<Config, 'onLogout' | 'logger'>, context: { req: Req; res: Res }, reason: LogoutReason): Promise<void> {
  if (!config.onLogout) return;
  try {
    await (config.onLogout as (context: { req: Req; res: Res; reason: LogoutReason }) => void | Promise<void>)({ ...context, reason });
  } catch (error) {
    config.logger.error('onLogout threw; the device is logged out of sharelock but the app session may remain.', error);
  }
}
