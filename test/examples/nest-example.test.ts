import { fileURLToPath } from 'node:url';
import { createExampleApp } from '../../examples/nest/app.js';
import { describeExampleApp, describeExampleSite, listening } from './example-contract.js';

describeExampleSite('NestJS', fileURLToPath(new URL('../../examples/nest/server.js', import.meta.url)));
describeExampleApp('NestJS', async () => {
  const { app, guard } = await createExampleApp();
  await app.init();
  const running = await listening(app.getHttpServer(), guard);
  return { ...running, close: async () => (await app.close(), await guard.close()) };
});
