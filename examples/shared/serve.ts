import type { Server } from 'node:http';
import type { Sharelock, Store } from 'sharelock';
import { runDemo } from './demo.js';

/** The example as each framework builds it: its HTTP server (not listening yet) and its guard. */
export interface ExampleServer {
  server: Server;
  guard: Sharelock<any, any>;
  /** Stops the app when it has more to stop than its server (Nest's lifecycle). Default: `server.close()`. */
  close?: () => Promise<void>;
}

/**
 * Run a framework's example as `npm run start:<framework>` does: the store (memory, or Redis when
 * `REDIS_URL` is set), the server on `PORT` (default 3000), the start-up demo unless
 * `SHARELOCK_DEMO=off`, and a clean shutdown on SIGINT and SIGTERM.
 */
export async function serveExample(framework: string, create: (store: Store | undefined) => Promise<ExampleServer> | ExampleServer): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  // Several copies of one server can share one Redis (give them the same SHARELOCK_SECRET, so a
  // device cookie minted by one verifies on all); without REDIS_URL each keeps its own memory store.
  const redisUrl = process.env.REDIS_URL;
  const store = redisUrl ? await redisStore(redisUrl) : undefined;
  const { server, guard, close = async () => void server.close() } = await create(store);

  server.listen(port, () => {
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    console.log(`Streamly on ${framework} (the sharelock example) listening on http://localhost:${actual} (store: ${redisUrl ? `Redis at ${safeHost(redisUrl)}` : 'memory'})`);
    if (process.env.SHARELOCK_DEMO !== 'off') {
      runDemo(`http://localhost:${actual}`).catch((error) => console.error('The demo failed:', error));
    }
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // sharelock closes only what it created: the store passed in is ours to close (fromUrl quits its connection).
      void close()
        .then(() => guard.close())
        .then(() => store?.close?.())
        .finally(() => process.exit(0));
    });
  }
}

/** Loaded only when used: ioredis is an optional peer dependency. */
async function redisStore(url: string): Promise<Store> {
  const { RedisStore } = await import('sharelock/redis');
  return RedisStore.fromUrl(url);
}

/** The Redis host and port, never the password a URL may carry. */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'REDIS_URL';
  }
}
