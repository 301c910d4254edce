import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createExampleApp } from '../../examples/nest/app.js';
import { Device } from '../../examples/shared/cookie-jar.js';
import { describeExampleSite } from './example-contract.js';

describeExampleSite('NestJS', fileURLToPath(new URL('../../examples/nest/server.js', import.meta.url)));

describe("the NestJS example's app", () => {
  let base: string;
  let example: Awaited<ReturnType<typeof createExampleApp>>;

  before(async () => {
    example = await createExampleApp();
    await example.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(example.app.getHttpServer().address() as AddressInfo).port}`;
  });
  after(async () => {
    await example?.app.close();
    await example?.guard.close();
  });

  const signedIn = async (user: string) => {
    const device = new Device(base);
    expect((await device.login(user)).status).to.equal(303);
    return device;
  };

  it('ends the express-session session of a device its owner logged out', async () => {
    const device = await signedIn('nest-kicked');
    expect((await device.request('/watch/1')).status).to.equal(200);
    const [attached] = await example.guard.devices('nest-kicked');
    expect(attached!.metadata).to.have.property('sessionId').that.is.a('string');
    await example.guard.kick('nest-kicked', attached!.id);
    const out = await device.request('/watch/1');
    expect([out.status, out.headers.get('location')]).to.deep.equal([303, '/logout']);
    expect(await (await device.request('/')).text(), 'signed out').to.include('action="/login"').and.not.include('Signed in as');
  });

  it('ends the session of a device that chose "Log out this device" on the challenge', async () => {
    for (let n = 0; n < 2; n++) await (await signedIn('nest-leaver')).request('/watch/1');
    const third = await signedIn('nest-leaver');
    const url = (await third.request('/watch/1')).headers.get('location')!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await third.request(url)).text())![1]!;
    const out = await third.request(`${url}/logout`, { form: { _csrf: csrf } });
    expect([out.status, out.headers.get('location')]).to.deep.equal([303, '/logout']);
    expect(await (await third.request('/')).text(), 'signed out').to.include('action="/login"');
  });

  it('lets the family plan use four screens on the 2-device route', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 5; n++) statuses.push((await (await signedIn('family-nest')).request('/watch/1')).status);
    expect(statuses).to.deep.equal([200, 200, 200, 200, 303]);
  });

  it('refuses bad login names and forms over 8 KB', async () => {
    const device = new Device(base);
    expect((await device.login('<script>')).status).to.equal(400);
    expect((await device.login('a'.repeat(9000))).status).to.equal(413);
  });

  it('moves the development clock and lists the decisions', async () => {
    const device = await signedIn('nest-clock');
    await device.request('/watch/1');
    const decisions = (await (await device.request('/dev/decisions?account=nest-clock')).json()) as { decisions: Array<{ verdict: string }> };
    expect(decisions.decisions.map((d) => d.verdict)).to.deep.equal(['allow']);
    const moved = await device.request('/dev/clock', { form: { advance: '1d' } });
    expect(((await moved.json()) as { offsetMs: number }).offsetMs).to.equal(86_400_000);
    expect((await device.request('/dev/clock', { form: { advance: 'soon' } })).status).to.equal(400);
  });
});
