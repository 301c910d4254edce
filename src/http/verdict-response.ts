import type { Config } from '../options.js';
import { assertNever, type Verdict } from '../verdict.js';
import { json, redirect, type HttpResponse } from './response.js';
import { wantsJson, type RequestLike } from './request.js';

/**
 * How a verdict answers the request: `undefined` lets it through; otherwise a redirect for page
 * navigations, or JSON for scripts and API clients. A logged-out device has the app's session
 * cleared through `onLogout` first.
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
    case 'logout':
      await clearAppSession(config, context);
      return asJson ? json(401, { verdict: 'logout', logoutUrl: verdict.url, reasons: verdict.reasons }) : redirect(verdict.url);
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

/** Run the app's `onLogout`; a failing hook is logged, and the redirect still happens. */
export async function clearAppSession<Req, Res>(config: Pick<Config, 'onLogout' | 'logger'>, context: { req: Req; res: Res }): Promise<void> {
  if (!config.onLogout) return;
  try {
    await (config.onLogout as (context: { req: Req; res: Res }) => void | Promise<void>)(context);
  } catch (error) {
    config.logger.error('onLogout threw; the device is logged out of sharelock but the app session may remain.', error);
  }
}
