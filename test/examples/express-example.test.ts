import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createExampleApp } from '../../examples/express/app.js';
import { describeExampleApp, describeExampleSite, listening } from './example-contract.js';

describeExampleSite('Express', fileURLToPath(new URL('../../examples/express/server.js', import.meta.url)));
describeExampleApp('Express', () => {
  // Its development webhooks would go to port 3000; this copy listens elsewhere.
  const { app, guard } = createExampleApp({ webhookUrl: false });
  return listening(createServer(app), guard);
});
