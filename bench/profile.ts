import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A CPU profile of one HTTP scenario under load: `node dist/bench/profile.js 'koa: sharelock (cached)'`.
 * Starts the scenario's server with `--cpu-prof`, loads `GET /watch/1` with a known device's cookie
 * for BENCH_SECONDS (default 5), then prints the functions with the most self time and where the
 * `.cpuprofile` is (open it in Chrome DevTools). BENCH_PROFILE_DIR (default `.profiles`) keeps them.
 */
const scenario = process.argv[2] ?? 'koa: sharelock (cached)';
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const dir = process.env.BENCH_PROFILE_DIR ?? '.profiles';
const top = Number(process.env.BENCH_TOP ?? 30);
mkdirSync(dir, { recursive: true });
const known = new Set(readdirSync(dir));

const script = fileURLToPath(new URL('./servers.js', import.meta.url));
const child = fork(script, [scenario], { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
const url = `http://127.0.0.1:${port}/watch/1`;
const agent = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0';
const first = await fetch(url, { headers: { 'user-agent': agent } });
const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
const headers = { 'user-agent': agent, ...(cookie ? { cookie } : {}) };
const result = await autocannon({ url, connections: 10, duration: seconds, headers });
await new Promise((resolve) => {
  child.once('exit', resolve);
  child.send('exit');
});

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile') && !known.has(name))!;
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[] };
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const { functionName, url: where, lineNumber } = byId.get(id)!.callFrame;
  const name = `${functionName || '(anonymous)'} ${where.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + 1);
}
const total = profile.samples.length;
console.log(`${scenario}: ${Math.round(result.requests.total / result.duration)} req/s; ${total} samples; ${join(dir, file)}\n`);
console.log('| self % | function |\n| ---: | --- |');
for (const [name, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${((100 * count) / total).toFixed(1)} | ${name} |`);
