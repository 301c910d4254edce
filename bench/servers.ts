import type { Server } from 'node:http';
import type { Options } from '../src/index.js';
import { EXPRESS_PEERS, SCENARIOS, VARIANTS, type Variant } from './scenarios.js';

/**
 * One server per scenario, each answering `GET /watch/1` with a tiny body, so the figures show
 * what the middleware costs. Each framework has a bare baseline; sharelock's scenarios are read as
 * a ratio to it. Started in a child process: `node dist/bench/servers.js '<framework>: <variant>'`.
 * Each child imports only its own framework (and sharelock only when it uses it), so starting the
 * servers is quick and a bare app carries nothing of the others.
 */
const OPTIONS: Record<Variant, Partial<Options> | undefined> = {
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

async function guard(overrides: Partial<Options>, header: (req: any) => string | undefined) {
  const { createSharelock } = await import('../src/index.js');
  return createSharelock({
    secret: 'bench-secret-bench-secret-bench-secret-0000',
    identify: (req) => ({ id: header(req) ?? 'bench', email: 'bench@example.com' }),
    protect: ['/watch/*'],
    logger: { warn: () => {}, error: console.error },
    ...overrides,
  });
}

const FRAMEWORKS: Record<string, (options: Partial<Options> | undefined) => Promise<Server>> = {
  express: async (options) => {
    const [{ default: express }, { createServer }] = await Promise.all([import('express'), import('node:http')]);
    const app = express();
    app.disable('x-powered-by');
    if (options) {
      const { sharelock } = await import('../adapters/express/index.js');
      app.use(sharelock(await guard(options, (req: import('express').Request) => req.get('x-account'))));
    }
    app.get('/watch/:id', (_req, res) => res.send('ok'));
    return createServer(app);
  },
  koa: async (options) => {
    const [{ default: Koa }, { createServer }] = await Promise.all([import('koa'), import('node:http')]);
    const app = new Koa();
    if (options) {
      const { sharelock } = await import('../adapters/koa/index.js');
      app.use(sharelock(await guard(options, (ctx: import('koa').Context) => ctx.get('x-account') || undefined)));
    }
    app.use((ctx) => {
      if (ctx.path.startsWith('/watch/')) ctx.body = 'ok';
    });
    return createServer(app.callback());
  },
  fastify: async (options) => {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    if (options) {
      const { sharelock } = await import('../adapters/fastify/index.js');
      await app.register(sharelock, { guard: await guard(options, (request: import('fastify').FastifyRequest) => request.headers['x-account'] as string | undefined) });
    }
    app.get('/watch/:id', async () => 'ok');
    await app.ready();
    return app.server;
  },
  nest: async (options) => {
    const { nestServer } = await import('./nest-server.js');
    return nestServer(options && (await guard(options, (req: import('express').Request) => req.get('x-account'))));
  },
};

/** Express's own peers, as a user would compare: a session store and a rate limiter. */
const PEERS: Record<(typeof EXPRESS_PEERS)[number], () => Promise<(app: import('express').Express) => void>> = {
  'express: express-session': async () => {
    const { default: session } = await import('express-session');
    return (app) => app.use(session({ secret: 'bench-session-secret', resave: false, saveUninitialized: true }));
  },
  'express: express-rate-limit': async () => {
    const { rateLimit } = await import('express-rate-limit');
    return (app) => app.use(rateLimit({ windowMs: 60_000, limit: 1_000_000_000, standardHeaders: 'draft-8', legacyHeaders: false }));
  },
};

async function serve(name: string): Promise<Server> {
  const peer = PEERS[name as keyof typeof PEERS];
  if (peer) {
    const [{ default: express }, { createServer }, use] = await Promise.all([import('express'), import('node:http'), peer()]);
    const app = express();
    app.disable('x-powered-by');
    use(app);
    app.get('/watch/:id', (_req, res) => res.send('ok'));
    return createServer(app);
  }
  if (name === 'nest: a no-op guard') return (await import('./nest-server.js')).nestServer('noop');
  const [framework, variant] = name.split(': ') as [string, Variant];
  const start = FRAMEWORKS[framework];
  if (!start || !VARIANTS.includes(variant)) throw new Error(`Unknown scenario ${name}; use one of ${SCENARIOS.join(', ')}`);
  return start(OPTIONS[variant]);
}

const name = process.argv[2];
if (name) {
  // The CPU time this server has used (µs): the parent reads it around each measurement.
  process.on('message', (message) => {
    // A clean exit, so `--cpu-prof` writes its profile (bench/profile.ts).
    if (message === 'exit') process.exit(0);
    if (message !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  });
  const server = await serve(name);
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
}
