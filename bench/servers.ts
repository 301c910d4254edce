import express from 'express';
import session from 'express-session';
import { rateLimit } from 'express-rate-limit';
import { createSharelock } from '../src/index.js';
import { sharelock } from '../adapters/express/index.js';

/**
 * One server per scenario, each answering `GET /watch/1` with a tiny body, so the figures show
 * what the middleware costs. Started in a child process: `node dist/bench/servers.js <scenario>`.
 */
const scenarios: Record<string, (app: express.Express) => void> = {
  bare: () => {},
  'express-session': (app) => {
    app.use(session({ secret: 'bench-session-secret', resave: false, saveUninitialized: true }));
  },
  'express-rate-limit': (app) => {
    app.use(rateLimit({ windowMs: 60_000, limit: 1_000_000_000, standardHeaders: 'draft-8', legacyHeaders: false }));
  },
  // The hot path: a paying account's known device, answered from the verdict cache.
  'sharelock (cached)': (app) => app.use(sharelock(guard())),
  // Every request goes to the (memory) store: the cost of a cache miss.
  'sharelock (no cache)': (app) => app.use(sharelock(guard({ cache: { allowTtlMs: 0 } }))),
  // A free or anonymous user on a protected route: no store, no cookie.
  'sharelock (free user)': (app) => app.use(sharelock(guard({ identify: () => null }))),
};

function guard(overrides: Record<string, unknown> = {}) {
  return createSharelock<express.Request>({
    secret: 'bench-secret-bench-secret-bench-secret-0000',
    identify: (req) => ({ id: req.get('x-account') ?? 'bench', email: 'bench@example.com' }),
    protect: ['/watch/*'],
    logger: { warn: () => {}, error: console.error },
    ...overrides,
  });
}

export const SCENARIOS = Object.keys(scenarios);

const name = process.argv[2];
if (name) {
  const setup = scenarios[name];
  if (!setup) throw new Error(`Unknown scenario ${name}; use one of ${SCENARIOS.join(', ')}`);
  const app = express();
  app.disable('x-powered-by');
  setup(app);
  app.get('/watch/:id', (_req, res) => res.send('ok'));
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as { port: number }).port });
  });
}
