import autocannon from 'autocannon';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { QUICK_SCENARIOS, SCENARIOS } from './scenarios.js';

/**
 * Requests per second and latency of each scenario, interleaved over several rounds (the machine is
 * shared and noisy), reported as the median and as a ratio to the same framework's bare app measured
 * in the same run. `BENCH_ONLY=koa,fastify` limits the run to some frameworks.
 * The servers run in child processes; autocannon loads them from this one.
 * `npm run bench` — options: BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 10).
 * BENCH_BEFORE=<another checkout's dist/bench/servers.js> also measures its sharelock scenarios, as
 * `<scenario> [before]`, in the same rounds: before/after figures of a change from one run.
 * `npm run bench:quick` (BENCH_QUICK=1): Express, Koa and Fastify only, 3 rounds of 0.6 s, in under a minute.
 * BENCH_PIN=1 pins the load (this process) to CPU 0 and the servers to the other CPUs with `taskset`,
 * so the two never take turns on one core; the placement is printed with the table.
 */
const quick = process.env.BENCH_QUICK === '1';
const seconds = Number(process.env.BENCH_SECONDS ?? (quick ? 0.6 : 5));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const serverScript = fileURLToPath(new URL('./servers.js', import.meta.url));
const only = process.env.BENCH_ONLY?.split(',');
const before = process.env.BENCH_BEFORE;
// autocannon notices the end of a run (duration or amount) on its sampling tick, 1 s by default:
// a 0.6 s run would last 1 s. Every 100 ms instead.
const sampleInt = 100;
const scenarios = (quick ? QUICK_SCENARIOS : SCENARIOS)
  .filter((scenario) => !only || only.includes(scenario.split(':')[0]!))
  .flatMap((scenario) => (before && scenario.includes('sharelock') ? [`${scenario} [before]`, scenario] : [scenario]));

/** Where the load and the servers run: `taskset` CPU lists, or `undefined` when not pinned. */
const placement = pinning();

function pinning(): { load: string; servers: string } | undefined {
  if (process.env.BENCH_PIN !== '1') return undefined;
  const count = cpus().length;
  if (count < 2) throw new Error('BENCH_PIN=1 needs at least 2 CPUs: one for the load, the others for the servers.');
  const pins = { load: '0', servers: count === 2 ? '1' : `1-${count - 1}` };
  pin(process.pid, pins.load);
  return pins;
}

/** Every thread of a process (V8's and libuv's too) onto these CPUs. */
function pin(pid: number, list: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
}

async function start(scenario: string): Promise<{ child: ChildProcess; url: string }> {
  const [script, name] = scenario.endsWith(' [before]') ? [before!, scenario.slice(0, -' [before]'.length)] : [serverScript, scenario];
  const child = fork(script, [name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (placement) pin(child.pid!, placement.servers);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${scenario} exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** One warm-up request, so the sharelock scenarios measure a known device (its cookie is reused). */
async function deviceCookie(url: string): Promise<string | undefined> {
  const response = await fetch(`${url}/watch/1`, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0' } });
  return response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') || undefined;
}

interface Server {
  child: ChildProcess;
  url: string;
  headers: Record<string, string>;
}

/** Take a started server's device cookie and warm its JIT. It serves every round. */
async function prepare({ child, url }: { child: ChildProcess; url: string }): Promise<Server> {
  const cookie = await deviceCookie(url);
  const headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0', ...(cookie ? { cookie } : {}) };
  await autocannon({ url: `${url}/watch/1`, connections, sampleInt, ...(quick ? { amount: 2000 } : { duration: 1 }), headers });
  return { child, url, headers };
}

/** The server's CPU time so far, in µs (user + system). */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { cpu: number }).cpu));
    child.send('cpu');
  });
}

/**
 * Requests per second, and the server's CPU time per request: on a shared machine the first
 * falls with the load of other work, the second much less, so both are reported.
 */
async function measure(scenario: string, { child, url, headers }: Server) {
  const cpuBefore = await cpuOf(child);
  const result = await autocannon({ url: `${url}/watch/1`, connections, sampleInt, duration: seconds, headers });
  const cpu = (await cpuOf(child)) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${scenario}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  // From the total: autocannon's per-second average has no sample in a run under a second.
  return { rps: result.requests.total / result.duration, p50: result.latency.p50, p99: result.latency.p99, cpuUs: cpu / result.requests.total };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const startedAt = new Date();
const loadBefore = loadavg();
const samples = new Map<string, Array<Awaited<ReturnType<typeof measure>>>>();
const servers = new Map<string, Server>();
// Started all at once (each loads only its own framework), then warmed one by one.
const started = await Promise.all(scenarios.map(start));
for (const [i, scenario] of scenarios.entries()) servers.set(scenario, await prepare(started[i]!));
for (let round = 1; round <= rounds; round++) {
  for (const scenario of scenarios) {
    const sample = await measure(scenario, servers.get(scenario)!);
    samples.set(scenario, [...(samples.get(scenario) ?? []), sample]);
    console.error(`round ${round}/${rounds} ${scenario}: ${Math.round(sample.rps)} req/s, ${sample.cpuUs.toFixed(1)} µs CPU/req`);
  }
}

for (const { child } of servers.values()) child.kill();

const frameworkOf = (scenario: string) => scenario.split(':')[0]!;
const bare = (scenario: string) => median(samples.get(`${frameworkOf(scenario)}: bare`)!.map((s) => s.rps));
const loads = (load: number[]) => load.map((l) => l.toFixed(2)).join(' ');
const where = placement ? `pinned: load on CPU ${placement.load}, servers on CPU ${placement.servers} (taskset)` : 'not pinned (BENCH_PIN=1 pins)';
console.log(`\n${startedAt.toISOString().slice(0, 16)}–${new Date().toISOString().slice(11, 16)} UTC; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`);
console.log(`${rounds} rounds × ${seconds} s, ${connections} connections; ${where}; load average (1, 5, 15 min) ${loads(loadBefore)} before, ${loads(loadavg())} after\n`);
console.log('| scenario | req/s (median) | vs bare (req/s) | server CPU µs/req (median) | vs bare (CPU) | added CPU µs/req | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [scenario, list] of samples) {
  const rps = median(list.map((s) => s.rps));
  const cpu = median(list.map((s) => s.cpuUs));
  const bareCpu = median(samples.get(`${frameworkOf(scenario)}: bare`)!.map((s) => s.cpuUs));
  const cells = [Math.round(rps), (rps / bare(scenario)).toFixed(2), cpu.toFixed(1), (bareCpu / cpu).toFixed(2), (cpu - bareCpu).toFixed(1), median(list.map((s) => s.p50)), median(list.map((s) => s.p99))];
  console.log(`| ${scenario} | ${cells.join(' | ')} |`);
}
