import { expect } from 'chai';
import type { Server } from 'node:http';
import request from 'supertest';
import { minutes } from '../../src/index.js';
import type { MakeScenarioApp, ScenarioApp } from '../support/adapters/contract.js';
import { rawRequest } from '../support/raw-request.js';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const deviceIdsIn = (html: string) => [...html.matchAll(/name="device" value="([^"]+)"/g)].map((m) => m[1]!);

/** A device: a supertest agent (its own cookie jar) signed in as `account`. */
function device(app: Server, account: string, extra: Record<string, string> = {}) {
  const agent = request.agent(app);
  const headers = { 'x-account': account, 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0', ...extra };
  return {
    agent,
    headers,
    get: (path: string) => agent.get(path).set(headers),
    post: (path: string, form: Record<string, string>) => agent.post(path).set(headers).type('form').send(form),
  };
}

/**
 * The HTTP scenarios every adapter passes, written once: each adapter's test file runs them
 * against its framework's real app (see `ScenarioApp` for the routes it serves).
 */
export function describeAdapterScenarios(name: string, makeApp: MakeScenarioApp): void {
  describe(`${name}: the shared HTTP scenarios`, () => {
    const apps: ScenarioApp[] = [];
    const use = async (made: Promise<ScenarioApp>) => {
      const app = await made;
      apps.push(app);
      return app;
    };
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });

    it('lets the first two devices in and challenges the third', async () => {
      const { server: app } = await use(makeApp());
      const [one, two, three] = [device(app, 'alice'), device(app, 'alice'), device(app, 'alice')];
      expect((await one.get('/watch/1')).status).to.equal(200);
      expect((await two.get('/watch/1')).status).to.equal(200);
      const third = await three.get('/watch/1');
      expect(third.status).to.equal(303);
      expect(third.headers.location).to.match(/^\/sharelock\/challenge\/[A-Za-z0-9_-]{22}$/);
      // The devices already in keep working.
      expect((await one.get('/watch/2')).status).to.equal(200);
    });

    it('sets an HttpOnly, SameSite=Lax device cookie, not Secure on plain-http localhost', async () => {
      const { server: app } = await use(makeApp());
      const response = await device(app, 'alice').get('/watch/1');
      const cookie = (response.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('sl_device='));
      expect(cookie).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i).and.match(/Max-Age=34560000/);
      expect(cookie).not.to.match(/Secure/i);
    });

    it('uses a Secure __Host- cookie behind a trusted HTTPS proxy', async () => {
      const { server: app } = await use(makeApp({ trustProxy: 'loopback' }));
      const response = await device(app, 'alice', { 'x-forwarded-proto': 'https', host: 'shop.example' }).get('/watch/1');
      const cookies = response.headers['set-cookie'] as unknown as string[];
      expect(cookies.some((c) => /^__Host-sl_device=.*; Secure/i.test(c))).to.equal(true);
    });

    it('leaves free and anonymous users alone, with no device cookie', async () => {
      const { server: app, guard } = await use(makeApp());
      for (let i = 0; i < 4; i++) {
        const response = await device(app, 'bob', { 'x-plan': 'free' }).get('/watch/1');
        expect(response.status).to.equal(200);
        expect(response.headers['set-cookie']).to.equal(undefined);
      }
      expect((await request(app).get('/watch/1')).status).to.equal(200);
      expect(await guard.devices('bob')).to.deep.equal([]);
    });

    it('answers API clients with 403 JSON and the reasons', async () => {
      const { server: app } = await use(makeApp());
      await device(app, 'alice').get('/watch/1');
      await device(app, 'alice').get('/watch/1');
      const response = await device(app, 'alice', { accept: 'application/json' }).get('/api/premium/7');
      expect(response.status).to.equal(403);
      expect(response.body.verdict).to.equal('challenge');
      expect(response.body.challengeUrl).to.match(/^\/sharelock\/challenge\//);
      expect(response.body.reasons).to.deep.include({ check: 'device_count', observed: 3, threshold: 2, message: '3 devices in use; the plan allows 2.', policy: 'device_limit' });
    });

    it('honours method filters, excludes and case-insensitive paths', async () => {
      const { server: app } = await use(makeApp());
      await device(app, 'alice').get('/watch/1');
      await device(app, 'alice').get('/watch/1');
      const third = device(app, 'alice');
      expect((await third.post('/api/premium/7', {})).status, 'POST is not in the rule').to.equal(200);
      expect((await third.get('/watch/trailer')).status, 'excluded').to.equal(200);
      expect((await third.get('/WATCH/1')).status, 'the upper-case spelling').to.equal(303);
      expect((await third.get('/watch/1/')).status, 'trailing slash').to.equal(303);
    });

    it('applies per-route options from guard.protect()', async () => {
      const { server: app } = await use(makeApp());
      expect((await device(app, 'alice').get('/live/1')).status).to.equal(200);
      expect((await device(app, 'alice').get('/live/1')).status).to.equal(303);
    });

    it('logs out a device the owner kicked: onLogout, then /logout (JSON: 401)', async () => {
      const { server: app, guard, logouts } = await use(makeApp());
      const one = device(app, 'alice');
      await one.get('/watch/1');
      const [only] = await guard.devices('alice');
      expect(await guard.kick('alice', only!.id)).to.equal(true);
      const response = await one.get('/watch/1');
      expect(response.status).to.equal(303);
      expect(response.headers.location).to.equal('/logout?reason=owner');
      expect(logouts).to.deep.equal(['alice']);

      const api = device(app, 'carol', { accept: 'application/json' });
      await api.get('/api/premium/1');
      await guard.detach('carol', (await guard.devices('carol'))[0]!.id);
      const json = await api.get('/api/premium/1');
      expect(json.status).to.equal(401);
      expect(json.body).to.include({ verdict: 'logout', logoutUrl: '/logout', reason: 'admin' });
    });

    it('sends a suspended account to /suspended at once, and back when lifted', async () => {
      const { server: app, guard } = await use(makeApp());
      const one = device(app, 'alice');
      expect((await one.get('/watch/1')).status).to.equal(200);
      await guard.suspend('alice');
      const page = await one.get('/watch/1');
      expect([page.status, page.headers.location]).to.deep.equal([303, '/suspended']);
      const api = await device(app, 'alice', { accept: 'application/json' }).get('/api/premium/1');
      expect(api.status).to.equal(403);
      expect(api.body.verdict).to.equal('suspended');
      await guard.unsuspend('alice');
      expect((await one.get('/watch/1')).status).to.equal(200);
    });

    it('walks the owner through the challenge and back to the page', async () => {
      const { server: app, guard } = await use(makeApp());
      const [one, two, three] = [device(app, 'alice'), device(app, 'alice'), device(app, 'alice')];
      await one.get('/watch/1');
      await two.get('/watch/1');
      const url = (await three.get('/watch/9?t=30')).headers.location as string;

      const intro = await three.get(url);
      expect(intro.status).to.equal(200);
      expect(intro.text).to.include('Create my own account').and.include("I&#39;m the owner").and.include('Log out this device');
      expect(intro.headers['cache-control']).to.equal('no-store');
      expect(intro.headers['x-frame-options']).to.equal('DENY');

      expect((await three.post(`${url}/owner`, {})).status, 'no CSRF token').to.equal(403);
      const owner = await three.post(`${url}/owner`, { _csrf: csrfOf(intro.text) });
      expect(owner.headers.location).to.equal(`${url}/verify`);
      const verify = await three.get(`${url}/verify`);
      expect(verify.text).to.include('a••••@example.com').and.not.include('alice@example.com');

      const wrong = await three.post(`${url}/verify`, { _csrf: csrfOf(verify.text), code: '000000' === guard.outbox!.latest()!.code ? '111111' : '000000' });
      expect(wrong.headers.location, 'Post/Redirect/Get').to.equal(`${url}/verify?notice=wrong_code`);
      expect((await three.get(wrong.headers.location as string)).text).to.include('4 attempts left');

      const right = await three.post(`${url}/verify`, { _csrf: csrfOf(verify.text), code: guard.outbox!.latest('alice@example.com')!.code });
      expect(right.headers.location).to.equal(`${url}/devices`);
      const devices = await three.get(`${url}/devices`);
      expect(devices.text).to.include('This device').and.include('Log out 1 device to continue.');
      const [first] = deviceIdsIn(devices.text);

      await three.post(`${url}/kick`, { _csrf: csrfOf(devices.text), device: first! });
      const after = await three.get(`${url}/devices`);
      expect(after.text).to.include('You are within your plan.');
      const done = await three.post(`${url}/complete`, { _csrf: csrfOf(after.text) });
      expect([done.status, done.headers.location]).to.deep.equal([303, '/watch/9?t=30']);
      expect((await three.get('/watch/9')).status).to.equal(200);

      // The kicked device is one of the first two; it is logged out, the other still plays.
      const statuses = [(await one.get('/watch/1')).status, (await two.get('/watch/1')).status].sort();
      expect(statuses).to.deep.equal([200, 303]);
      // The finished challenge cannot be replayed.
      expect((await three.get(url)).status).to.equal(410);
    });

    it('lets the sharer leave: own account or log out', async () => {
      const { server: app, logouts } = await use(makeApp());
      await device(app, 'alice').get('/watch/1');
      await device(app, 'alice').get('/watch/1');
      const three = device(app, 'alice');
      const url = (await three.get('/watch/1')).headers.location as string;
      const intro = await three.get(url);
      const leave = await three.post(`${url}/new-account`, { _csrf: csrfOf(intro.text) });
      expect(leave.headers.location).to.equal('/signup');

      const four = device(app, 'alice');
      const url4 = (await four.get('/watch/1')).headers.location as string;
      const out = await four.post(`${url4}/logout`, { _csrf: csrfOf((await four.get(url4)).text) });
      expect(out.headers.location).to.equal('/logout?reason=self');
      expect(logouts).to.deep.equal(['alice']);
    });

    it('keeps a challenge to the device it was made for, and expires it', async () => {
      const { server: app, clock } = await use(makeApp());
      await device(app, 'alice').get('/watch/1');
      await device(app, 'alice').get('/watch/1');
      const three = device(app, 'alice');
      const url = (await three.get('/watch/1')).headers.location as string;
      const other = await device(app, 'alice').get(url);
      expect(other.status).to.equal(403);
      expect(other.text).to.include('This link is for another device');
      clock.advance(minutes(31));
      expect((await three.get(url)).status).to.equal(410);
      expect((await three.get('/sharelock/challenge/not-a-real-id')).status).to.equal(404);
    });

    it('fails the challenge after five wrong codes', async () => {
      const { server: app } = await use(makeApp());
      await device(app, 'alice').get('/watch/1');
      await device(app, 'alice').get('/watch/1');
      const three = device(app, 'alice');
      const url = (await three.get('/watch/1')).headers.location as string;
      const csrf = csrfOf((await three.get(url)).text);
      await three.post(`${url}/owner`, { _csrf: csrf });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await three.post(`${url}/verify`, { _csrf: csrf, code: 'abc' })).status);
      expect(statuses).to.deep.equal([303, 303, 303, 303, 403]);
      expect((await three.get(`${url}/devices`)).status).to.equal(403);
    });

    it('never redirects off-site after a challenge', async () => {
      const { server: app, guard } = await use(makeApp({ protect: ['/**'] }));
      await device(app, 'alice').get('/watch/1');
      await device(app, 'alice').get('/watch/1');
      const three = device(app, 'alice');
      const url = (await three.get('//evil.example/watch')).headers.location as string;
      expect(url).to.match(/^\/sharelock\/challenge\//);
      const csrf = csrfOf((await three.get(url)).text);
      await three.post(`${url}/owner`, { _csrf: csrf });
      await three.post(`${url}/verify`, { _csrf: csrf, code: guard.outbox!.latest()!.code });
      const [first] = deviceIdsIn((await three.get(`${url}/devices`)).text);
      await three.post(`${url}/kick`, { _csrf: csrf, device: first! });
      const done = await three.post(`${url}/complete`, { _csrf: csrf });
      expect(done.headers.location).to.equal('/home');
    });

    it('survives forged cookies, giant headers and bogus addresses', async () => {
      const { server: app, guard } = await use(makeApp({ trustProxy: true }));
      const forged = await device(app, 'alice').get('/watch/1').set('cookie', 'sl_device=AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA');
      expect(forged.status).to.equal(200);
      expect((forged.headers['set-cookie'] as unknown as string[])[0]).to.match(/^sl_device=/);
      const garbled = await device(app, 'alice').get('/watch/1').set('cookie', `sl_device=${'%'.repeat(4000)}; x=${'"'.repeat(3000)}`);
      expect(garbled.status).to.equal(200);
      expect(await guard.devices('alice'), 'each bad cookie became a new device').to.have.length(2);
      const bogus = await device(app, 'carol').get('/watch/1').set('x-forwarded-for', 'not-an-ip, <script>, 999.1.1.1').set('user-agent', 'x'.repeat(6000));
      expect(bogus.status).to.equal(200);
      const [carolDevice] = await guard.devices('carol');
      expect(carolDevice!.lastIp).to.match(/^(127\.0\.0\.1|::1)$/);
      const post = await device(app, 'alice').post('/sharelock/challenge/AAAAAAAAAAAAAAAAAAAAAA/verify', { _csrf: 'x'.repeat(9000) });
      expect(post.status).to.equal(403);
    });

    it('lets exactly the limit in when many new devices race', async () => {
      const { server: app } = await use(makeApp());
      const responses = await Promise.all(Array.from({ length: 10 }, () => device(app, 'alice').get('/watch/1')));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).to.have.length(2);
      expect(statuses.filter((s) => s === 303)).to.have.length(8);
    });
    it('tells the route handler the verdict', async () => {
      const { server: app } = await use(makeApp());
      const response = await device(app, 'alice').get('/watch/4');
      expect(response.text).to.equal('playing 4');
      expect(response.headers['x-verdict']).to.equal('allow');
    });

    it('guards routes of a router mounted under a prefix, by pattern and per route (one device, one cookie, when both apply)', async () => {
      const { server: app } = await use(makeApp());
      await device(app, 'alice').get('/kids/shows/1');
      await device(app, 'alice').get('/kids/shows/1');
      const third = device(app, 'alice');
      expect((await third.get('/kids/shows/1')).status).to.equal(303);
      const one = await device(app, 'carol').get('/kids/live/1');
      expect([one.status, one.text]).to.deep.equal([200, 'kids live']);
      expect((await device(app, 'carol').get('/kids/live/1')).status, 'a second device over the route limit of 1').to.equal(303);
    });

    it('answers HEAD like GET without a body, and never guards OPTIONS', async () => {
      const { server: app } = await use(makeApp());
      await device(app, 'alice').get('/watch/1');
      await device(app, 'alice').get('/watch/1');
      const third = device(app, 'alice');
      const head = await third.agent.head('/watch/1').set(third.headers);
      expect(head.status).to.equal(303);
      expect(head.headers.location).to.match(/^\/sharelock\/challenge\//);
      const options = await third.agent.options('/watch/1').set(third.headers);
      expect(options.status).not.to.equal(303);
      expect(options.headers.location).to.equal(undefined);
    });

    it('drops the cached verdict the moment a device is kicked', async () => {
      const { server: app, guard } = await use(makeApp());
      const one = device(app, 'alice');
      expect((await one.get('/watch/1')).status).to.equal(200);
      expect((await one.get('/watch/2')).status, 'cached').to.equal(200);
      await guard.kick('alice', (await guard.devices('alice'))[0]!.id);
      const next = await one.get('/watch/3');
      expect([next.status, next.headers.location]).to.deep.equal([303, '/logout?reason=owner']);
    });

    it('judges every spelling of a protected URL the framework serves', async () => {
      const { server: app } = await use(makeApp());
      await device(app, 'alice').get('/watch/1');
      await device(app, 'alice').get('/watch/1');
      const third = device(app, 'alice');
      const challenged = await third.get('/watch/1');
      expect(challenged.status).to.equal(303);
      const cookie = (challenged.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('sl_device='))!.split(';')[0]!;
      const spellings = [
        '/watch/1',
        'http://localhost/watch/1',
        'HTTP://LOCALHOST:80/watch/1?x=1',
        `/watch/1?${'q'.repeat(9000)}`,
        `http://localhost/watch/1?${'q'.repeat(9000)}`,
        '/WATCH/1',
        '/watch/1/',
        '/watch//1',
        '//watch/1',
        '/watch/%31',
        '/w%61tch/1',
        '/%77atch/1',
        '/watch/1;jsessionid=x',
        '/watch;x/1',
        '/./watch/1',
        '/x/../watch/1',
        '/watch/./1',
        '/kids/../watch/1',
        '/watch/1#top',
        '/Kids/Shows/1',
        '/kids//shows/1',
        '/kids/shows/%31',
        '/watch/.',
        '/watch/..',
        '/watch/../',
        '/watch/',
        '/watch/1%0A',
        '/w%61tch/1%2F2',
        '/k%69ds/shows/1%E2%80%A8',
      ];
      const served: string[] = [];
      for (const target of spellings) {
        const response = await rawRequest(app, 'GET', target, { ...third.headers, cookie });
        if (response.status === 200 && /playing|kids/.test(response.body)) served.push(target.slice(0, 60));
      }
      expect(served, 'served to a device over the limit').to.deep.equal([]);
    });

    it('never treats a request target that is no path as unprotected', async () => {
      const { server: app, guard } = await use(makeApp());
      for (const target of ['*', 'watch/1', 'http://']) {
        const response = await rawRequest(app, 'GET', target, { 'x-account': 'dora' });
        expect(response.status, target).not.to.equal(500);
      }
      expect(guard.stats().identifyFailures).to.equal(0);
    });
  });
}
