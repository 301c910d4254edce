import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import type { Sharelock } from '../../src/index.js';
import { createExampleApp } from '../../examples/express/app.js';
import { Device } from '../../examples/shared/cookie-jar.js';
import { DEV_WEBHOOK_SECRET } from '../../examples/shared/webhooks.js';
import { freePort } from '../support/process.js';

interface Listed {
  received: Array<{ message: { id: string; type: string; data: Record<string, unknown> }; copies: number }>;
  deadLetters: unknown[];
}

describe("the Express example's development webhook receiver", function () {
  this.timeout(20_000);
  let server: Server;
  let guard: Sharelock<any, any>;
  let base: string;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const example = createExampleApp({ webhookUrl: `${base}/dev/webhooks/receive` });
    guard = example.guard;
    server = createServer(example.app);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  after(async () => {
    await guard?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const listed = async (device: Device): Promise<Listed> => (await (await device.request('/dev/webhooks', { headers: { accept: 'application/json' } })).json()) as Listed;

  it('shows at /dev/webhooks the events it received and verified, the device attached first', async () => {
    const device = new Device(base);
    await device.login('webhooky');
    expect((await device.request('/watch/1')).status).to.equal(200);
    await guard.webhooks.flush();
    const { received, deadLetters } = await listed(device);
    expect(deadLetters).to.deep.equal([]);
    const attached = received.find((r) => r.message.type === 'device.attached');
    expect(attached?.message.data).to.include({ accountId: 'webhooky' });
    expect(attached?.message.data.metadata).to.have.property('sessionId');
    const page = await (await device.request('/dev/webhooks')).text();
    expect(page).to.include('device.attached').and.include('✔ verified').and.include(attached!.message.id);
    expect(guard.config.webhooks!.endpoints[0]!.url).to.equal(`${base}/dev/webhooks/receive`);
    expect(DEV_WEBHOOK_SECRET).to.match(/^whsec_/);
  });

  it('refuses a delivery whose signature does not verify', async () => {
    const forged = await fetch(`${base}/dev/webhooks/receive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'evt_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      body: JSON.stringify({ id: 'evt_forged', type: 'device.detached', timestamp: new Date().toISOString(), data: {} }),
    });
    expect(forged.status).to.equal(400);
    expect((await listed(new Device(base))).received.map((r) => r.message.id)).to.not.include('evt_forged');
  });

  it('follows a device over the limit: attached, challenged, flagged, each event once', async () => {
    const devices = [new Device(base), new Device(base), new Device(base)];
    for (const device of devices) await device.login('hooked');
    await devices[0]!.request('/watch/1');
    await devices[1]!.request('/watch/1');
    const third = await devices[2]!.request('/watch/1');
    expect(third.status).to.equal(303);
    await guard.webhooks.flush();
    const mine = (await listed(devices[0]!)).received.filter((r) => r.message.data.accountId === 'hooked');
    expect(mine.map((r) => r.message.type).sort()).to.deep.equal(['account.flagged', 'challenge.created', 'device.attached', 'device.attached']);
    expect(mine.every((r) => r.copies === 1)).to.equal(true);
  });
});
