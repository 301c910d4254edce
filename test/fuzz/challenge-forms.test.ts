import { expect } from 'chai';
import express from 'express';
import * as fc from 'fast-check';
import request from 'supertest';
import type { ScenarioApp } from '../support/adapters/contract.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { rawRequest } from '../support/raw-request.js';
import { cookiePair, runs, wildString, WINDOWS_UA } from './support.js';

const headers = { 'x-account': 'alice', 'user-agent': WINDOWS_UA };
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
const sameBytes = (a: string, b: string) => Buffer.from(a, 'base64url').equals(Buffer.from(b, 'base64url'));

/** The pages' actions, the ones that do not exist, and names every object inherits. */
const ACTIONS = ['', 'owner', 'verify', 'resend', 'devices', 'kick', 'complete', 'logout', 'new-account', 'nope', 'constructor', 'tostring', '__proto__', 'hasownproperty'];
const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream'];

/** One `name=value` of a form, encoded as a browser would, or raw (unescaped `&`, `=`, `%`, any character). */
const field = (name: fc.Arbitrary<string>, value: fc.Arbitrary<string>) =>
  fc.tuple(name, value, fc.boolean()).map(([n, v, encode]) => (encode ? `${encodeURIComponent(n)}=${encodeURIComponent(v)}` : `${n}=${v}`));

describe('fuzz: challenge form fields (Express)', () => {
  let app: ScenarioApp;
  let attached: string[];
  /** The third device: over the limit, challenged, with its cookie, its challenge page and that page's CSRF token. */
  const over = { cookie: '', id: '', url: '', csrf: '' };
  const cookies: string[] = [];

  /** Open (or reopen, once a step closed it) the third device's challenge and read its form's token. */
  async function challenge(): Promise<void> {
    const opened = await rawRequest(app.server, 'GET', '/watch/1', { ...headers, cookie: over.cookie });
    expect(opened.status).to.equal(303);
    over.url = opened.headers.location as string;
    const page = await request(app.server).get(over.url).set(headers).set('cookie', over.cookie);
    over.csrf = csrfOf(page.text) ?? '';
    expect(over.csrf, page.text.slice(0, 200)).not.to.equal('');
  }

  async function expectNothingLost(): Promise<void> {
    const devices = await app.guard.devices('alice');
    expect(devices.filter((d) => d.status === 'attached').map((d) => d.id), 'the attached devices').to.have.members(attached);
    expect(devices.find((d) => d.id === over.id)?.status).not.to.equal('attached');
  }

  before(async () => {
    app = await expressScenarioApp(express);
    for (let i = 0; i < 3; i++) {
      const response = await rawRequest(app.server, 'GET', '/watch/1', headers);
      cookies.push(cookiePair((response.headers['set-cookie'] as string[]).find((c) => c.startsWith('sl_device='))!));
    }
    over.cookie = cookies[2]!;
    over.id = app.guard.deviceOf({ headers: { cookie: over.cookie } })!;
    attached = (await app.guard.devices('alice')).filter((d) => d.status === 'attached').map((d) => d.id);
    expect(attached).to.have.length(2);
    await challenge();
  });
  after(() => app.close());

  /** Ids a `device` field may name: the account's devices, the challenged one, and others. */
  const deviceId = () => fc.oneof(fc.constantFrom(...attached, over.id), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/), wildString(40), fc.constant('x'.repeat(9_000)));
  const code = fc.oneof(fc.stringMatching(/^[0-9]{0,12}$/), fc.constantFrom('000000', '123456', ' 1 2 3 4 5 6 ', '１２３４５６'), wildString(30));
  const extra = field(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'returnTo', 'redirect', '_csrf[]', 'code[]', ''), fc.string({ maxLength: 8 })), wildString(50));

  it('refuses every POST without the right CSRF token: no 5xx, no action taken, no device lost (600 requests)', async () => {
    // Tokens that are not this form's (a token of the same bytes spelled otherwise is the right one).
    const wrongToken = fc
      .oneof(
        fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        fc.tuple(fc.nat({ max: 42 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')).map(([i, c]) => over.csrf.slice(0, i) + c + over.csrf.slice(i + 1)),
        fc.nat({ max: 42 }).map((n) => over.csrf.slice(0, n)),
        fc.constantFrom(`${over.csrf}x`, `${over.csrf}=`, over.csrf.toUpperCase(), 'x'.repeat(9_000), ''),
        wildString(60),
      )
      .filter((token) => !sameBytes(token, over.csrf));
    const form = fc.tuple(
      fc.option(fc.array(field(fc.constant('_csrf'), wrongToken), { minLength: 1, maxLength: 2 }), { freq: 5 }),
      fc.option(field(fc.constant('code'), code)),
      fc.option(field(fc.constant('device'), deviceId())),
      fc.array(extra, { maxLength: 3 }),
      fc.constantFrom('&', '&&', ';'),
    ).map(([csrf, c, d, extras, joiner]) => [...(csrf ?? []), c, d, ...extras].filter((x) => x !== null).join(joiner));
    const cases = fc.record({
      action: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ACTIONS) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z-]{1,20}$/) }),
      method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
      body: fc.oneof({ weight: 5, arbitrary: form }, { weight: 1, arbitrary: wildString(2_000) }, { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 20_000 }).map((n) => `_csrf=${'x'.repeat(n)}`) }),
      type: fc.constantFrom(...CONTENT_TYPES, CONTENT_TYPES[0]!, CONTENT_TYPES[0]!),
      cookie: fc.oneof({ weight: 6, arbitrary: fc.constant('over') }, { weight: 1, arbitrary: fc.constantFrom('attached', 'none', 'garbage') }),
      page: fc.oneof({ weight: 6, arbitrary: fc.constant('own') }, { weight: 1, arbitrary: fc.constantFrom('AAAAAAAAAAAAAAAAAAAAAA', 'constructor', 'x'.repeat(64), '%2e%2e') }),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ action, method, body, type, cookie, page }) => {
        const base = page === 'own' ? over.url : `/sharelock/challenge/${page}`;
        const path = action ? `${base}/${action}` : base;
        const cookieHeader = { over: over.cookie, attached: cookies[0]!, none: '', garbage: `sl_device=${'%'.repeat(50)}` }[cookie]!;
        let call = request(app.server)[method.toLowerCase() as 'post'](path).set(headers).set('content-type', type);
        if (cookieHeader) call = call.set('cookie', cookieHeader);
        const response = await call.send(body);
        const shown = `${method} ${path.slice(0, 80)} (${type}) ${JSON.stringify(body.slice(0, 120))}: ${response.status}`;
        expect(response.status, shown).to.be.below(500);
        // A redirect would mean the step ran; without the token each answer is a refusal page.
        if (method === 'POST') expect([403, 404, 405, 410], shown).to.include(response.status);
        await expectNothingLost();
      }),
      runs(0x5eed_0701, 600),
    );
  });

  it('with the right token, any other fields in any order of steps neither crash the pages nor log out a device without the owner’s code (300 accounts)', async () => {
    // Each case on an account of its own, so its budgets are fresh and the owner's code is really sent.
    let n = 0;
    const step = fc.record({
      action: fc.constantFrom('owner', 'owner', 'verify', 'verify', 'verify', 'resend', 'kick', 'kick', 'complete', 'logout', 'new-account'),
      code: fc.option(code),
      device: fc.option(fc.oneof(fc.constantFrom('first', 'second', 'self'), deviceId())),
      extras: fc.array(extra, { maxLength: 3 }),
      type: fc.constantFrom(CONTENT_TYPES[0]!, CONTENT_TYPES[1]!, CONTENT_TYPES[2]!),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 4 }), async (steps) => {
        const account = { ...headers, 'x-account': `owner-${n++}` };
        const jar: string[] = [];
        for (let i = 0; i < 3; i++) {
          const response = await rawRequest(app.server, 'GET', '/watch/1', { ...account, ...(jar[i] ? { cookie: jar[i]! } : {}) });
          jar.push(cookiePair((response.headers['set-cookie'] as string[]).find((c) => c.startsWith('sl_device='))!));
        }
        const ids = jar.map((cookie) => app.guard.deviceOf({ headers: { cookie } })!);
        const url = (await rawRequest(app.server, 'GET', '/watch/1', { ...account, cookie: jar[2]! })).headers.location as string;
        const csrf = csrfOf((await request(app.server).get(url).set(account).set('cookie', jar[2]!)).text)!;
        for (const { action, code: c, device, extras, type } of steps) {
          const named = device === 'first' ? ids[0]! : device === 'second' ? ids[1]! : device === 'self' ? ids[2]! : device;
          const body = [`_csrf=${csrf}`, c === null ? null : `code=${encodeURIComponent(c)}`, named === null ? null : `device=${encodeURIComponent(named)}`, ...extras].filter((x) => x !== null).join('&');
          const response = await request(app.server).post(`${url}/${action}`).set(account).set('cookie', jar[2]!).set('content-type', type).send(body);
          const shown = `POST .../${action} ${JSON.stringify(body.slice(0, 160))}: ${response.status}`;
          expect(response.status, shown).to.be.below(500);
          const devices = await app.guard.devices(account['x-account']);
          expect(devices.filter((d) => d.status === 'attached').map((d) => d.id), `${shown}: the attached devices`).to.have.members(ids.slice(0, 2));
        }
      }),
      runs(0x5eed_0702, 300),
    );
  });
});
