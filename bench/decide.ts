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

const request = (cookie?: string, userAgent = CHROME, remoteAddress = '203.0.113.7'): RequestLike => ({
  method: 'GET',
  path: '/watch/1',
  url: '/watch/1',
  headers: { host: 'localhost', 'user-agent': userAgent, ...(cookie ? { cookie } : {}) },
  remoteAddress,
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
async function time({ ops, run }: Case): Promise<{ us: number; cpuUs: number; promisesPerOp: number }> {
  let best = Infinity;
  let bestCpu = Infinity;
  for (let round = 0; round < (quick ? 3 : 5); round++) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < ops; i++) {
      const decided = run(round * ops + i);
      if (decided instanceof Promise) await decided;
    }
    best = Math.min(best, performance.now() - started);
    const { user, system } = process.cpuUsage(cpu);
    bestCpu = Math.min(bestCpu, (user + system) / 1000);
  }
  promises = 0;
  counting.enable();
  for (let i = 0; i < 100; i++) {
    const decided = run(10 * ops + i);
    if (decided instanceof Promise) await decided;
  }
  counting.disable();
  return { us: (best * 1000) / ops, cpuUs: (bestCpu * 1000) / ops, promisesPerOp: promises / 100 };
}

async function cookieOf(core: ReturnType<typeof guard>, id: string): Promise<string> {
  const { setCookie } = await core.decide(request(), { id });
  return setCookie!.split(';')[0]!;
}

/** `BENCH_SCALE_ONLY=1`: the scale steps alone (what a 1M-account run needs the time for). */
const scaleOnly = process.env.BENCH_SCALE_ONLY === '1';
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
// CPU µs/op (this process's user + system time, GC threads included) reads steadier than wall
// time on a shared machine: another job's load stretches the wall clock, not this process's CPU.
console.log('| decide() | µs/op | CPU µs/op | promises/op |');
console.log('| --- | ---: | ---: | ---: |');
for (const c of scaleOnly ? [] : cases) {
  const { us, cpuUs, promisesPerOp } = await time(c);
  console.log(`| ${c.name} | ${us.toFixed(2)} | ${cpuUs.toFixed(2)} | ${promisesPerOp.toFixed(1)} |`);
}

// A slow store: 2 ms per call; 50 decisions in flight at a time, each a miss (new device).
if (!scaleOnly) {
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

// The memory store's heap, after GC: per account (one device, one access), per extra device of
// an account, per device with a full history (`historySize` accesses), and the rate of
// new-device decisions as the store fills to its cap. `BENCH_ACCOUNTS=10000,100000,1000000`
// sets the scale steps (default 10k and 100k; 10k with BENCH_QUICK). Run with `node --expose-gc`
// (without it the flag is set at run time, which works on Node 20) and, at 1M accounts, a heap
// large enough: `--max-old-space-size=4096`.
setFlagsFromString('--expose-gc');
const gc = ((globalThis as { gc?: () => void }).gc ?? runInNewContext('gc')) as () => void;
/** Heap in use after two full collections; array buffers too (none expected: the store keeps no typed arrays). */
const heap = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const T0 = Date.UTC(2026, 11, 1);

/** Heap after GC per `per` of what `fill` adds to a fresh store (the core's own per-account state included). */
async function heapOf(options: Partial<Options>, fill: (core: ReturnType<typeof guard>, clock: { at: number }) => Promise<number>): Promise<number> {
  const clock = { at: T0 };
  const core = guard({ store: new MemoryStore({ maxAccounts: 1_000_000, maxDevicesPerAccount: 1_000 }), cache: { allowTtlMs: 0 }, now: () => clock.at, ...options });
  await core.decide(request(), { id: 'warm-up' });
  const base = heap();
  const per = await fill(core, clock);
  const used = (heap() - base) / per;
  await core.close();
  return used;
}

/** Accounts per heap figure. */
const ACCOUNTS = 4_000;
const browser = (d: number) => `${CHROME} Device/${d}`;
/** Each account its own home address, as in real traffic (one address for all would be learned as a NAT). */
const addressOf = (a: number) => `198.18.${a >> 8}.${a & 255}`;
/** One cookie per device of `accounts` accounts, `devices` each: their first decision, one access each. */
async function devicesOf(core: ReturnType<typeof guard>, clock: { at: number }, accounts: number, devices: number): Promise<string[][]> {
  const cookies: string[][] = [];
  for (let a = 0; a < accounts; a++) {
    const own: string[] = [];
    for (let d = 0; d < devices; d++) {
      clock.at += 1_000;
      const { setCookie } = await core.decide(request(undefined, browser(d), addressOf(a)), { id: `h${a}` });
      own.push(setCookie!.split(';')[0]!);
    }
    cookies.push(own);
  }
  return cookies;
}
const wide = { limits: { devices: 100 } } satisfies Partial<Options>;
// The store alone, without the core: what its own records cost (no profile, no admin index).
async function storeHeapOf(devices: number, accesses: number): Promise<number> {
  const store = new MemoryStore({ maxAccounts: 1_000_000 });
  const agent = { browser: 'Chrome', browserVersion: '130.0.0.0', os: 'Windows', osVersion: '10' };
  const base = heap();
  let at = T0;
  for (let a = 0; a < ACCOUNTS; a++) {
    const ip = addressOf(a);
    for (let x = 0; x < accesses; x++) {
      for (let d = 0; d < devices; d++) {
        const deviceId = `${a}-${d}-device-id-0000000`.slice(0, 22); // a cookie's 22 characters
        await store.attach({
          accountId: `h${a}`,
          deviceId,
          type: 'computer',
          agent: { ...agent },
          access: { at: (at += 1_000), deviceId, ip: `${ip}`, network: `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`, page: `/watch/${x % 8}` },
          limits: { devices: 100 },
          inactiveBefore: 0,
          historySize: 100,
          groups: [],
        });
      }
    }
  }
  const used = (heap() - base) / ACCOUNTS;
  await store.close();
  return used;
}
if (!scaleOnly) {
const oneDevice = await heapOf(wide, async (core, clock) => (await devicesOf(core, clock, ACCOUNTS, 1), ACCOUNTS));
const sixDevices = await heapOf(wide, async (core, clock) => (await devicesOf(core, clock, ACCOUNTS, 6), ACCOUNTS));
const extraDevice = (sixDevices - oneDevice) / 5;
// A full history: 100 accesses (the default `historySize`) of one device, a minute apart, over 8 pages.
const fullHistory = await heapOf(wide, async (core, clock) => {
  const [cookies] = [await devicesOf(core, clock, ACCOUNTS, 1)];
  for (let i = 1; i < 100; i++) {
    for (let a = 0; a < ACCOUNTS; a++) {
      clock.at += 60_000 / ACCOUNTS;
      await core.decide({ ...request(cookies[a]![0], browser(0), addressOf(a)), path: `/watch/${i % 8}`, url: `/watch/${i % 8}` }, { id: `h${a}` });
    }
  }
  return ACCOUNTS;
});
const storeOne = await storeHeapOf(1, 1);
const storeSix = await storeHeapOf(6, 1);
const storeFull = await storeHeapOf(1, 100);

console.log('\n| memory store heap after GC (the core\'s per-account state included) | bytes |');
console.log('| --- | ---: |');
console.log(`| per account, one device, one access | ${oneDevice.toFixed(0)} |`);
console.log(`| per extra device of an account (one access each; ${ACCOUNTS} accounts × 6) | ${extraDevice.toFixed(0)} |`);
console.log(`| per account, one device with a full history (100 accesses, 8 pages) | ${fullHistory.toFixed(0)} |`);
console.log(`| the store alone: per account, one device, one access | ${storeOne.toFixed(0)} |`);
console.log(`| the store alone: per extra device | ${((storeSix - storeOne) / 5).toFixed(0)} |`);
console.log(`| the store alone: per account, one device, 100 accesses | ${storeFull.toFixed(0)} (${((storeFull - storeOne) / 99).toFixed(1)} per access) |`);

}

console.log('\n| memory store, new device per account | accounts (= cap) | decisions/s (last tenth, 10 000 at least) | CPU µs per decision (same) | heap after GC per account |');
console.log('| --- | ---: | ---: | ---: | ---: |');
const steps = process.env.BENCH_ACCOUNTS ? process.env.BENCH_ACCOUNTS.split(',').map(Number) : quick ? [10_000] : [10_000, 100_000];
let warm = false;
// A first fill, not reported, so the 10k step does not also measure the code warming up.
for (const accounts of [10_000, ...steps]) {
  const core = guard({ store: new MemoryStore({ maxAccounts: accounts }), cache: { allowTtlMs: 0 } });
  const base = heap();
  // The last tenth (10 000 at least): a major GC of a 1M-account heap takes seconds, so a shorter
  // window reads either no GC or a whole one; over a tenth, GC is counted at its average.
  const window = Math.max(10_000, accounts / 10);
  let started = performance.now();
  let cpu = process.cpuUsage();
  for (let i = 0; i < accounts; i++) {
    if (i === accounts - window) {
      started = performance.now();
      cpu = process.cpuUsage();
    }
    await core.decide(request(), { id: `m${i}` });
  }
  const rate = window / ((performance.now() - started) / 1000);
  const { user, system } = process.cpuUsage(cpu);
  // CPU time (GC threads included) is what other jobs on a shared machine do not stretch.
  if (warm) console.log(`| | ${accounts} | ${Math.round(rate)} | ${((user + system) / window).toFixed(1)} | ${((heap() - base) / accounts).toFixed(0)} B |`);
  warm = true;
  await core.close();
}
