import type { Server } from 'node:http';
import type { Options, Sharelock } from '../../../src/index.js';
import { FakeClock } from '../clock.js';

/**
 * The app every adapter's scenario factory builds, the same in each framework:
 *
 * - the framework's app-wide sharelock (challenge pages + `protect` patterns) with `scenarioSetup`'s options;
 * - `GET /watch/:id` → `playing {id}`, with header `x-verdict` set to the guard state's verdict kind
 *   when the framework exposes one to the handler (Express `res.locals.sharelock`, Koa `ctx.state.sharelock`, ...);
 * - `GET /live/:id` → `live`, guarded per route with `{ limits: { devices: 1 } }`;
 * - `GET /api/premium/:id` → JSON `{ ok: true }`; `POST /api/premium/:id` → JSON `{ posted: true }`;
 * - `GET /free` → `free`;
 * - a router (sub-app, plugin, controller) mounted at `/kids` with `GET /shows/:id` → `kids {id}`
 *   (protected by the `/kids/**` pattern) and `GET /live/:id` → `kids live`, covered by the pattern and guarded per
 *   route with `{ limits: { devices: 1 } }`.
 */
export interface ScenarioApp {
  /** The app's HTTP server (supertest listens on it when it is not listening yet). */
  server: Server;
  guard: Sharelock<any, any>;
  clock: FakeClock;
  /** The `x-account` of every request `onLogout` ran for, in order. */
  logouts: string[];
  close(): Promise<void>;
}

export type MakeScenarioApp = (options?: Partial<Options>) => Promise<ScenarioApp>;

/**
 * The sharelock options of the scenario app. The signed-in account comes from the `x-account` header
 * (`x-plan: free` makes it free), so each client with its own cookie jar is one device of any account.
 * `header` reads a request header the framework's way from what `identify` receives.
 */
export function scenarioSetup<Req>(header: (req: Req, name: string) => string | undefined, overrides: Partial<Options> = {}) {
  const clock = new FakeClock();
  const logouts: string[] = [];
  const options: Options<Req, any> = {
    secret: 'a-test-secret-that-is-long-enough-0123456789',
    identify: (req) => {
      const id = header(req, 'x-account');
      return id ? { id, email: `${id}@example.com`, paying: header(req, 'x-plan') !== 'free' } : null;
    },
    protect: ['/watch/*', { path: '/api/**', methods: ['GET'] }, '/kids/**'],
    exclude: ['/watch/trailer'],
    limits: { devices: 2 },
    urls: { newAccount: '/signup', logout: '/logout', success: '/home', suspended: '/suspended' },
    onLogout: ({ req }) => {
      logouts.push(header(req, 'x-account') ?? '');
    },
    logger: { warn: () => {}, error: () => {} },
    now: clock.now,
    ...overrides,
  };
  return { options, clock, logouts };
}
