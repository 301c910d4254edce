import type { Store } from 'sharelock';
import { createExampleApp } from './app.js';
import { runDemo } from '../shared/demo.js';

const port = Number(process.env.PORT ?? 3000);
// Several copies of this server can share one Redis (give them the same SHARELOCK_SECRET, so a
// device cookie minted by one verifies on all); without REDIS_URL each keeps its own memory store.
const redisUrl = process.env.REDIS_URL;
const store: Store | undefined = redisUrl ? await redisStore(redisUrl) : undefined;
const { app, guard } = await createExampleApp(store ? { store } : {});

await app.listen(port);
const address = app.getHttpServer().address();
const actual = typeof address === 'object' && address ? address.port : port;
console.log(`Streamly on NestJS (the sharelock example) listening on http://localhost:${actual} (store: ${redisUrl ? `Redis at ${safeHost(redisUrl)}` : 'memory'})`);
if (process.env.SHARELOCK_DEMO !== 'off') {
  runDemo(`http://localhost:${actual}`).catch((error) => console.error('The demo failed:', error));
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

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The guard was handed to SharelockModule, which leaves it open; the store passed in is ours too.
    void app
      .close()
      .then(() => guard.close())
      .then(() => store?.close?.())
      .finally(() => process.exit(0));
  });
}
