import { SharelockError } from '../errors.js';
import type { Sharelock } from '../sharelock.js';
import { resolveDashboardOptions, type DashboardOptions } from './options.js';
import { DashboardRoutes } from './routes.js';

export type { DashboardOptions } from './options.js';

/** What `guard.dashboard()` returns. */
export interface Dashboard {
  /** Where every adapter serves it, e.g. `/admin/sharing`. */
  readonly path: string;
}

// A property of the core, not a `WeakMap` entry: every request of every adapter asks for it.
const ROUTES = Symbol('sharelock.dashboard');
type WithDashboard = { [ROUTES]?: DashboardRoutes<any, any> };

/** Turn the dashboard on for this core: from then on every adapter's app-wide middleware serves it. */
export function enableDashboard<Req, Res>(core: Sharelock<Req, Res>, options: DashboardOptions<Req>): Dashboard {
  const config = resolveDashboardOptions(options);
  const enabled = core as WithDashboard;
  if (enabled[ROUTES]) throw new SharelockError('SHARELOCK_E_OPTION_INVALID', `guard.dashboard() was already called (at ${enabled[ROUTES].path}); call it once, before mounting the adapter.`);
  const routes = new DashboardRoutes(core, config);
  enabled[ROUTES] = routes;
  return Object.freeze({ path: config.path });
}

/** The core's dashboard routes, when `guard.dashboard()` turned them on. */
export function dashboardOf<Req, Res>(core: Sharelock<Req, Res>): DashboardRoutes<Req, Res> | undefined {
  return (core as WithDashboard)[ROUTES];
}
