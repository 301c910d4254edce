import { serveExample } from '../shared/serve.js';
import { createExampleApp } from './app.js';

await serveExample('Fastify', async (store) => {
  const { app, guard } = await createExampleApp(store ? { store } : {});
  await app.ready();
  return { server: app.server, guard };
});
