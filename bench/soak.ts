import express from 'express';
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MemoryStore, type Options, type Stats, type Store } from '../src/index.js';
import { RedisStore } from '../src/stores/redis.js';
import { expressScenarioApp } from '../test/support/adapters/express.js';

/**
 * `npm run soak`: minutes of HTTP traffic through the Express scenario app (test/support/adapters)
 * with sharelock on a MemoryStore capped at SOAK_MAX_ACCOUNTS accounts and twice as many challenges
 * (or a RedisStore when REDIS_URL is set), from many devices of many accounts: known devices, new
 * browsers, fourth devices sent to the challenge page. Every SOAK_REPORT_SECONDS it prints the server's heap after GC, its RSS, the
 * request rate and the errors; at the end, a summary. Exits 1 on any network error or 5xx.
 *
 * Options (environment): SOAK_SECONDS (default 300), SOAK_CONNECTIONS (32), SOAK_MAX_ACCOUNTS
 * (2000), SOAK_REPORT_SECONDS (10), REDIS_URL. The server runs in a child process started with
 * --expose-gc, so its heap is measured apart from the load generator's.
 */
const seconds = Number(process.env.SOAK_SECONDS ?? 300);
const connections = Number(process.env.SOAK_CONNECTIONS ?? 32);
const maxAccounts = Number(process.env.SOAK_MAX_ACCOUNTS ?? 2_000);
const reportEvery = Number(process.env.SOAK_REPORT_SECONDS ?? 10) * 1000;

interface ServerSample {
  heapAfterGc: number;
  rss: number;
  stats: Stats;
}

type Message = { port: number } | { sample: ServerSample };

// ---- The server (child process) ----

async function serve(): Promise<void> {
  const store: Store = process.env.REDIS_URL ? RedisStore.fromUrl(process.env.REDIS_URL, { prefix: `soak${process.pid}:` }) : new MemoryStore({ maxAccounts, maxChallenges: 2 * maxAccounts });
  const options: Partial<Options> = {
    store,
    now: Date.now,
    limits: { devices: 3 },
    logger: { warn: (m: string) => console.error(`[server] ${m}`), error: (m: string) => console.error(`[server] ${m}`) },
  };
  const app = await expressScenarioApp(express, options);
  app.server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const gc = (globalThis as { gc?: () => void }).gc!;
  process.on('message', (message: unknown) => {
    if (message === 'sample') {
      gc();
      const sample: ServerSample = { heapAfterGc: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, stats: app.guard.stats() };
      process.send!({ sample } satisfies Message);
    }
    if (message === 'stop') void app.close().then(() => store.close?.()).then(() => process.exit(0));
  });
  process.send!({ port: (app.server.address() as AddressInfo).port } satisfies Message);
}

// ---- The load (this process) ----

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0',
];
const SLOTS = 4; // the plan allows 3 devices: each account's 4th device is challenged
const MAX_COOKIES = 200_000;

interface Counts {
  requests: number;
  byStatus: Map<number, number>;
  errors: number;
  challengePages: number;
}

function get(agent: Agent, port: number, path: string, headers: Record<string, string>): Promise<{ status: number; cookie?: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const cookie = res.headers['set-cookie']?.find((c) => c.startsWith('sl_device='))?.split(';')[0];
        resolve({ status: res.statusCode ?? 0, ...(cookie ? { cookie } : {}), ...(res.headers.location ? { location: res.headers.location } : {}) });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function load(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const server: ChildProcess = fork(script, ['server'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: Array<(m: Message) => void> = [];
  server.on('message', (m) => messages.shift()?.(m as Message));
  const next = () => new Promise<Message>((resolve) => messages.push(resolve));
  const { port } = (await next()) as { port: number };
  const sample = async () => {
    const waiting = next();
    server.send('sample');
    return ((await waiting) as { sample: ServerSample }).sample;
  };

  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const cookies = new Map<string, string>(); // `account/slot` → device cookie, oldest first (bounded)
  const counts: Counts = { requests: 0, byStatus: new Map(), errors: 0, challengePages: 0 };
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const hot = Math.floor(maxAccounts * 0.8);
  let hotBase = 0;
  let firstError: unknown;

  const one = async () => {
    // 70%: a drifting hot set of accounts (they grow, then leave); 30%: one-off accounts. 5%: a new browser.
    if (counts.requests % 50 === 0) hotBase++;
    const account = Math.random() < 0.7 ? hotBase + Math.floor(Math.random() * hot) : 10_000_000 + Math.floor(Math.random() * 10_000_000);
    const slot = Math.floor(Math.random() * SLOTS);
    const key = `${account}/${slot}`;
    const fresh = Math.random() < 0.05;
    const cookie = fresh ? undefined : cookies.get(key);
    const headers: Record<string, string> = { 'x-account': `acct-${account}`, 'user-agent': AGENTS[slot]!, ...(cookie ? { cookie } : {}) };
    const answer = await get(agent, port, `/watch/${account % 97}`, headers);
    counts.requests++;
    counts.byStatus.set(answer.status, (counts.byStatus.get(answer.status) ?? 0) + 1);
    if (answer.status >= 500) counts.errors++;
    if (answer.cookie && !fresh) {
      cookies.delete(key);
      cookies.set(key, answer.cookie);
      if (cookies.size > MAX_COOKIES) cookies.delete(cookies.keys().next().value!);
    }
    // Now and then a challenged device opens its challenge page.
    if (answer.status === 303 && answer.location?.startsWith('/sharelock/challenge/') && Math.random() < 0.1) {
      const page = await get(agent, port, answer.location, { ...headers, ...(answer.cookie ? { cookie: answer.cookie } : {}) });
      counts.challengePages++;
      counts.byStatus.set(page.status, (counts.byStatus.get(page.status) ?? 0) + 1);
      if (page.status >= 500) counts.errors++;
    }
  };

  const workers = Array.from({ length: connections }, async () => {
    while (Date.now() < deadline) {
      await one().catch((error: unknown) => {
        counts.errors++;
        firstError ??= error;
      });
    }
  });

  const rows: Array<{ at: number; requests: number; heap: number; rss: number }> = [];
  const header = '|   time | req/s (interval) | requests | errors | statuses | challenge pages | heap after GC | RSS | cache hits | store failures |';
  console.log(`sharelock soak: ${seconds} s, ${connections} connections, ${process.env.REDIS_URL ? 'RedisStore' : `MemoryStore (maxAccounts ${maxAccounts}, maxChallenges ${2 * maxAccounts})`}, Node ${process.version}\n`);
  console.log(header);
  console.log(header.replace(/[^|]/g, '-'));
  let last = { at: started, requests: 0 };
  const report = async () => {
    const now = Date.now();
    const s = await sample();
    const rate = ((counts.requests - last.requests) / ((now - last.at) / 1000)).toFixed(0);
    last = { at: now, requests: counts.requests };
    rows.push({ at: now - started, requests: counts.requests, heap: s.heapAfterGc, rss: s.rss });
    const statuses = [...counts.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}:${n}`).join(' ');
    console.log(`| ${String(Math.round((now - started) / 1000)).padStart(5)}s | ${rate.padStart(16)} | ${String(counts.requests).padStart(8)} | ${String(counts.errors).padStart(6)} | ${statuses} | ${counts.challengePages} | ${(s.heapAfterGc / 2 ** 20).toFixed(1)} MB | ${(s.rss / 2 ** 20).toFixed(1)} MB | ${s.stats.cacheHits} | ${s.stats.storeFailures} |`);
  };
  const timer = setInterval(() => void report(), reportEvery);
  await Promise.all(workers);
  clearInterval(timer);
  await report();

  const done = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.send('stop');
  await done;
  agent.destroy();

  const elapsed = (Date.now() - started) / 1000;
  const heaps = rows.map((r) => r.heap);
  const secondHalf = heaps.slice(Math.floor(heaps.length / 2));
  console.log(`\n${counts.requests} requests in ${elapsed.toFixed(0)} s (${(counts.requests / elapsed).toFixed(0)}/s), ${counts.errors} errors.`);
  console.log(`Server heap after GC: first ${(heaps[0]! / 2 ** 20).toFixed(1)} MB, highest ${(Math.max(...heaps) / 2 ** 20).toFixed(1)} MB, last ${(heaps.at(-1)! / 2 ** 20).toFixed(1)} MB (second half: ${(Math.min(...secondHalf) / 2 ** 20).toFixed(1)}–${(Math.max(...secondHalf) / 2 ** 20).toFixed(1)} MB); highest RSS ${(Math.max(...rows.map((r) => r.rss)) / 2 ** 20).toFixed(1)} MB.`);
  if (counts.errors > 0) {
    console.error('Errors during the soak; the first:', firstError ?? '(a 5xx answer)');
    process.exitCode = 1;
  }
}

if (process.argv[2] === 'server') await serve();
else await load();
