import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createSharelock, SharelockError } from '../../src/index.js';
import { ACCOUNT_TOKEN_TTL_MS, DashboardTokens } from '../../src/dashboard/tokens.js';
import { expressScenarioApp } from '../support/adapters/express.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const quiet = { warn: () => {}, error: () => {} };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof SharelockError ? error.message : String(error);
  }
  return undefined;
}

describe('guard.dashboard()', () => {
  const guard = () => createSharelock({ secret: SECRET, identify: () => null, logger: quiet });

  it('refuses to start without authorize, saying there is no default and how to write one', () => {
    for (const options of [undefined, {}, { authorize: true }, { path: '/admin' }]) {
      const message = codeOf(() => guard().dashboard(options as never));
      expect(message, JSON.stringify(options)).to.match(/^SHARELOCK_E_DASHBOARD_AUTHORIZE: /);
      expect(message).to.include('authorize');
    }
  });

  it('rejects unknown options, bad paths and a second call', () => {
    expect(codeOf(() => guard().dashboard({ authorize: () => true, pth: '/x' } as never))).to.match(/^SHARELOCK_E_OPTION_UNKNOWN: Unknown option `dashboard.pth`/);
    for (const path of ['admin', '/', '/a b', '/x?y', 42]) {
      expect(codeOf(() => guard().dashboard({ authorize: () => true, path: path as never })), String(path)).to.match(/^SHARELOCK_E_OPTION_INVALID: Invalid `dashboard.path`/);
    }
    const twice = guard();
    expect(twice.dashboard({ authorize: () => true }).path).to.equal('/admin/sharing');
    expect(codeOf(() => twice.dashboard({ authorize: () => true }))).to.match(/^SHARELOCK_E_OPTION_INVALID: guard.dashboard\(\) was already called/);
  });

  it('serves its own path, and refuses when authorize throws or answers anything but true', async () => {
    let answer: unknown = 'yes';
    const app = await expressScenarioApp(express);
    app.guard.dashboard({ authorize: () => (answer instanceof Error ? Promise.reject(answer) : (answer as boolean)), path: '/staff/sharing/' });
    try {
      expect((await request(app.server).get('/staff/sharing')).status, 'truthy is not true').to.equal(403);
      answer = new Error('session store down');
      expect((await request(app.server).get('/staff/sharing')).status, 'a throw refuses').to.equal(403);
      answer = true;
      expect((await request(app.server).get('/staff/sharing')).status).to.equal(200);
      expect((await request(app.server).get('/staff/sharing/nope')).status).to.equal(404);
      expect((await request(app.server).delete('/staff/sharing')).status).to.equal(405);
      expect((await request(app.server).get('/admin/sharing')).status, 'not the default path').to.equal(404);
    } finally {
      await app.close();
    }
  });

  it("challenges a device's next request after the admin confirms \"Challenge\"", async () => {
    const app = await expressScenarioApp(express);
    app.guard.dashboard({ authorize: () => true });
    try {
      const device = request.agent(app.server);
      expect((await device.get('/watch/1').set('x-account', 'acct-7')).status).to.equal(200);
      const admin = request.agent(app.server);
      const csrf = /name="_csrf" value="([^"]+)"/.exec((await admin.get('/admin/sharing')).text)![1]!;
      const location = (await admin.post('/admin/sharing/account').type('form').send({ account: 'acct-7', _csrf: csrf })).headers.location as string;
      const page = (await admin.get(location)).text;
      const t = new URL(location, 'http://x').searchParams.get('t')!;
      const deviceId = /name="action" value="challenge"><input type="hidden" name="device" value="([^"]+)"/.exec(page)![1]!;
      const asked = await admin.post('/admin/sharing/action').type('form').send({ _csrf: csrf, t, action: 'challenge', device: deviceId });
      expect(asked.text).to.include('Challenge the next request?');
      expect((await device.get('/watch/1').set('x-account', 'acct-7')).status, 'not before the confirmation').to.equal(200);
      const done = await admin.post('/admin/sharing/action').type('form').send({ _csrf: csrf, t, action: 'challenge', device: deviceId, confirm: 'yes' });
      expect(done.headers.location).to.match(/&done=challenge$/);
      const next = await device.get('/watch/1').set('x-account', 'acct-7').set('accept', 'text/html');
      expect(next.status).to.equal(303);
      expect(next.headers.location).to.match(/\/challenge\//);
    } finally {
      await app.close();
    }
  });

  it('links to an account for 30 minutes with a token that names nobody and cannot be forged', () => {
    const now = Date.UTC(2026, 0, 5);
    const tokens = new DashboardTokens([Buffer.from(SECRET)]);
    const token = tokens.seal('alice@example.com', now);
    expect(token).not.to.include('alice');
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.to.include('alice');
    expect(tokens.open(token, now + ACCOUNT_TOKEN_TTL_MS - 1)).to.equal('alice@example.com');
    expect(tokens.open(token, now + ACCOUNT_TOKEN_TTL_MS)).to.equal(undefined);
    expect(new DashboardTokens([Buffer.from(`${SECRET}-other`)]).open(token, now)).to.equal(undefined);
    expect(new DashboardTokens([Buffer.from(`${SECRET}-new`), Buffer.from(SECRET)]).open(token, now), 'a rotated-out secret still opens it').to.equal('alice@example.com');
    const flipped = Buffer.from(token, 'base64url');
    flipped[flipped.length - 1]! ^= 1;
    expect(tokens.open(flipped.toString('base64url'), now)).to.equal(undefined);
  });

  it('binds the CSRF token to the dashboard cookie it was issued for', () => {
    const tokens = new DashboardTokens([Buffer.from(SECRET)]);
    const cookie = DashboardTokens.cookieValue();
    expect(tokens.verifyCsrf(cookie, tokens.csrf(cookie))).to.equal(true);
    expect(tokens.verifyCsrf(DashboardTokens.cookieValue(), tokens.csrf(cookie))).to.equal(false);
    expect(tokens.verifyCsrf(undefined, tokens.csrf(cookie))).to.equal(false);
    expect(tokens.verifyCsrf(cookie, undefined)).to.equal(false);
  });
});
