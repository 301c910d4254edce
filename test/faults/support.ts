import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/process.js';

const BINARY = '/usr/bin/redis-server';

export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
export const deviceIdsIn = (html: string): string[] => [...html.matchAll(/name="device" value="([^"]+)"/g)].map((m) => m[1]!);

/**
 * A real `redis-server` that keeps what it acknowledged: AOF with `appendfsync always`, the set-up
 * docs/redis.md recommends when losing devices matters. Unlike `test/support/redis-server.ts` it
 * exposes its PID, and `restart()` keeps the data directory, so a server killed by PID comes back
 * with its data. `DEBUG` is enabled for local connections (`DEBUG SLEEP` makes it slow).
 */
export interface PersistentRedis {
  url: string;
  port: number;
  /** The PID of the running redis-server. */
  pid(): number;
  /** SIGKILL by PID, then wait for the process to exit. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its connections open and answers nothing (a hung Redis). */
  freeze(): void;
  /** SIGCONT after `freeze()`: it answers everything that queued up. */
  thaw(): void;
  /** Block the whole server for `seconds` (`DEBUG SLEEP`); resolves when it answers again. */
  sleep(seconds: number): Promise<void>;
  /** Start it again on the same port and directory (after `kill()`), and wait for PONG. */
  restart(): Promise<void>;
  /** Kill it and delete its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startPersistentRedis(): Promise<PersistentRedis> {
  if (!existsSync(BINARY)) throw new Error(`redis-server is not installed (${BINARY}): sudo apt-get install -y redis-server`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sharelock-faults-redis-'));
  let child: ChildProcess | undefined;
  const killOnExit = (): void => void child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--enable-debug-command', 'local'];
    const proc = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`redis-server exited early (code ${code}): ${stderr}`))));
    exited.catch(() => undefined);
    await Promise.race([waitFor(async () => (await command(port, ['PING']).catch(() => '')).startsWith('+PONG'), 'PONG'), exited]);
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    process.kill(proc.pid!, 'SIGCONT'); // a frozen process must be able to die
    process.kill(proc.pid!, 'SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => child?.pid ?? 0,
    kill,
    freeze: () => void process.kill(child!.pid!, 'SIGSTOP'),
    thaw: () => void process.kill(child!.pid!, 'SIGCONT'),
    sleep: async (seconds) => {
      await command(port, ['DEBUG', 'SLEEP', String(seconds)], (seconds + 5) * 1000);
    },
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server did not answer ${what} within ${timeoutMs} ms`);
}

/** One command over a fresh socket; the raw reply (enough for PING, OK and errors). */
function command(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        socket.end();
        if (reply.startsWith('-')) reject(new Error(`redis: ${reply.trim()}`));
        else resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

/** Start the server on a free loopback port (if it is not listening yet) and return its base URL. */
export async function listen(server: Server): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface Answer {
  status: number;
  headers: Headers;
  location: string | null;
  text: string;
  ms: number;
}

export const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

/**
 * One browser (its own cookie jar) signed in to the scenario app as `account` (`x-account`), over
 * real HTTP with `fetch`; redirects are not followed, so each answer can be checked.
 */
export class Browser {
  readonly jar = new Map<string, string>();
  constructor(
    readonly base: string,
    readonly account: string,
    readonly headers: Record<string, string> = {},
  ) {}

  /** The `Cookie` header this browser sends. */
  get cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The same cookies in another browser (a copied cookie jar). */
  clone(headers: Record<string, string> = this.headers): Browser {
    const copy = new Browser(this.base, this.account, headers);
    for (const [name, value] of this.jar) copy.jar.set(name, value);
    return copy;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.#send('GET', path, undefined, headers);
  }

  post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return this.#send('POST', path, new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  async #send(method: string, path: string, body: string | undefined, extra: Record<string, string>): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: { 'user-agent': CHROME, 'x-account': this.account, ...this.headers, ...(this.jar.size ? { cookie: this.cookie } : {}), ...extra },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      this.jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return { status: response.status, headers: response.headers, location: response.headers.get('location'), text, ms: performance.now() - started };
  }
}

/**
 * Send exactly these bytes as the request line's target (no client normalises or refuses it) and
 * read the answer's status and headers. The connection is closed after one answer.
 */
export function rawTarget(base: string, target: Buffer | string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(String(target))}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        if (at > 0) parsed[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status, headers: parsed, body: rest.join('\r\n\r\n') });
    });
    const head = Object.entries({ host: 'localhost', connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(Buffer.concat([Buffer.from('GET '), Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'), Buffer.from(` HTTP/1.1\r\n${head}\r\n`)]));
  });
}

/** Whether a `Location` keeps the browser on this origin, as a browser would resolve it (WHATWG URL: tabs and newlines stripped, `\` read as `/`). */
export function staysOnSite(location: string): boolean {
  const base = 'https://app.example/sharelock/challenge/x/complete';
  let resolved: URL;
  try {
    resolved = new URL(location, base);
  } catch {
    return false;
  }
  return resolved.origin === 'https://app.example' && location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\') && !/[\u0000-\u0020\u007f-\u00ff]/.test(location);
}
