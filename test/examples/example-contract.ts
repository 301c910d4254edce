import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sharelock } from '../../src/index.js';
import { Device } from '../../examples/shared/cookie-jar.js';
import { freePort, startNode } from '../support/process.js';

/**
 * What every framework's "Streamly" example does, the same on each: started as `node {script}`
 * (e.g. `dist/examples/koa/server.js`) in development, it plays the start-up demo, limits alice to
 * two devices and leaves bob alone, trusts location headers from loopback, and serves the outbox,
 * `/signup` and `/logout`.
 */
export function describeExampleSite(name: string, script: string): void {
  describe(`the ${name} example`, () => {
    let app: Awaited<ReturnType<typeof startNode>>;
    let base: string;

    before(async () => {
      const port = await freePort();
      base = `http://localhost:${port}`;
      app = await startNode(script, { PORT: String(port), NODE_ENV: 'development' }, /listening on/);
    });
    after(() => app?.stop());

    it('shows sharelock at work on start-up', async () => {
      await app.waitFor(/free-fred device 3: \d+/);
      expect(app.output()).to.match(/dana\s+device 1: 200\n\s+dana\s+device 2: 200\n\s+dana\s+device 3: 303 → \/sharelock\/challenge\//);
      expect(app.output()).to.match(/free-fred device 3: 200/);
    });

    it('shows the sharing dashboard at /admin/sharing to admin, with the start-up demo in it; alice, carol, bob and visitors get a 403', async () => {
      await app.waitFor(/free-fred device 3: \d+/);
      expect((await new Device(base).request('/admin/sharing')).status, 'a visitor').to.equal(403);
      for (const user of ['alice', 'carol', 'bob']) {
        const device = new Device(base);
        await device.login(user);
        expect((await device.request('/admin/sharing')).status, user).to.equal(403);
      }
      const admin = new Device(base);
      await admin.login('admin');
      const overview = await admin.request('/admin/sharing');
      expect(overview.status).to.equal(200);
      const page = await overview.text();
      expect(page).to.include('Accounts most likely shared');
      expect(page).to.match(/>dana<\/a>/);
    });

    it('gives alice 200, 200, then a challenge on a third device; bob 200 everywhere', async () => {
      const statuses = [];
      for (let n = 0; n < 3; n++) {
        const device = new Device(base);
        expect((await device.login('alice')).status).to.equal(303);
        const response = await device.request('/watch/1');
        statuses.push(`${response.status}${response.headers.get('location')?.includes('/challenge/') ? '→challenge' : ''}`);
      }
      expect(statuses).to.deep.equal(['200', '200', '303→challenge']);

      for (let n = 0; n < 3; n++) {
        const device = new Device(base);
        await device.login('bob');
        expect((await device.request('/watch/1')).status).to.equal(200);
      }
    });

    it("challenges carol's desktop in New York a minute after Paris on the second day (one hop is no evidence), not alice's two desktops behind one Paris IP", async () => {
      const paris = { 'x-forwarded-for': '81.2.69.160', 'cf-iplatitude': '48.8566', 'cf-iplongitude': '2.3522', 'cf-ipcountry': 'FR' };
      const newYork = { 'x-forwarded-for': '96.224.10.20', 'cf-iplatitude': '40.7128', 'cf-iplongitude': '-74.0060', 'cf-ipcountry': 'US' };
      const one = new Device(base, paris);
      await one.login('carol-signals');
      const two = new Device(base, newYork);
      await two.login('carol-signals');
      expect((await one.request('/watch/1')).status).to.equal(200);
      expect((await two.request('/watch/1')).status, 'one hop alone could be a misplaced network').to.equal(200);
      // The next day, the same again: both places are in use day after day.
      const advanced = await fetch(new URL('/dev/clock', base), { method: 'POST', body: new URLSearchParams({ advance: '1d' }) });
      expect(advanced.ok).to.equal(true);
      expect((await one.request('/watch/1')).status).to.equal(200);
      const challenged = await two.request('/watch/1', { headers: { accept: 'application/json' } });
      expect(challenged.status).to.equal(403);
      const body = (await challenged.json()) as { reasons: Array<{ check: string }> };
      expect(body.reasons.map((r) => r.check)).to.include('impossible_travel');

      for (let n = 0; n < 2; n++) {
        const desktop = new Device(base, paris);
        await desktop.login('alice-signals');
        expect((await desktop.request('/watch/1')).status).to.equal(200);
      }
    });

    it('lists sent codes at /dev/outbox and serves /logout and /signup', async () => {
      const owner = new Device(base);
      await owner.login('carol');
      await owner.request('/watch/1');
      const second = new Device(base);
      await second.login('carol');
      await second.request('/watch/1');
      const third = new Device(base);
      await third.login('carol');
      const url = (await third.request('/watch/1')).headers.get('location')!;
      const intro = await (await third.request(url)).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(intro)![1]!;
      await third.request(`${url}/owner`, { form: { _csrf: csrf } });
      const outbox = await (await third.request('/dev/outbox')).text();
      expect(outbox).to.match(/<code>\d{6}<\/code> to carol@example.com \(email\)/);
      expect(outbox).to.match(/<code>\d{6}<\/code> to \+33 6 12 34 56 78 \(sms\)/);
      expect((await third.request('/signup')).status).to.equal(200);
      expect(await (await third.request('/logout')).text()).to.include('You are logged out');
    });
  });
}

/** A framework's example app started in this process: its base URL, its guard, and how to stop it. */
export interface RunningExample {
  base: string;
  guard: Sharelock<any, any>;
  close: () => Promise<void>;
}

/**
 * What every example app does with its own sessions, run in this process so the test can act as
 * the app's admin: a device logged out by the owner or by its own choice loses its app session,
 * the family plan gets four screens, bad logins are refused, and the development clock works.
 */
export function describeExampleApp(name: string, start: () => Promise<RunningExample>): void {
  describe(`the ${name} example's app`, () => {
    let example: RunningExample;
    before(async () => {
      example = await start();
    });
    after(() => example?.close());

    const signedIn = async (user: string) => {
      const device = new Device(example.base);
      expect((await device.login(user)).status).to.equal(303);
      return device;
    };

    it('ends the app session of a device its owner logged out', async () => {
      const device = await signedIn('kicked');
      expect((await device.request('/watch/1')).status).to.equal(200);
      const [attached] = await example.guard.devices('kicked');
      await example.guard.kick('kicked', attached!.id);
      const out = await device.request('/watch/1');
      expect([out.status, out.headers.get('location')]).to.deep.equal([303, '/logout?reason=owner']);
      expect(await (await device.request('/')).text(), 'signed out').to.include('action="/login"').and.not.include('Signed in as');
    });

    it('ends the session of a device that chose "Log out this device" on the challenge', async () => {
      for (let n = 0; n < 2; n++) await (await signedIn('leaver')).request('/watch/1');
      const third = await signedIn('leaver');
      const url = (await third.request('/watch/1')).headers.get('location')!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await third.request(url)).text())![1]!;
      const out = await third.request(`${url}/logout`, { form: { _csrf: csrf } });
      expect([out.status, out.headers.get('location')]).to.deep.equal([303, '/logout?reason=self']);
      expect(await (await third.request('/')).text(), 'signed out').to.include('action="/login"');
    });

    it('lets the family plan use four screens on the 2-device route', async () => {
      const statuses: number[] = [];
      for (let n = 0; n < 5; n++) statuses.push((await (await signedIn('family-four')).request('/watch/1')).status);
      expect(statuses).to.deep.equal([200, 200, 200, 200, 303]);
    });

    it('refuses bad login names and forms over 8 KB', async () => {
      const device = new Device(example.base);
      expect((await device.login('<script>')).status).to.equal(400);
      expect((await device.login('a'.repeat(9000))).status).to.equal(413);
    });

    it('moves the development clock and lists the decisions', async () => {
      const device = await signedIn('clock');
      await device.request('/watch/1');
      const decisions = (await (await device.request('/dev/decisions?account=clock')).json()) as { decisions: Array<{ verdict: string }> };
      expect(decisions.decisions.map((d) => d.verdict)).to.deep.equal(['allow']);
      const moved = await device.request('/dev/clock', { form: { advance: '1d' } });
      expect(((await moved.json()) as { offsetMs: number }).offsetMs).to.equal(86_400_000);
      expect((await device.request('/dev/clock', { form: { advance: 'soon' } })).status).to.equal(400);
    });
  });
}

/** Listen on a free loopback port and give the base URL and a close that also closes the guard. */
export async function listening(server: Server, guard: Sharelock<any, any>): Promise<RunningExample> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://localhost:${(server.address() as AddressInfo).port}`,
    guard,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await guard.close();
    },
  };
}
