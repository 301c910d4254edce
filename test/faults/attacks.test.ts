import { expect } from 'chai';
import express from 'express';
import express4 from 'express4';
import Koa from 'koa';
import Koa2 from 'koa2';
import { request as httpRequest } from 'node:http';
import { CsrfTokens } from '../../src/challenge/csrf.js';
import type { Options } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import type { ScenarioApp } from '../support/adapters/contract.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { fastifyScenarioApp } from '../support/adapters/fastify.js';
import { koaScenarioApp } from '../support/adapters/koa.js';
import { nestScenarioApp } from '../support/adapters/nest.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { Browser, CHROME, csrfOf, deviceIdsIn, listen, rawTarget, staysOnSite } from './support.js';

/**
 * The attack suite: what an attacker would try end to end over HTTP, beyond what the shared
 * scenarios (test/adapters/scenarios.ts), the budget tests and the store contract already cover.
 */

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const HOUR = 3_600_000;

const opened: Array<{ close(): Promise<void> }> = [];
async function use(made: Promise<ScenarioApp>): Promise<ScenarioApp & { base: string }> {
  const app = await made;
  opened.push(app);
  return Object.assign(app, { base: await listen(app.server) });
}
const closeOpened = () => Promise.all(opened.splice(0).map((app) => app.close()));

/**
 * Request targets a challenged device may ask for, each of which becomes the challenge's return
 * target if sharelock took it as is. Sent byte for byte (UTF-8), control characters included.
 */
const REDIRECT_PAYLOADS = [
  // protocol-relative
  '//evil.example', '//evil.example/', '///evil.example', '////evil.example', '//evil.example/watch/1', '//evil.example:443/x',
  '//evil.example%2F', '//%65vil.example', '//evil%2Eexample', '//127.0.0.1/', '//0x7f.1/', '//[::1]/', '//2130706433/',
  // backslashes
  '/\\evil.example', '/\\\\evil.example', '\\\\evil.example', '\\/evil.example', '/\\/evil.example', '/./\\evil.example', '/a/..\\/evil.example',
  // encoded slashes and backslashes
  '/%2F%2Fevil.example', '/%2f%2fevil.example', '/%2F/evil.example', '/%5Cevil.example', '/%5C%5Cevil.example', '/%2F%5Cevil.example', '/%252F%252Fevil.example',
  // dot segments that normalise into `//`
  '/.//evil.example', '/././/evil.example', '/a/..//evil.example', '/a/b/../..//evil.example', '/..//evil.example', '/../..//evil.example',
  '/%2e//evil.example', '/%2e%2e//evil.example', '/a/%2e%2e//evil.example', '/.%2F/evil.example', '/watch/../..//evil.example?x=1',
  // schemes, absolute forms
  'https:evil.example', 'https:/evil.example', 'https://evil.example/', 'http://evil.example/watch/1', 'HTTP://EVIL.EXAMPLE', 'javascript:alert(1)',
  '/javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'http://localhost//evil.example', 'http://localhost/\\evil.example', 'http://localhost/%2F%2Fevil.example',
  // userinfo
  '//user@evil.example', '//user:pass@evil.example/', '/@evil.example', '//good.example@evil.example', '/%40evil.example', 'https://localhost@evil.example/',
  // whitespace and control characters, raw and encoded
  '/\t/evil.example', '/\n/evil.example', '/\r\n/evil.example', '/%09/evil.example', '/%0a/evil.example', '/%0d%0a/evil.example',
  '/%0D%0ALocation:%20https://evil.example', '/%00//evil.example', '/ //evil.example', '/%20//evil.example', '/\u000b//evil.example', '/\u000c//evil.example',
  // unicode slashes, raw and encoded
  '/\u2215\u2215evil.example', '/\uff0f\uff0fevil.example', '/\u2044\u2044evil.example', '/%E2%88%95%E2%88%95evil.example', '/%EF%BC%8F%EF%BC%8Fevil.example',
  '/%C0%AF%C0%AFevil.example', '//evil\u3002example',
  // queries and fragments
  '/#//evil.example', '/?//evil.example', '/watch/1#@evil.example', '/watch/1?next=//evil.example',
];

describe('attacks: open redirects through the whole challenge flow (Express)', function () {
  afterEach(closeOpened);
  this.timeout(60_000);

  it(`never sends the owner off-site after a challenge, over ${REDIRECT_PAYLOADS.length} return targets`, async () => {
    const app = await use(expressScenarioApp(express, { protect: ['/**'] }));
    const outcomes: string[] = [];
    const offSite: string[] = [];
    let challenged = 0;
    for (const [i, payload] of REDIRECT_PAYLOADS.entries()) {
      const account = `r${i}`;
      for (let d = 0; d < 2; d++) expect((await new Browser(app.base, account).get('/watch/1')).status).to.equal(200);
      const third = new Browser(app.base, account);
      const first = await rawTarget(app.base, Buffer.from(payload, 'utf8'), { 'x-account': account, 'user-agent': CHROME, accept: 'text/html' });
      const label = JSON.stringify(payload);
      expect(first.status, `${label}: the first answer`).to.be.within(200, 499);
      if (first.headers.location !== undefined && !staysOnSite(first.headers.location)) offSite.push(`${label} → ${first.headers.location}`);
      const url = first.headers.location;
      if (first.status !== 303 || !url?.startsWith('/sharelock/challenge/')) {
        outcomes.push(`${first.status}`);
        continue;
      }
      challenged++;
      const cookie = first.headers['set-cookie']!.split(';')[0]!;
      third.jar.set('sl_device', cookie.slice('sl_device='.length));
      const csrf = csrfOf((await third.get(url)).text);
      expect((await third.post(`${url}/owner`, { _csrf: csrf })).location, label).to.equal(`${url}/verify`);
      expect((await third.post(`${url}/verify`, { _csrf: csrf, code: app.guard.outbox!.latest(`${account}@example.com`)!.code })).location, label).to.equal(`${url}/devices`);
      const [other] = deviceIdsIn((await third.get(`${url}/devices`)).text);
      await third.post(`${url}/kick`, { _csrf: csrf, device: other! });
      const done = await third.post(`${url}/complete`, { _csrf: csrf });
      expect(done.status, label).to.equal(303);
      if (!staysOnSite(done.location!)) offSite.push(`${label} → ${done.location}`);
      outcomes.push(done.location === '/home' ? 'refused (urls.success)' : 'kept a same-origin path');
    }
    const tally = [...new Set(outcomes)].map((o) => `${outcomes.filter((x) => x === o).length}× ${o}`).join(', ');
    console.log(`      ${REDIRECT_PAYLOADS.length} payloads: ${challenged} went through the whole flow; outcomes ${tally}`);
    expect(offSite, 'Locations off this origin').to.deep.equal([]);
    expect(challenged, 'most payloads reached complete').to.be.above(REDIRECT_PAYLOADS.length * 0.7);
  });
});

describe('attacks: CSRF on every POST of the challenge pages (Express)', function () {
  afterEach(closeOpened);
  this.timeout(30_000);

  it('refuses (403) every forged POST — no token, a token of another challenge or device, the right token from another browser — and changes nothing', async () => {
    const app = await use(expressScenarioApp(express));
    const { guard, base } = app;
    const store = guard.config.store;
    const tokens = new CsrfTokens(guard.config.secrets);
    const idOf = (url: string) => url.split('/').pop()!;
    const deviceOf = (browser: Browser) => guard.deviceOf({ headers: { cookie: browser.cookie } })!;

    const [one, two] = [new Browser(base, 'vic'), new Browser(base, 'vic')];
    for (const b of [one, two]) expect((await b.get('/watch/1')).status).to.equal(200);
    // The attacker's own challenge on its own account gives it a real token, of another challenge and device.
    for (let i = 0; i < 2; i++) await new Browser(base, 'mal').get('/watch/1');
    const attacker = new Browser(base, 'mal');
    const attackerUrl = (await attacker.get('/watch/1')).location!;
    const attackerToken = csrfOf((await attacker.get(attackerUrl)).text);

    /** Everything a forged POST could change: the challenge record, the account's devices, codes sent, logouts. */
    const state = async (url: string) => ({
      challenge: await store.getChallenge(idOf(url)),
      devices: (await guard.devices('vic')).map((d) => [d.id, d.status, d.logoutPending]),
      codes: guard.outbox!.messages.length,
      logouts: app.logouts.length,
    });

    let forged = 0;
    /** Post `action` with every wrong token, from the challenged browser (and with its token from another browser): 403, nothing changed. */
    const forge = async (victim: Browser, url: string, action: string, fields: Record<string, string> = {}, real: Array<[string, string]> = []) => {
      const id = idOf(url);
      const right = tokens.issue(id, deviceOf(victim));
      const before = await state(url);
      const wrong: Array<[string, Record<string, string>, Browser, Record<string, string>?]> = [
        ['no token', fields, victim],
        ['an empty token', { ...fields, _csrf: '' }, victim],
        ['garbage', { ...fields, _csrf: 'x'.repeat(43) }, victim],
        // The first character: the last of 43 base64url characters carries 2 padding bits, so some changes there decode to the same bytes.
        ['the right token with one character changed', { ...fields, _csrf: (right.startsWith('A') ? 'B' : 'A') + right.slice(1) }, victim],
        ['a token of another challenge, bound to this device', { ...fields, _csrf: tokens.issue(idOf(attackerUrl), deviceOf(victim)) }, victim],
        ...real.map(([what, token]): [string, Record<string, string>, Browser] => [what, { ...fields, _csrf: token }, victim]),
        ["a token of this challenge for another device", { ...fields, _csrf: tokens.issue(id, deviceOf(attacker)) }, victim],
        ["the attacker's own challenge's token", { ...fields, _csrf: attackerToken }, victim],
        ['the right token, from another browser', { ...fields, _csrf: right }, attacker],
        ['the right token in the query string', fields, victim, { query: right }],
        ['the right token as JSON', { ...fields, _csrf: right }, victim, { json: 'yes' }],
      ];
      for (const [what, form, browser, how] of wrong) {
        const path = `${url}/${action}${how?.query ? `?_csrf=${how.query}` : ''}`;
        const answer = how?.json ? await fetchJson(base, path, browser, form) : await browser.post(path, form);
        expect([action, what, answer.status]).to.deep.equal([action, what, 403]);
        forged++;
      }
      expect(await state(url), `${action}: nothing changed`).to.deep.equal(before);
    };

    // A first challenge of the victim's third browser, left by "Create my own account" after the forgeries.
    const third = new Browser(base, 'vic');
    const first = (await third.get('/watch/1')).location!;
    const firstToken = csrfOf((await third.get(first)).text);
    await forge(third, first, 'new-account');
    expect((await third.post(`${first}/new-account`, { _csrf: firstToken })).location).to.equal('/signup');

    // Its next challenge, through every step: forgeries first, then the real click moves it on.
    const url = (await third.get('/watch/2')).location!;
    expect(idOf(url)).to.not.equal(idOf(first));
    const csrf = csrfOf((await third.get(url)).text);
    const kickTarget = deviceOf(one);
    const previous: Array<[string, string]> = [["the token of this device's previous challenge", firstToken]];
    for (const action of ['owner', 'resend', 'verify', 'kick', 'complete']) await forge(third, url, action, action === 'kick' ? { device: kickTarget } : action === 'verify' ? { code: '000000' } : {}, previous);
    expect((await third.post(`${url}/owner`, { _csrf: csrf })).location).to.equal(`${url}/verify`);
    const code = guard.outbox!.latest('vic@example.com')!.code;
    for (const action of ['verify', 'resend', 'kick', 'complete']) await forge(third, url, action, action === 'verify' ? { code } : action === 'kick' ? { device: kickTarget } : {}, previous);
    expect((await third.post(`${url}/verify`, { _csrf: csrf, code })).location).to.equal(`${url}/devices`);
    for (const action of ['kick', 'complete', 'logout', 'new-account']) await forge(third, url, action, action === 'kick' ? { device: kickTarget } : {}, previous);
    await third.post(`${url}/kick`, { _csrf: csrf, device: kickTarget });
    expect((await guard.devices('vic')).find((d) => d.id === kickTarget)!.status).to.equal('kicked');
    expect((await third.post(`${url}/complete`, { _csrf: csrf })).location).to.equal('/watch/2');

    // "Log out this device" on another browser's challenge.
    const fourth = new Browser(base, 'vic');
    const last = (await fourth.get('/watch/1')).location!;
    const lastToken = csrfOf((await fourth.get(last)).text);
    await forge(fourth, last, 'logout');
    expect((await fourth.post(`${last}/logout`, { _csrf: lastToken })).location).to.equal('/logout?reason=self');
    expect(app.logouts).to.deep.equal(['vic']);
    console.log(`      ${forged} forged POSTs over 7 actions refused with 403, each leaving the challenge, the devices, the codes sent and the logouts unchanged`);
  });

  // The shared scenarios GET a finished challenge (410), another device's (403) and an expired one (410); here every POST is tried, with a valid token.
  it('refuses every POST on a finished, a foreign and an expired challenge even with a valid token, and changes nothing', async () => {
    const app = await use(expressScenarioApp(express));
    const { guard, base, clock } = app;
    const tokens = new CsrfTokens(guard.config.secrets);
    const deviceOf = (browser: Browser) => guard.deviceOf({ headers: { cookie: browser.cookie } })!;
    const [one, two] = [new Browser(base, 'rep'), new Browser(base, 'rep')];
    for (const b of [one, two]) expect((await b.get('/watch/1')).status).to.equal(200);
    const third = new Browser(base, 'rep');
    const url = (await third.get('/watch/1')).location!;
    const csrf = csrfOf((await third.get(url)).text);
    const id = url.split('/').pop()!;
    const actions = ['owner', 'resend', 'verify', 'kick', 'complete', 'logout', 'new-account'];
    const fields = { device: deviceOf(one), code: '000000' };
    const state = async () => ({ challenge: await guard.config.store.getChallenge(id), devices: await guard.devices('rep'), codes: guard.outbox!.messages.length, logouts: app.logouts.length });
    const tryAll = async (browser: Browser, expected: number, what: string) => {
      const before = await state();
      const token = tokens.issue(id, deviceOf(browser));
      for (const action of actions) expect([what, action, (await browser.post(`${url}/${action}`, { _csrf: token, ...fields })).status]).to.deep.equal([what, action, expected]);
      expect(await state(), `${what}: nothing changed`).to.deep.equal(before);
    };

    // Another device of the account, with a token valid for it: "this link is for another device".
    await tryAll(one, 403, 'foreign');
    // The owner finishes it; every step replayed afterwards is gone.
    await third.post(`${url}/owner`, { _csrf: csrf });
    await third.post(`${url}/verify`, { _csrf: csrf, code: guard.outbox!.latest('rep@example.com')!.code });
    await third.post(`${url}/kick`, { _csrf: csrf, device: deviceOf(one) });
    expect((await third.post(`${url}/complete`, { _csrf: csrf })).location).to.equal('/watch/1');
    await tryAll(third, 410, 'finished');
    // A challenge left open past its 30 minutes.
    const fourth = new Browser(base, 'rep');
    const late = (await fourth.get('/watch/1')).location!;
    expect(late).to.match(/^\/sharelock\/challenge\//);
    clock.advance(31 * 60_000);
    const lateId = late.split('/').pop()!;
    const before = await guard.config.store.getChallenge(lateId);
    for (const action of actions) expect([action, (await fourth.post(`${late}/${action}`, { _csrf: tokens.issue(lateId, deviceOf(fourth)), ...fields })).status]).to.deep.equal([action, 410]);
    expect((await guard.config.store.getChallenge(lateId))!.status, 'marked expired, nothing else').to.equal('expired');
    expect({ ...(await guard.config.store.getChallenge(lateId)), status: before!.status, updatedAt: before!.updatedAt }).to.deep.equal(before);
    expect((await guard.devices('rep')).filter((d) => d.status === 'attached').map((d) => d.id).sort()).to.deep.equal([deviceOf(two), deviceOf(third)].sort());
  });
});

/** POST the form as JSON: the challenge pages read urlencoded forms only, so its token counts for nothing. */
async function fetchJson(base: string, path: string, browser: Browser, body: Record<string, string>) {
  const response = await fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json', cookie: browser.cookie, 'x-account': browser.account, 'user-agent': CHROME }, body: JSON.stringify(body) });
  await response.text();
  return { status: response.status };
}

describe('attacks: clearing cookies over and over (Express, end to end)', function () {
  afterEach(closeOpened);
  this.timeout(30_000);

  it('gains no slot: a cleared browser is challenged while its old self is in use, only takes its own idle slot later, and never makes a third device', async () => {
    const app = await use(expressScenarioApp(express, { trustProxy: 'loopback' }));
    const { base, guard, clock } = app;
    const home = (last: number) => ({ 'x-forwarded-for': `203.0.113.${last}` });
    const attached = async () => (await guard.devices('clr')).filter((d) => d.status === 'attached').length;
    const laptop = new Browser(base, 'clr', home(10));
    const phone = new Browser(base, 'clr', { ...home(11), 'user-agent': IPHONE });
    expect((await laptop.get('/watch/1')).status).to.equal(200);
    expect((await phone.get('/watch/1')).status).to.equal(200);

    // Ten cleared cookie jars within the hour, same browser, same home: each is challenged.
    for (let i = 0; i < 10; i++) {
      clock.advance(60_000);
      expect((await new Browser(base, 'clr', home(10 + i)).get('/watch/1')).status, `cleared #${i + 1} within the hour`).to.equal(303);
    }
    expect(await attached()).to.equal(2);
    expect((await laptop.get('/watch/2')).status, 'the laptop itself still plays').to.equal(200);

    // Every two hours the laptop browses privately: the new jar takes the idle one's slot, never a third.
    let current = laptop;
    for (let day = 0; day < 5; day++) {
      clock.advance(2 * HOUR);
      expect((await phone.get('/watch/1')).status, 'the phone is in use').to.equal(200);
      const cleared = new Browser(base, 'clr', home(20 + day));
      expect((await cleared.get('/watch/1')).status, `cleared jar ${day + 1}, after 2 idle hours`).to.equal(200);
      expect(await attached(), 'still two devices').to.equal(2);
      expect((await current.get('/watch/1')).status, 'the jar it replaced cannot come back over the limit').to.equal(303);
      current = cleared;
    }

    // A sharer elsewhere clearing cookies gets nothing, even after the owner's devices went idle.
    clock.advance(2 * HOUR);
    for (let i = 0; i < 5; i++) expect((await new Browser(base, 'clr', { 'x-forwarded-for': `198.51.100.${i + 1}` }).get('/watch/1')).status, `elsewhere #${i + 1}`).to.equal(303);
    expect(await attached()).to.equal(2);
  });
});

const ADAPTERS: Array<[string, (options?: Partial<Options>) => Promise<ScenarioApp>]> = [
  ['Express 5', (o) => expressScenarioApp(express, o)],
  ['Express 4', (o) => expressScenarioApp(express4 as unknown as typeof express, o)],
  ['Koa 3', (o) => koaScenarioApp(Koa, o)],
  ['Koa 2', (o) => koaScenarioApp(Koa2, o)],
  ['Fastify 5', (o) => fastifyScenarioApp(o)],
  ['Nest 12 on Express', (o) => nestScenarioApp('express', o)],
  ['Nest 12 on Fastify', (o) => nestScenarioApp('fastify', o)],
];

/** One GET with exactly these headers (raw names and values, repeated names allowed) and `Host`, on a new connection. */
function getWith(base: string, path: string, headers: Array<[string, string]>): Promise<{ status: number; location?: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET', agent: false, headers: [['host', 'localhost'], ...headers].flat() as unknown as Record<string, string> }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

describe('attacks: oversized headers through every adapter', function () {
  afterEach(closeOpened);
  this.timeout(60_000);

  for (const [name, make] of ADAPTERS) {
    it(`${name}: answers a 60 KB cookie, 1,000 headers and a 16 KB User-Agent with a clear 4xx or normally, never 5xx, and keeps serving`, async () => {
      const errors: unknown[] = [];
      const app = await use(make({ logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) } }));
      const known = new Browser(app.base, 'big');
      expect((await known.get('/watch/1')).status).to.equal(200);
      const cookie = known.cookie;
      const base: Array<[string, string]> = [['x-account', 'big'], ['user-agent', CHROME]];
      const pads = (bytes: number) => Array.from({ length: Math.ceil(bytes / 1000) }, (_, i) => `pad${i}=${'p'.repeat(990)}`).join('; ');
      const cases: Array<[string, Array<[string, string]>]> = [
        ['a 60 KB cookie with the device cookie last', [...base, ['cookie', `${pads(60_000)}; ${cookie}`]]],
        ['a 60 KB cookie of junk', [...base, ['cookie', `sl_device=${'%'.repeat(30_000)}; ${'"'.repeat(30_000)}`]]],
        ['1,000 headers', [...base, ['cookie', cookie], ...Array.from({ length: 1000 }, (_, i): [string, string] => [`x-pad-${i}`, 'v'])]],
        // Node keeps the first 1,000 header lines (maxHeadersCount), so the device cookie goes first.
        ['1,000 cookie headers', [...base, ['cookie', cookie], ...Array.from({ length: 1000 }, (_, i): [string, string] => ['cookie', `c${i}=v`])]],
        ['a 16 KB User-Agent', [['x-account', 'big'], ['user-agent', `Mozilla/5.0 ${'A'.repeat(16_384)}`], ['cookie', cookie]]],
      ];
      const seen: string[] = [];
      const statuses: Record<string, number[]> = { default: [], raised: [] };
      // Node's default limit (16 KB of headers), then a server that raised it (maxHeaderSize 256 KB): sharelock then sees them all.
      for (const limit of ['default', 'raised'] as const) {
        if (limit === 'raised') (app.server as unknown as { maxHeaderSize: number }).maxHeaderSize = 256 * 1024;
        for (const [what, headers] of cases) {
          const answer = await getWith(app.base, '/watch/1', headers);
          seen.push(`${limit} ${what}: ${answer.status}`);
          statuses[limit]!.push(answer.status);
          expect(answer.status, `${limit} limit, ${what}`).to.be.oneOf([200, 303, 400, 413, 431]);
          if (answer.location) expect(staysOnSite(answer.location)).to.equal(true);
          expect((await known.get('/watch/2')).status, `still serving after ${what}`).to.equal(200);
        }
      }
      // With the raised limit the known device is still itself however its cookie arrives.
      expect(seen.filter((s) => s.startsWith('raised') && !/junk/.test(s) && !s.endsWith(': 200')), 'the known device, recognised').to.deep.equal([]);
      expect(errors, 'nothing logged as an error').to.deep.equal([]);
      console.log(`      ${cases.map(([what]) => what).join(', ')}: ${statuses.default!.join(' ')} (Node's default limit), ${statuses.raised!.join(' ')} (maxHeaderSize 256 KB)`);
    });
  }
});

describe('attacks: 50 devices racing for the last slot over HTTP (Express)', function () {
  afterEach(closeOpened);
  this.timeout(60_000);
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  const STORES: Array<[string, () => Partial<Options> & { close?: () => Promise<void> }]> = [
    ['the memory store', () => ({})],
    ['a real Redis', () => {
      const store = RedisStore.fromUrl(redis.url, { prefix: `race${Date.now()}:` });
      return { store, close: () => store.close() };
    }],
  ];

  for (const [name, storeOptions] of STORES) {
    it(`${name}: lets exactly the limit in — the last slot to 1 of 50, a full plan to 2 of 50, an idle browser's slot to 1 of 50 cleared jars`, async () => {
      const { close, ...options } = storeOptions();
      try {
        const app = await use(expressScenarioApp(express, options));
        const { base, guard, clock } = app;
        const race = async (account: string, racers = 50) => {
          const answers = await Promise.all(Array.from({ length: racers }, () => new Browser(base, account).get('/watch/1')));
          const admitted = answers.filter((a) => a.status === 200).length;
          expect(answers.filter((a) => a.status !== 200 && a.status !== 303), 'only 200 or 303').to.deep.equal([]);
          const attached = (await guard.devices(account)).filter((d) => d.status === 'attached').length;
          return { admitted, attached };
        };

        expect((await new Browser(base, 'last').get('/watch/1')).status).to.equal(200);
        expect(await race('last'), 'one slot left').to.deep.equal({ admitted: 1, attached: 2 });
        expect(await race('empty'), 'two slots').to.deep.equal({ admitted: 2, attached: 2 });
        // One attached browser idle for 2 hours, one in use: 50 cleared jars of the same browser on the same network race for the idle one's slot.
        expect((await new Browser(base, 'idle').get('/watch/1')).status).to.equal(200);
        clock.advance(2 * HOUR);
        expect((await new Browser(base, 'idle', { 'user-agent': IPHONE }).get('/watch/1')).status).to.equal(200);
        expect(await race('idle'), "the idle browser's slot").to.deep.equal({ admitted: 1, attached: 2 });
      } finally {
        await Promise.all(opened.splice(0).map((app) => app.close()));
        await close?.();
      }
    });
  }
});
