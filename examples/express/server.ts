import { createExampleApp } from './app.js';
import { runDemo } from './demo.js';

const port = Number(process.env.PORT ?? 3000);
const store = process.env.REDIS_URL ? await redisStore(process.env.REDIS_URL) : undefined;
const { app, guard } = createExampleApp(store ? { store } : {});

const server = app.listen(port, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`Streamly (the sharelock example) listening on http://localhost:${actual} (store: ${store ? 'Redis' : 'memory'})`);
  if (process.env.SHARELOCK_DEMO !== 'off') {
    runDemo(`http://localhost:${actual}`).catch((error) => console.error('The demo failed:', error));
  }
});

async function redisStore(url: string) {
  const [{ Redis }, { RedisStore }] = await Promise.all([import('ioredis'), import('sharelock/redis')]);
  return new RedisStore({ client: new Redis(url) });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    void guard.close().then(() => process.exit(0));
  });
}
