import { createHook } from 'node:async_hooks';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSharelock, MemoryStore, type Options } from '../src/index.js';
import type { RequestLike } from '../src/http/request.js';

/**
 * `decide()` alone, no HTTP: µs per decision and promises created per decision, for the cached
 * allow, a miss on the memory store (a known device with the verdict cache off, and a new device
 * per request), a free user, and the worst cases (a new User-Agent per miss, a slow store).
 * Best of 5 rounds; `decision()`, what the adapters call (`decide()` wraps it in a promise). Then
 * the memory store's heap per account and device, and decisions/s as the accounts grow.
 * `node dist/bench/decide.js` (part of `npm run bench`).
 */
const quick = process.env.BENCH_QUICK === '1';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

function guard(overrides: Partial<Options> = {}) {
  return createSharelock({
    secret: 'bench-secret-bench-secret-bench-secret-0000',
    identify: (req: { id: string }) => ({ id: req.id, email: 'bench@example.com' }),
    protect: ['/watch/*'],
    logger: { warn: () => {}, error: console.error },
    store: new MemoryStore({ maxAccounts: 200_000 }),
    ...overrides,
  });
}

const request = (cookie?: string, userAgent = CHROME): RequestLike => ({
  method: 'GET',
  path: '/watch/1',
  url: '/watch/1',
  headers: { host: 'localhost', 'user-agent': userAgent, ...(cookie ? { cookie } : {}) },
  remoteAddress: '203.0.113.7',
  https: false,
});

let promises = 0;
const counting = createHook({ init: (_id, type) => void (type === 'PROMISE' && promises++) });

interface Case {
  name: string;
  ops: number;
  run: (i: number) => unknown;
}

/** Awaits only what is a promise: a synchronous decision stays synchronous. */
async function time({ ops, run }: Case): Promise<{ us: number; promisesPerOp: number }> {
  let best = Infinity;
  for (let round = 0; round < (quick ? 3 : 5); round++) {
    const started = performance.now();
    for (let i = 0; i < ops; i++) {
      const decided = run(round * ops + i);
      if (decided instanceof Promise) await decided;
    }
    best = Math.min(best, performance.now() - started);
  }
  promises = 0;
  counting.enable();
  for (let i = 0; i < 100; i++) {
    const decided = run(10 * ops + i);
    if (decided instanceof Promise) await decided;
  }
  counting.disable();
  return { us: (best * 1000) / ops, promisesPerOp: promises / 100 };
}

async function cookieOf(core: ReturnType<typeof guard>, id: string): Promise<string> {
  const { setCookie } = await core.decide(request(), { id });
  return setCookie!.split(';')[0]!;
}

const cached = guard();
const cachedCookie = await cookieOf(cached, 'acct');
const uncached = guard({ cache: { allowTtlMs: 0 } });
const uncachedCookie = await cookieOf(uncached, 'acct');
const free = guard({ identify: () => null });
const fresh = guard();
const agents = guard();
const slow = guard({ store: slowStore(new MemoryStore(), 2) });

const cases: Case[] = [
  { name: 'cached allow (known device)', ops: 50_000, run: () => cached.decision(request(cachedCookie), { id: 'acct' }) },
  { name: 'free user', ops: 50_000, run: () => free.decision(request(), { id: 'acct' }) },
  { name: 'miss: known device, verdict cache off', ops: 10_000, run: () => uncached.decide(request(uncachedCookie), { id: 'acct' }) },
  { name: 'miss: new device (no cookie), new account', ops: 5_000, run: (i) => fresh.decide(request(), { id: `a${i}` }) },
  { name: 'worst: new device and a new User-Agent each', ops: 2_000, run: (i) => agents.decide(request(undefined, `${CHROME} Build/${i}`), { id: `a${i}` }) },
];

console.log(`\nNode ${process.version}; load average ${loadavg()[0]!.toFixed(2)}; best of ${quick ? 3 : 5} rounds\n`);
console.log('| decide() | µs/op | promises/op |');
console.log('| --- | ---: | ---: |');
for (const c of cases) {
  const { us, promisesPerOp } = await time(c);
  console.log(`| ${c.name} | ${us.toFixed(2)} | ${promisesPerOp.toFixed(1)} |`);
}

// A slow store: 2 ms per call; 50 decisions in flight at a time, each a miss (new device).
{
  const started = performance.now();
  const n = 2_000;
  for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => slow.decide(request(), { id: `s${i + j}` })));
  const seconds = (performance.now() - started) / 1000;
  console.log(`| worst: slow store (+2 ms per call), 50 in flight, new device each | ${Math.round(n / seconds)} decisions/s | |`);
}

/** The store with `ms` of latency before every call. */
function slowStore(store: MemoryStore, ms: number): MemoryStore {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

await Promise.all([cached, uncached, free, fresh, agents, slow].map((core) => core.close()));

// The memory store at scale: heap after GC per account (one device, one access each), and the
// rate of new-device decisions as the store fills up to its cap.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
console.log('\n| memory store, new device per account | accounts | decisions/s (last 10 000) | heap after GC per account |');
console.log('| --- | ---: | ---: | ---: |');
for (const accounts of quick ? [10_000] : [10_000, 100_000]) {
  const core = guard({ store: new MemoryStore({ maxAccounts: accounts }), cache: { allowTtlMs: 0 } });
  const base = heap();
  let started = performance.now();
  for (let i = 0; i < accounts; i++) {
    if (i === accounts - 10_000) started = performance.now();
    await core.decide(request(), { id: `m${i}` });
  }
  const rate = 10_000 / ((performance.now() - started) / 1000);
  console.log(`| | ${accounts} | ${Math.round(rate)} | ${((heap() - base) / accounts).toFixed(0)} B |`);
  await core.close();
}
