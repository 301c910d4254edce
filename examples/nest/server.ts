import { serveExample } from '../shared/serve.js';
import { createExampleApp } from './app.js';

await serveExample('NestJS', async (store) => {
  const { app, guard } = await createExampleApp(store ? { store } : {});
  await app.init();
  return { server: app.getHttpServer(), guard, close: () => app.close() };
});
