import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createSharelock } from '../src/index.js';
import type { RequestLike } from '../src/http/request.js';
import { RedisStore } from '../src/stores/redis.js';
import { startRedisServer } from '../test/support/redis-server.js';

/**
 * Decisions on one Redis (loopback), from one and from two app processes, each keeping 50
 * decisions in flight with the verdict cache off (every decision is a miss: a known device of one
 * of 1 000 accounts), then 50 paced clients below saturation (2 000 decisions/s). Reports
 * decisions/s, p50/p99 decision time, and Redis commands per decision, and what a tail is made
 * of: the longest garbage collection and the longest stall of the event loop (time the process
 * was not running its callbacks: GC, or another job on a shared machine holding the core).
 * `node dist/bench/redis.js` (part of `npm run bench`). BENCH_REDIS_SECONDS (default 5);
 * BENCH_MIRROR sets the store's `mirroredAccesses` (0: every miss reads the whole history).
 * On a shared machine, `nice -n -20 node dist/bench/redis.js` (as root) shows the tail without
 * the other jobs' share of the cores.
 */
const seconds = Number(process.env.BENCH_REDIS_SECONDS ?? 5);
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const ACCOUNTS = 1_000;
const IN_FLIGHT = 50;

const request = (cookie?: string): RequestLike => ({
  method: 'GET',
  path: '/watch/1',
  url: '/watch/1',
  headers: { host: 'localhost', 'user-agent': CHROME, ...(cookie ? { cookie } : {}) },
  remoteAddress: '203.0.113.7',
  https: false,
});

/** One app process: its own sharelock on the shared Redis; `start` at the same wall-clock time as the others. */
async function worker(url: string, start: number, id: number, perSecond: number): Promise<void> {
  const client = new Redis(url);
  const guard = createSharelock({
    secret: 'bench-secret-bench-secret-bench-secret-0000',
    identify: (req: { id: string }) => ({ id: req.id }),
    protect: ['/watch/*'],
    store: new RedisStore({ client, prefix: 'bench:', mirroredAccesses: Number(process.env.BENCH_MIRROR ?? 50_000) }),
    cache: { allowTtlMs: 0 },
    logger: { warn: () => {}, error: console.error },
  });
  // Each account's device, known before the clock starts.
  const cookies: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) cookies.push((await guard.decide(request(), { id: `p${id}-${i}` })).setCookie!.split(';')[0]!);
  let commands = 0;
  const sendCommand = client.sendCommand.bind(client);
  client.sendCommand = (...args: Parameters<typeof sendCommand>) => (commands++, sendCommand(...args));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, start - Date.now())));
  let longestGc = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGc = Math.max(longestGc, entry.duration);
  });
  gcs.observe({ entryTypes: ['gc'] });
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  stalls.enable();
  const redisCpuBefore = await redisCpuMs(client);
  const cpuBefore = process.cpuUsage();
  const until = Date.now() + seconds * 1000;
  const times: number[] = [];
  let next = 0;
  // Paced: each client decides once per `gap` ms (open load below saturation); else back to back.
  const gap = perSecond > 0 ? (IN_FLIGHT * 1000) / perSecond : 0;
  const loop = async (_: unknown, client: number) => {
    let due = performance.now() + (gap * client) / IN_FLIGHT;
    while (Date.now() < until) {
      if (gap > 0) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        due += gap;
      }
      const i = next++ % ACCOUNTS;
      const started = performance.now();
      await guard.decide(request(cookies[i]), { id: `p${id}-${i}` });
      times.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = (await redisCpuMs(client)) - redisCpuBefore;
  stalls.disable();
  gcs.disconnect();
  times.sort((a, b) => a - b);
  process.send!({
    decisions: times.length,
    p50: times[Math.floor(times.length * 0.5)],
    p99: times[Math.floor(times.length * 0.99)],
    commands,
    longestGc,
    longestStall: stalls.max / 1e6,
    appCpuMs: (cpu.user + cpu.system) / 1000,
    redisCpuMs: redisCpu,
  });
  await guard.close();
  client.disconnect();
}

interface Report {
  decisions: number;
  p50: number;
  p99: number;
  commands: number;
  longestGc: number;
  longestStall: number;
  /** CPU the app process used in its timed window. */
  appCpuMs: number;
  /** CPU redis-server used in the same window (every process's commands). */
  redisCpuMs: number;
}

/** redis-server's own CPU time so far (`INFO cpu`), in ms. */
async function redisCpuMs(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const read = (field: string) => Number(new RegExp(`${field}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1000;
}

/** One table row: throughput, latency, commands, the tail's makings, and CPU per decision on each side. */
function row(label: string, reports: Report[], one: number): string {
  const decisions = reports.reduce((sum, r) => sum + r.decisions, 0);
  const rate = decisions / seconds;
  const worst = (key: 'p50' | 'p99' | 'longestGc' | 'longestStall') => Math.max(...reports.map((r) => r[key])).toFixed(2);
  const perDecision = (ms: number) => ((ms * 1000) / decisions).toFixed(0);
  const appCpu = reports.reduce((sum, r) => sum + r.appCpuMs, 0);
  const redisCpu = Math.max(...reports.map((r) => r.redisCpuMs));
  return `| ${label} | ${Math.round(rate)} | ${one ? (rate / one).toFixed(2) : ''} | ${worst('p50')} | ${worst('p99')} | ${(reports.reduce((s, r) => s + r.commands, 0) / decisions).toFixed(2)} | ${worst('longestGc')} | ${worst('longestStall')} | ${perDecision(appCpu)} | ${perDecision(redisCpu)} |`;
}

async function run(url: string, processes: number, perSecond = 0): Promise<Report[]> {
  const start = Date.now() + 3_000;
  const script = fileURLToPath(import.meta.url);
  return Promise.all(
    Array.from({ length: processes }, (_, id) => {
      const child = fork(script, ['worker', url, String(start), String(processes * 10 + id + (perSecond > 0 ? 100 : 0)), String(perSecond)]);
      return new Promise<Report>((resolve, reject) => {
        child.once('message', (m) => resolve(m as Report));
        child.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
      });
    }),
  );
}

if (process.argv[2] === 'worker') {
  await worker(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]));
} else {
  const server = await startRedisServer();
  try {
    console.log(`\nRedis on loopback; load average ${loadavg()[0]!.toFixed(2)}; ${seconds} s, ${IN_FLIGHT} decisions in flight per process, verdict cache off (every decision a miss)\n`);
    console.log('| app processes | decisions/s | vs one process | p50 ms | p99 ms | Redis commands per decision | longest GC ms | longest stall ms | app CPU µs per decision | Redis CPU µs per decision |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const single = await run(server.url, 1);
    const one = single.reduce((sum, r) => sum + r.decisions, 0) / seconds;
    console.log(row('1', single, one));
    console.log(row('2', await run(server.url, 2), one));
    // Below saturation: 50 clients, each deciding every 25 ms (2 000 decisions/s), one process.
    console.log(row('1, paced: 50 clients × 40/s', await run(server.url, 1, 2_000), 0));
  } finally {
    await server.stop();
  }
}
