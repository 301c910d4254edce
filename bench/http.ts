import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { QUICK_SCENARIOS, SCENARIOS } from './servers.js';

/**
 * Requests per second and latency of each scenario, interleaved over several rounds (the machine is
 * shared and noisy), reported as the median and as a ratio to the same framework's bare app measured
 * in the same run. `BENCH_ONLY=koa,fastify` limits the run to some frameworks.
 * The servers run in child processes; autocannon loads them from this one.
 * `npm run bench` — options: BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 10).
 * BENCH_BEFORE=<another checkout's dist/bench/servers.js> also measures its sharelock scenarios, as
 * `<scenario> [before]`, in the same rounds: before/after figures of a change from one run.
 * `npm run bench:quick` (BENCH_QUICK=1): Express, Koa and Fastify only, 3 rounds of 1 s, in under a minute.
 */
const quick = process.env.BENCH_QUICK === '1';
const seconds = Number(process.env.BENCH_SECONDS ?? (quick ? 1 : 5));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const serverScript = fileURLToPath(new URL('./servers.js', import.meta.url));
const only = process.env.BENCH_ONLY?.split(',');
const before = process.env.BENCH_BEFORE;
const scenarios = (quick ? QUICK_SCENARIOS : SCENARIOS)
  .filter((scenario) => !only || only.includes(scenario.split(':')[0]!))
  .flatMap((scenario) => (before && scenario.includes('sharelock') ? [`${scenario} [before]`, scenario] : [scenario]));

async function start(scenario: string): Promise<{ child: ChildProcess; url: string }> {
  const [script, name] = scenario.endsWith(' [before]') ? [before!, scenario.slice(0, -' [before]'.length)] : [serverScript, scenario];
  const child = fork(script, [name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  await autocannon({ url: `${url}/watch/1`, connections, ...(quick ? { amount: 3000 } : { duration: 1 }), headers });
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
  const result = await autocannon({ url: `${url}/watch/1`, connections, duration: seconds, headers });
  const cpu = (await cpuOf(child)) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${scenario}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpuUs: cpu / result.requests.total };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const loadBefore = loadavg()[0]!;
const samples = new Map<string, Array<Awaited<ReturnType<typeof measure>>>>();
const servers = new Map<string, Server>();
// Started all at once (each loads every framework), then warmed one by one.
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
console.log(`\nNode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${rounds} rounds × ${seconds} s, ${connections} connections; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after\n`);
console.log('| scenario | req/s (median) | vs bare (req/s) | server CPU µs/req (median) | vs bare (CPU) | added CPU µs/req | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [scenario, list] of samples) {
  const rps = median(list.map((s) => s.rps));
  const cpu = median(list.map((s) => s.cpuUs));
  const bareCpu = median(samples.get(`${frameworkOf(scenario)}: bare`)!.map((s) => s.cpuUs));
  const cells = [Math.round(rps), (rps / bare(scenario)).toFixed(2), cpu.toFixed(1), (bareCpu / cpu).toFixed(2), (cpu - bareCpu).toFixed(1), median(list.map((s) => s.p50)), median(list.map((s) => s.p99))];
  console.log(`| ${scenario} | ${cells.join(' | ')} |`);
}
