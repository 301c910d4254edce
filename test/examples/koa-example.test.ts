import Koa from 'koa';
import Koa2 from 'koa2';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createExampleApp } from '../../examples/koa/app.js';
import { describeExampleApp, describeExampleSite, listening } from './example-contract.js';

describeExampleSite('Koa', fileURLToPath(new URL('../../examples/koa/server.js', import.meta.url)));
for (const [name, koa] of [['Koa 3', Koa], ['Koa 2', Koa2]] as const) {
  describeExampleApp(name, () => {
    const { app, guard } = createExampleApp({ koa });
    return listening(createServer(app.callback()), guard);
  });
}
