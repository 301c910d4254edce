import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createExampleApp } from '../../examples/express/app.js';
import { describeExampleApp, describeExampleSite, listening } from './example-contract.js';

describeExampleSite('Express', fileURLToPath(new URL('../../examples/express/server.js', import.meta.url)));
describeExampleApp('Express', () => {
  const { app, guard } = createExampleApp();
  return listening(createServer(app), guard);
});
