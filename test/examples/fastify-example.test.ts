import { fileURLToPath } from 'node:url';
import { createExampleApp } from '../../examples/fastify/app.js';
import { describeExampleApp, describeExampleSite, listening } from './example-contract.js';

describeExampleSite('Fastify', fileURLToPath(new URL('../../examples/fastify/server.js', import.meta.url)));
describeExampleApp('Fastify', async () => {
  const { app, guard } = await createExampleApp();
  await app.ready();
  const running = await listening(app.server, guard);
  return { ...running, close: async () => (await app.close(), await guard.close()) };
});
