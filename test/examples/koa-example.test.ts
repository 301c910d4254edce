import { expect } from 'chai';
import Koa from 'koa';
import Koa2 from 'koa2';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createExampleApp } from '../../examples/koa/app.js';
import { Device } from '../../examples/shared/cookie-jar.js';
import { describeExampleSite } from './example-contract.js';

describeExampleSite('Koa', fileURLToPath(new URL('../../examples/koa/server.js', import.meta.url)));


for (const [name, koa] of [['Koa 3', Koa], ['Koa 2', Koa2]] as const) {
  describe(`the Koa example's app on ${name}`, () => {
    let base: string;
    let close: () => Promise<void>;
    let example: ReturnType<typeof createExampleApp>;

    before(async () => {
      example = createExampleApp({ koa });
      const server = example.app.listen(0);
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://localhost:${(server.address() as AddressInfo).port}`;
      close = async () => {
        await new Promise((resolve) => server.close(resolve));
        await example.guard.close();
      };
    });
    after(() => close?.());

    const signedIn = async (user: string, headers: Record<string, string> = {}) => {
      const device = new Device(base, headers);
      expect((await device.login(user)).status).to.equal(303);
      return device;
    };

    it('ends the koa-session session of a device its owner logged out', async () => {
      const device = await signedIn('koa-kicked');
      expect((await device.request('/watch/1')).status).to.equal(200);
      const [attached] = await example.guard.devices('koa-kicked');
      await example.guard.kick('koa-kicked', attached!.id);
      const out = await device.request('/watch/1');
      expect([out.status, out.headers.get('location')]).to.deep.equal([303, '/logout']);
      expect(await (await device.request('/')).text(), 'signed out').to.include('action="/login"').and.not.include('Signed in as');
    });

    it('lets the family plan use four screens on the 2-device route', async () => {
      const statuses: number[] = [];
      for (let n = 0; n < 5; n++) statuses.push((await (await signedIn('family-koa')).request('/watch/1')).status);
      expect(statuses).to.deep.equal([200, 200, 200, 200, 303]);
    });

    it('refuses bad login names and forms over 8 KB', async () => {
      const device = new Device(base);
      expect((await device.login('<script>')).status).to.equal(400);
      expect((await device.login('a'.repeat(9000))).status).to.equal(413);
    });
  });
}
