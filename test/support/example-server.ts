import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExampleApp } from '../../examples/express/app.js';

export type ExampleGuard = ReturnType<typeof createExampleApp>['guard'];

/**
 * The Express "Streamly" example on a free port, without its webhook receiver. `base` uses
 * `localhost` (not 127.0.0.1) so the device cookie is the non-Secure one browsers keep on http.
 */
export async function listenExample(): Promise<{ server: Server; base: string; guard: ExampleGuard }> {
  const example = createExampleApp({ webhookUrl: false });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = example.app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  return { server, base: `http://localhost:${(server.address() as AddressInfo).port}`, guard: example.guard };
}
