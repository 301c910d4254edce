import express from 'express';
import session from 'express-session';
import { rateLimit } from 'express-rate-limit';
import Fastify from 'fastify';
import Koa from 'koa';
import { createServer, type Server } from 'node:http';
import { createSharelock, type Options } from '../src/index.js';
import { sharelock } from '../adapters/express/index.js';
import { sharelock as koaSharelock } from '../adapters/koa/index.js';
import { sharelock as fastifySharelock } from '../adapters/fastify/index.js';
import { nestServer } from './nest-server.js';

/**
 * One server per scenario, each answering `GET /watch/1` with a tiny body, so the figures show
 * what the middleware costs. Each framework has a bare baseline; sharelock's scenarios are read as
 * a ratio to it. Started in a child process: `node dist/bench/servers.js '<framework>: <variant>'`.
 */
type Variant = 'bare' | 'sharelock (cached)' | 'sharelock (no cache)' | 'sharelock (free user)' | 'sharelock (unprotected path)';

const VARIANTS: Record<Variant, Partial<Options> | undefined> = {
  bare: undefined,
  // The hot path: a paying account's known device, answered from the verdict cache.
  'sharelock (cached)': {},
  // Every request goes to the (memory) store: the cost of a cache miss.
  'sharelock (no cache)': { cache: { allowTtlMs: 0 } },
  // A free or anonymous user on a protected route: no store, no cookie.
  'sharelock (free user)': { identify: () => null },
  // A path no `protect` pattern covers: what every other route of the app pays.
  'sharelock (unprotected path)': { protect: ['/paid/*'] },
};

function guard(overrides: Partial<Options>, header: (req: any) => string | undefined) {
  return createSharelock({
    secret: 'bench-secret-bench-secret-bench-secret-0000',
    identify: (req) => ({ id: header(req) ?? 'bench', email: 'bench@example.com' }),
    protect: ['/watch/*'],
    logger: { warn: () => {}, error: console.error },
    ...overrides,
  });
}

const FRAMEWORKS: Record<string, (options: Partial<Options> | undefined) => Promise<Server> | Server> = {
  express: (options) => {
    const app = express();
    app.disable('x-powered-by');
    if (options) app.use(sharelock(guard(options, (req: express.Request) => req.get('x-account'))));
    app.get('/watch/:id', (_req, res) => res.send('ok'));
    return createServer(app);
  },
  koa: (options) => {
    const app = new Koa();
    if (options) app.use(koaSharelock(guard(options, (ctx: Koa.Context) => ctx.get('x-account') || undefined)));
    app.use((ctx) => {
      if (ctx.path.startsWith('/watch/')) ctx.body = 'ok';
    });
    return createServer(app.callback());
  },
  fastify: async (options) => {
    const app = Fastify();
    if (options) await app.register(fastifySharelock, { guard: guard(options, (request) => request.headers['x-account']) });
    app.get('/watch/:id', async () => 'ok');
    await app.ready();
    return app.server;
  },
  nest: (options) => nestServer(options && ((header) => guard(options, header))),
};

/** Express's own peers, as a user would compare: a session store and a rate limiter. */
const EXPRESS_PEERS: Record<string, (app: express.Express) => void> = {
  'express: express-session': (app) => app.use(session({ secret: 'bench-session-secret', resave: false, saveUninitialized: true })),
  'express: express-rate-limit': (app) => app.use(rateLimit({ windowMs: 60_000, limit: 1_000_000_000, standardHeaders: 'draft-8', legacyHeaders: false })),
};

export const SCENARIOS = [
  ...['express', 'koa', 'fastify'].flatMap((framework) => Object.keys(VARIANTS).map((variant) => `${framework}: ${variant}`)),
  ...Object.keys(EXPRESS_PEERS),
  ...['nest: bare', 'nest: sharelock (cached)', 'nest: sharelock (no cache)'],
];

/** What `npm run bench:quick` runs: the three fast-moving frameworks, without the peers and Nest. */
export const QUICK_SCENARIOS = SCENARIOS.filter((scenario) => !scenario.startsWith('nest') && !(scenario in EXPRESS_PEERS));

async function serve(name: string): Promise<Server> {
  const peer = EXPRESS_PEERS[name];
  if (peer) {
    const app = express();
    app.disable('x-powered-by');
    peer(app);
    app.get('/watch/:id', (_req, res) => res.send('ok'));
    return createServer(app);
  }
  const [framework, variant] = name.split(': ') as [string, Variant];
  const start = FRAMEWORKS[framework];
  if (!start || !(variant in VARIANTS)) throw new Error(`Unknown scenario ${name}; use one of ${SCENARIOS.join(', ')}`);
  return start(VARIANTS[variant]);
}

const name = process.argv[2];
if (name) {
  // The CPU time this server has used (µs): the parent reads it around each measurement.
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  });
  const server = await serve(name);
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
}
