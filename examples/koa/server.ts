import { createServer } from 'node:http';
import { serveExample } from '../shared/serve.js';
import { createExampleApp } from './app.js';

await serveExample('Koa', (store) => {
  const { app, guard } = createExampleApp(store ? { store } : {});
  return { server: createServer(app.callback()), guard };
});
