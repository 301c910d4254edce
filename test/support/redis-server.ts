import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = '/usr/bin/redis-server';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stop the server and wait for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Start it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Start a one-node Redis Cluster owning all 16 384 slots. Redis still refuses a script whose
   * keys hash to different slots, so the Cluster code path is exercised for real. Default `false`.
   */
  cluster?: boolean;
}

/**
 * Start a throwaway `redis-server` on a free port, with no persistence, and wait until it answers
 * PING. The process is killed when the test process exits, even if `stop()` is never called.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  ensureInstalled();
  let port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sharelock-redis-'));
  let child: ChildProcess | undefined;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };

  const start = async (): Promise<void> => {
    mkdirSync(dir, { recursive: true });
    process.removeListener('exit', killOnExit);
    process.once('exit', killOnExit);
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    // A lone node does not know its own address and would advertise an empty host to clients.
    if (options.cluster) args.push('--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1', '--cluster-config-file', join(dir, `nodes-${port}.conf`));
    const proc = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`redis-server exited early (code ${code}): ${stderr}`))),
    );
    await Promise.race([waitForPong(port), exited]);
    // Another process (a parallel test run) may have taken the port between freePort() and the
    // spawn: then the PONG came from its server, not ours. Answer only for our own process.
    if (!(await rawCommand(port, ['INFO', 'server'])).includes(`process_id:${proc.pid}`)) {
      proc.kill('SIGKILL');
      throw new PortTaken(port);
    }
    if (options.cluster) {
      // A fresh node owns no slots; give it all of them and wait for the cluster to say ok.
      await rawCommand(port, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
      await poll(async () => (await rawCommand(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'), 'cluster_state:ok');
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    }
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };

  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      // An early exit is most often the same race lost the other way ("Address already in use").
      if (!(error instanceof PortTaken || String(error).includes('exited early')) || attempt === 5) throw error;
      port = await freePort();
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

class PortTaken extends Error {
  constructor(port: number) {
    super(`port ${port} was taken by another redis-server`);
  }
}

function ensureInstalled(): void {
  if (existsSync(BINARY)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`redis-server is not installed (${BINARY}); the Redis store tests need it. Install it with:\n  sudo apt-get install -y redis-server`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A fresh machine may have no package lists yet; `install` alone would then find nothing.
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'inherit', env });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPong(port: number): Promise<void> {
  await poll(async () => (await rawCommand(port, ['PING']).catch(() => '')).startsWith('+PONG'), 'PONG');
}

async function poll(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server did not answer ${what} within ${timeoutMs} ms`);
}

/** Send one command over a fresh socket and return the raw reply (enough for PING and CLUSTER). */
function rawCommand(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (isComplete(reply)) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

function isComplete(reply: string): boolean {
  if (reply.startsWith('$')) {
    const header = reply.indexOf('\r\n');
    const length = Number(reply.slice(1, header));
    return header >= 0 && Buffer.byteLength(reply) >= header + 2 + length + 2;
  }
  return reply.endsWith('\r\n');
}
