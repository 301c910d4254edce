import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * What each adapter's own code costs per request, counted in process: the Express middleware, the
 * Koa middleware, the Fastify hook and the Nest guard, each called on a fresh fake request (no
 * socket, no framework), as CPU nanoseconds per request. Resolves the fraction of a microsecond an
 * HTTP run on a shared machine cannot. Scenarios: a known device answered from the verdict cache,
 * a free user, a path no pattern covers, a known device with the verdict cache off (a miss on the
 * memory store, awaited); `noop` is the fake request's own cost (subtract it).
 * `node dist/bench/adapters.js`; BENCH_BEFORE_DIST=<another checkout>/dist measures that build too
 * (or several: `base=/a/dist,step1=/b/dist`), interleaved, each adapter and build in its own process. BENCH_ROUNDS
 * (default 3), BENCH_OPS (default 300 000), BENCH_MISS_CONCURRENCY (misses in flight at once, default 1).
 */
const ADAPTERS = ['express', 'koa', 'fastify', 'nest'] as const;
const SCENARIOS = ['noop', 'cached', 'free user', 'unprotected', 'no cache'] as const;
type Adapter = (typeof ADAPTERS)[number];
type Scenario = (typeof SCENARIOS)[number];

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const OPS = Number(process.env.BENCH_OPS ?? 300_000);

/** One request through the adapter; `next` is what the framework's next step would be. */
type Call = (url: string, next: () => void) => unknown;

async function build(dist: string, adapter: Adapter, free: boolean, uncached = false): Promise<Call> {
  const load = (path: string) => import(pathToFileURL(resolve(dist, path)).href);
  const { createSharelock } = await load('src/index.js');
  const headers: Record<string, string> = { host: 'localhost', 'user-agent': UA, accept: 'text/html', 'accept-language': 'en', 'x-account': 'bench' };
  const guard = createSharelock({
    secret: 'bench-secret-bench-secret-bench-secret-0000',
    identify: free ? () => null : () => ({ id: 'bench', email: 'bench@example.com' }),
    protect: ['/watch/*'],
    logger: { warn: () => {}, error: console.error },
    ...(uncached ? { cache: { allowTtlMs: 0 } } : {}),
  });
  const first = await guard.decide({ method: 'GET', path: '/watch/1', url: '/watch/1', headers, remoteAddress: '127.0.0.1', https: false }, {});
  if (first.setCookie) headers.cookie = `theme=dark; ${first.setCookie.split(';')[0]}; _ga=GA1.2.3`;
  // One shape for every request, as a framework's request class gives (a spread would not).
  const nodeRequest = (url: string) => ({ method: 'GET', url, originalUrl: url, headers, socket: { remoteAddress: '127.0.0.1' } });
  const res = { locals: {} as Record<string, unknown>, getHeader: () => undefined, setHeader: () => {} };
  switch (adapter) {
    case 'express': {
      const { sharelock } = await load('adapters/express/index.js');
      const middleware = sharelock(guard);
      return (url, next) => middleware(nodeRequest(url), res, next);
    }
    case 'koa': {
      const { sharelock } = await load('adapters/koa/index.js');
      const middleware = sharelock(guard);
      const get = (name: string) => headers[name] ?? '';
      return (url, next) => middleware({ originalUrl: url, req: nodeRequest(url), state: {}, get, append: () => {}, set: () => {} }, next);
    }
    case 'fastify': {
      const { sharelock } = await load('adapters/fastify/index.js');
      const hooks: Record<string, (...args: unknown[]) => unknown> = {};
      const app = { hasRequestDecorator: () => true, decorateRequest: () => {}, addHook: (name: string, hook: (...args: unknown[]) => unknown) => void (hooks[name] = hook), register: async () => {} };
      await sharelock(app, { guard });
      const hook = hooks.preHandler!;
      const reply = { header: () => reply, headers: () => reply };
      const routeOptions = { config: {} };
      return (url, next) => hook({ url, raw: nodeRequest(url), headers, routeOptions, sharelock: null }, reply, next);
    }
    case 'nest': {
      await import('reflect-metadata');
      const { Reflector } = await import('@nestjs/core');
      const { SharelockGuard } = await load('adapters/nest/index.js');
      const nest = new SharelockGuard(guard, new Reflector(), { httpAdapter: { appendHeader: () => {}, setHeader: () => {} } });
      class WatchController {
        watch() {}
      }
      const handler = WatchController.prototype.watch;
      return (url, next) => {
        const req = nodeRequest(url);
        const http = { getRequest: () => req, getResponse: () => res };
        const allowed = nest.canActivate({ getType: () => 'http', getHandler: () => handler, getClass: () => WatchController, switchToHttp: () => http });
        if (allowed === true) next();
        else if (allowed instanceof Promise) return allowed.then((ok) => ok && next());
      };
    }
  }
}

/** CPU ns per request of `ops` requests, after as many to warm up. */
async function measure(dist: string, adapter: Adapter, scenario: Scenario): Promise<number> {
  const url = scenario === 'unprotected' ? '/about' : '/watch/1';
  const call: Call = scenario === 'noop' ? await noop(adapter) : await build(dist, adapter, scenario === 'free user', scenario === 'no cache');
  // A miss is ~100 times a hit: fewer of them.
  const ops = scenario === 'no cache' ? Math.ceil(OPS / 20) : OPS;
  let nexts = 0;
  const next = () => void nexts++;
  // A miss reaches `next` later, and Express's middleware and Fastify's hook return nothing to
  // await: wait for `next` itself, one request at a time, as one client would.
  const one = scenario === 'no cache' ? () => new Promise<void>((done) => void call(url, () => (next(), done()))) : () => call(url, next);
  // BENCH_MISS_CONCURRENCY (default 1): misses in flight at once, as several connections would have.
  const inFlight = scenario === 'no cache' ? Number(process.env.BENCH_MISS_CONCURRENCY ?? 1) : 1;
  const run = async () => {
    for (let i = 0; i < ops; i += inFlight) {
      if (inFlight > 1) {
        await Promise.all(Array.from({ length: inFlight }, one));
        continue;
      }
      const result = one();
      // A cached allow is synchronous; anything else is awaited (and shows in the figure).
      if (result !== undefined && typeof (result as { then?: unknown }).then === 'function') await result;
    }
  };
  await run();
  nexts = 0;
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  const done = Math.ceil(ops / inFlight) * inFlight;
  if (nexts !== done) throw new Error(`${adapter} ${scenario}: ${done - nexts} requests did not reach next()`);
  return ((used.user + used.system) * 1000) / done;
}

async function settle(value: unknown): Promise<void> {
  if (value !== undefined && typeof (value as { then?: unknown }).then === 'function') await value;
}

/** The fake request alone: the same objects built, no sharelock. */
async function noop(adapter: Adapter): Promise<Call> {
  const headers = { host: 'localhost', 'user-agent': UA };
  const nodeRequest = (url: string) => ({ method: 'GET', url, originalUrl: url, headers, socket: { remoteAddress: '127.0.0.1' } });
  const sink: unknown[] = [undefined];
  if (adapter === 'koa') return (url, next) => ((sink[0] = { originalUrl: url, req: nodeRequest(url), state: {} }), next());
  if (adapter === 'fastify') return (url, next) => ((sink[0] = { url, raw: nodeRequest(url), headers }), next());
  return (url, next) => ((sink[0] = nodeRequest(url)), next());
}

const [childDist, childAdapter] = process.argv.slice(2);
if (childDist && childAdapter) {
  const results: Record<string, number> = {};
  for (const scenario of SCENARIOS) results[scenario] = await measure(childDist, childAdapter as Adapter, scenario);
  process.send!(results);
  process.exit(0);
} else {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const here = fileURLToPath(new URL('..', import.meta.url));
  // BENCH_BEFORE_DIST: one directory (`before`), or several as `label=directory,label=directory`.
  const others = (process.env.BENCH_BEFORE_DIST ?? '').split(',').filter(Boolean).map((entry): [string, string] => (entry.includes('=') ? (entry.split('=', 2) as [string, string]) : ['before', entry]));
  const builds: Array<[string, string]> = [...others, ['this build', here]];
  const samples = new Map<string, number[]>();
  const startedAt = new Date();
  const loadBefore = loadavg();
  for (let round = 1; round <= rounds; round++) {
    for (const adapter of ADAPTERS) {
      for (const [label, dist] of builds) {
        const child = fork(fileURLToPath(import.meta.url), [dist, adapter], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const results = await new Promise<Record<string, number>>((done, fail) => {
          child.once('message', (m) => done(m as Record<string, number>));
          child.once('exit', (code) => code !== 0 && fail(new Error(`${adapter} (${label}) exited with ${code}`)));
        });
        for (const [scenario, ns] of Object.entries(results)) {
          const key = `${adapter}\t${scenario}\t${label}`;
          samples.set(key, [...(samples.get(key) ?? []), ns]);
        }
        console.error(`round ${round}/${rounds} ${adapter} (${label}): ${Object.entries(results).map(([s, ns]) => `${s} ${ns.toFixed(0)} ns`).join(', ')}`);
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const loads = (load: number[]) => load.map((l) => l.toFixed(2)).join(' ');
  console.log(`\n${startedAt.toISOString().slice(0, 16)}–${new Date().toISOString().slice(11, 16)} UTC; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${rounds} rounds × ${OPS} requests (misses: a twentieth); load average ${loads(loadBefore)} before, ${loads(loadavg())} after\n`);
  console.log(`| adapter | scenario | ${builds.map(([label]) => `${label}: ns/request (sharelock's, minus noop)`).join(' | ')} |`);
  console.log(`| --- | --- | ${builds.map(() => '---:').join(' | ')} |`);
  for (const adapter of ADAPTERS) {
    for (const scenario of SCENARIOS.filter((s) => s !== 'noop')) {
      const cells = builds.map(([label]) => (median(samples.get(`${adapter}\t${scenario}\t${label}`)!) - median(samples.get(`${adapter}\tnoop\t${label}`)!)).toFixed(0));
      console.log(`| ${adapter} | ${scenario} | ${cells.join(' | ')} |`);
    }
  }
}
