import { SharelockError, show } from '../errors.js';

/** What `guard.dashboard()` takes. */
export interface DashboardOptions<Req = any> {
  /**
   * Who may see the dashboard and act on accounts. Receives the framework's request (what
   * `identify` receives: Express `req`, Koa `ctx`, Fastify `request`). Required: there is no
   * default that lets anyone in. A rejection or a throw refuses the request (403).
   * @example authorize: (req) => req.session.user?.role === 'admin'
   */
  authorize: (req: Req) => boolean | Promise<boolean>;
  /** Where every adapter serves it. Default `'/admin/sharing'`. A path without a query, not `/`. */
  path?: string;
}

export interface DashboardConfig<Req = any> {
  authorize: (req: Req) => boolean | Promise<boolean>;
  /** Without a trailing slash. */
  path: string;
}

const KNOWN = new Set(['authorize', 'path']);
const PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

/** Validate `guard.dashboard()`'s options; every mistake throws with a stable code. */
export function resolveDashboardOptions<Req>(options: DashboardOptions<Req> | undefined): DashboardConfig<Req> {
  if (typeof options !== 'object' || options === null) {
    throw new SharelockError('SHARELOCK_E_DASHBOARD_AUTHORIZE', `guard.dashboard() needs options with an \`authorize(req)\` function, got ${show(options)}. Example: guard.dashboard({ authorize: (req) => req.session.user?.role === 'admin' }).`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new SharelockError('SHARELOCK_E_OPTION_UNKNOWN', `Unknown option \`dashboard.${key}\`. Known: authorize, path.`);
  }
  if (typeof options.authorize !== 'function') {
    throw new SharelockError('SHARELOCK_E_DASHBOARD_AUTHORIZE', `\`dashboard.authorize\` must be a function (req) => boolean | Promise<boolean>, got ${show(options.authorize)}. There is no default: say who may see account data, e.g. authorize: (req) => req.session.user?.role === 'admin'.`);
  }
  const path = options.path ?? '/admin/sharing';
  if (typeof path !== 'string' || !PATH.test(path.replace(/\/$/, ''))) {
    throw new SharelockError('SHARELOCK_E_OPTION_INVALID', `Invalid \`dashboard.path\`: ${show(path)}. Use an absolute path of plain segments, e.g. '/admin/sharing'.`);
  }
  return Object.freeze({ authorize: options.authorize, path: path.replace(/\/$/, '') });
}
