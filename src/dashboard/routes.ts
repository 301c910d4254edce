import { parse as parseCookies } from 'cookie';
import { SharelockError } from '../errors.js';
import type { Form } from '../http/form.js';
import { firstValue, type RequestLike } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { Sharelock } from '../sharelock.js';
import { DashboardData } from './data.js';
import type { DashboardConfig } from './options.js';
import { ACTIONS, PERIODS, accountPage, confirmPage, describe, messagePage, overviewPage, type ActionName, type DashboardContext } from './pages.js';
import { STYLESHEET, STYLESHEET_HASH } from './style.js';
import { DashboardTokens } from './tokens.js';

const COOKIE = 'sharelock_dashboard';
// Nothing runs on these pages: no script source at all, styles from the dashboard's own path only.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const PAGE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};

const DONE: Record<ActionName, string> = {
  detach: 'The device was detached: it is logged out at its next request.',
  challenge: 'The next request will be challenged.',
  exclude: 'The device is excluded.',
  suspend: 'The account is suspended.',
  unsuspend: 'The account is active again.',
};

/**
 * The dashboard under `path`: the overview (`GET path`), an account (`GET path/account?t=` with an
 * opaque token, or `POST path/account` with the id in the body), actions (`POST path/action`, CSRF
 * token and a confirmation step) and its stylesheet. Every request but the stylesheet's must pass
 * the app's `authorize(req)` first.
 */
export class DashboardRoutes<Req, Res> {
  readonly #core: Sharelock<Req, Res>;
  readonly #config: DashboardConfig<Req>;
  readonly #tokens: DashboardTokens;
  readonly #data: DashboardData;
  readonly #stylesheet: string;
  #failing = false;

  constructor(core: Sharelock<Req, Res>, config: DashboardConfig<Req>) {
    this.#core = core;
    this.#config = config;
    this.#tokens = new DashboardTokens(core.config.secrets);
    this.#data = new DashboardData(core);
    this.#stylesheet = `${config.path}/assets/dashboard-${STYLESHEET_HASH}.css`;
  }

  get path(): string {
    return this.#config.path;
  }

  matches(path: string): boolean {
    return path === this.#config.path || path.startsWith(`${this.#config.path}/`);
  }

  async handle(request: RequestLike, readForm: () => Promise<Form>, context: { req: Req; res: Res }): Promise<HttpResponse> {
    const base = this.#config.path;
    const shell = { appName: this.#core.config.branding.appName, base, stylesheet: this.#stylesheet };
    // The stylesheet is the same for everyone and names nobody: served before `authorize`, so the 403 page is styled too.
    if (request.path === this.#stylesheet && (request.method === 'GET' || request.method === 'HEAD')) {
      return { status: 200, headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' }, body: STYLESHEET };
    }
    if (!(await this.#authorized(context.req))) {
      return page(403, messagePage(shell, 'Not allowed', 'You may not see this page. Sign in with an account allowed to see the sharing dashboard.'));
    }
    const sub = request.path.slice(base.length).replace(/\/$/, '') || '/';
    const allowed = sub === '/account' ? ['GET', 'HEAD', 'POST'] : sub === '/action' ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(request.method)) return { ...page(405, messagePage(shell, 'Not allowed', 'This address does not take that method.')), headers: { ...PAGE_HEADERS, allow: allowed.join(', ') } };

    // The CSRF token is bound to the dashboard's own random cookie, set on the first page.
    const cookie = parseCookies(firstValue(request.headers.cookie) ?? '')[COOKIE];
    const value = cookie && /^[A-Za-z0-9_-]{24}$/.test(cookie) ? cookie : DashboardTokens.cookieValue();
    const now = this.#core.config.now();
    const ctx: DashboardContext = { ...shell, csrf: this.#tokens.csrf(value), tokenOf: (id) => this.#tokens.seal(id, now) };
    let response: HttpResponse;
    try {
      response = await this.#route(sub, request, readForm, ctx, cookie, now);
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#core.config.logger.error('A dashboard page failed; further failures are not logged until a page succeeds again.', error);
      this.#failing = true;
      response = page(503, messagePage(shell, 'Unavailable', 'The dashboard could not read its data. Try again in a moment.'));
    }
    if (value !== cookie) response.headers['set-cookie'] = `${COOKIE}=${value}; Path=${base}; HttpOnly; SameSite=Strict${request.https ? '; Secure' : ''}`;
    return response;
  }

  async #route(sub: string, request: RequestLike, readForm: () => Promise<Form>, ctx: DashboardContext, cookie: string | undefined, now: number): Promise<HttpResponse> {
    const expired = () => page(410, messagePage(ctx, 'Link expired', 'Links to accounts work for 30 minutes. Open the account again from the overview.'));
    const refused = () => page(403, messagePage(ctx, 'Form expired', 'The form was too old or came from elsewhere. Go back, reload the page and try again.'));
    if (sub === '/') {
      const days = Number(new URLSearchParams(request.url.slice(request.path.length).replace(/^\?/, '')).get('days'));
      return page(200, overviewPage(ctx, await this.#data.overview(PERIODS.includes(days) ? days : 30)));
    }
    if (sub === '/account' && request.method !== 'POST') {
      const query = new URLSearchParams(request.url.slice(request.path.length).replace(/^\?/, ''));
      const accountId = this.#tokens.open(query.get('t'), now);
      if (!accountId) return expired();
      const done = query.get('done');
      return page(200, accountPage(ctx, await this.#data.account(accountId), done && Object.hasOwn(DONE, done) ? DONE[done as ActionName] : undefined));
    }
    if (sub === '/account') {
      const form = await readForm();
      if (!this.#tokens.verifyCsrf(cookie, form._csrf)) return refused();
      const accountId = (form.account ?? '').trim();
      if (!accountId || accountId.length > 256) return page(400, messagePage(ctx, 'No account', 'Give the id of an account.'));
      return redirect(`${ctx.base}/account?t=${this.#tokens.seal(accountId, now)}`);
    }
    if (sub === '/action') {
      const form = await readForm();
      if (!this.#tokens.verifyCsrf(cookie, form._csrf)) return refused();
      const accountId = this.#tokens.open(form.t, now);
      if (!accountId) return expired();
      const action = form.action as ActionName;
      if (!Object.hasOwn(ACTIONS, action)) return page(400, messagePage(ctx, 'Unknown action', 'That action does not exist.'));
      let device;
      if (ACTIONS[action].device === true || (ACTIONS[action].device === 'optional' && form.device)) {
        device = (await this.#core.devices(accountId)).find((d) => d.id === form.device);
        if (!device) return page(404, messagePage(ctx, 'No such device', 'The device is not one of this account’s. Go back to the account and try again.'));
      }
      if (form.confirm !== 'yes') return page(200, confirmPage(ctx, accountId, action, device));
      await this.#act(action, accountId, device?.id);
      this.#core.config.logger.warn(`sharelock dashboard: ${action} on an account${device ? ` (${describe(device)})` : ''}.`);
      return redirect(`${ctx.base}/account?t=${this.#tokens.seal(accountId, now)}&done=${action}`);
    }
    return page(404, messagePage(ctx, 'Not found', 'There is no such dashboard page.'));
  }

  /** Through the admin API; `detach`, `exclude`, `suspend` and `unsuspend` fall back to the core's own methods while it is not there. */
  async #act(action: ActionName, accountId: string, deviceId: string | undefined): Promise<void> {
    const admin = this.#core.admin;
    const fallback = (error: unknown, run: () => Promise<unknown>) => (error instanceof SharelockError && error.code === 'SHARELOCK_E_ADMIN_UNSUPPORTED' ? run() : Promise.reject(error));
    switch (action) {
      case 'detach':
        await admin.detach(accountId, deviceId!).catch((error) => fallback(error, () => this.#core.detach(accountId, deviceId!)));
        return;
      case 'exclude':
        await admin.exclude(accountId, deviceId!).catch((error) => fallback(error, () => this.#core.exclude(accountId, deviceId!)));
        return;
      case 'challenge':
        await admin.forceChallenge(accountId, deviceId);
        return;
      case 'suspend':
        await admin.suspend(accountId).catch((error) => fallback(error, () => this.#core.suspend(accountId)));
        this.#data.suspended(accountId, true);
        return;
      case 'unsuspend':
        await admin.unsuspend(accountId).catch((error) => fallback(error, () => this.#core.unsuspend(accountId)));
        this.#data.suspended(accountId, false);
        return;
    }
  }

  /** Fails closed: a throw or anything but `true` refuses (and a throw is logged once per outage). */
  async #authorized(req: Req): Promise<boolean> {
    try {
      return (await this.#config.authorize(req)) === true;
    } catch (error) {
      this.#core.config.logger.error('The dashboard’s authorize() threw; the request was refused.', error);
      return false;
    }
  }
}

function page(status: number, body: string): HttpResponse {
  return { status, headers: { ...PAGE_HEADERS }, body };
}

function redirect(location: string): HttpResponse {
  return { status: 303, headers: { 'cache-control': 'no-store', location } };
}
