import formbody from '@fastify/formbody';
import { expect } from 'chai';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import express from 'express';
import Koa from 'koa';
import type { Server } from 'node:http';
import request from 'supertest';
import { sharelock as fastifySharelock } from '../../adapters/fastify/index.js';
import { firstValue } from '../../src/http/request.js';
import { createSharelock, type Sharelock } from '../../src/index.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { koaScenarioApp } from '../support/adapters/koa.js';
import { headerOn, nestScenarioApp } from '../support/adapters/nest.js';
import { scenarioSetup } from '../support/adapters/contract.js';

/** Each framework's app with the dashboard turned on; `x-admin: yes` is who the app's `authorize` lets in. */
interface DashboardApp {
  server: Server;
  guard: Sharelock<any, any>;
  close(): Promise<void>;
}

const header = (req: any, name: string): string | undefined => {
  if (typeof req.get === 'function') return req.get(name) || undefined; // Express request, Koa ctx
  return firstValue(req.headers?.[name]); // Fastify request
};

const apps: Record<string, () => Promise<DashboardApp>> = {
  Express: async () => {
    const app = await expressScenarioApp(express);
    app.guard.dashboard({ authorize: (req) => header(req, 'x-admin') === 'yes' });
    return app;
  },
  Koa: async () => {
    const app = await koaScenarioApp(Koa);
    app.guard.dashboard({ authorize: async (ctx) => header(ctx, 'x-admin') === 'yes' });
    return app;
  },
  Fastify: async () => {
    const { options } = scenarioSetup<FastifyRequest>((req, name) => firstValue(req.headers[name]));
    const guard = createSharelock<FastifyRequest, FastifyReply>(options);
    // Before the plugin is registered: Fastify's routes are fixed when it registers.
    guard.dashboard({ authorize: (req) => firstValue(req.headers['x-admin']) === 'yes' });
    const app = Fastify();
    await app.register(formbody);
    await app.register(fastifySharelock, { guard });
    app.get('/watch/:id', async () => 'playing');
    await app.ready();
    return { server: app.server, guard, close: async () => (await app.close(), await guard.close()) };
  },
  'Nest (platform-express)': async () => {
    const app = await nestScenarioApp('express');
    app.guard.dashboard({ authorize: (req) => headerOn.express(req, 'x-admin') === 'yes' });
    return app;
  },
  'Nest (platform-fastify)': async () => {
    const app = await nestScenarioApp('fastify');
    app.guard.dashboard({ authorize: (req) => headerOn.fastify(req, 'x-admin') === 'yes' });
    return app;
  },
};

for (const [name, make] of Object.entries(apps)) {
  describe(`the dashboard on ${name}`, () => {
    let app: DashboardApp;
    before(async () => {
      app = await make();
      // Two devices of one account, so there is something to show.
      for (let n = 0; n < 2; n++) await request(app.server).get('/watch/1').set('x-account', 'acct-42').set('user-agent', `agent ${n}`);
    });
    after(() => app?.close());

    it('refuses whoever authorize() rejects, on every dashboard path, with a 403 and no data', async () => {
      for (const [method, path] of [['get', '/admin/sharing'], ['get', '/admin/sharing/account?t=x'], ['post', '/admin/sharing/account'], ['post', '/admin/sharing/action']] as const) {
        const response = await request(app.server)[method](path).set('x-account', 'acct-42').type('form').send(method === 'post' ? { account: 'acct-42' } : undefined);
        expect(response.status, `${method} ${path}`).to.equal(403);
        expect(response.text).not.to.include('acct-42');
      }
    });

    it('shows the overview to the admin under a strict CSP, and opens an account by a POSTed id, then an opaque link', async () => {
      const agent = request.agent(app.server);
      const overview = await agent.get('/admin/sharing').set('x-admin', 'yes');
      expect(overview.status).to.equal(200);
      expect(overview.headers['content-security-policy']).to.match(/^default-src 'none'; style-src 'self';/);
      expect(overview.text).to.include('Accounts most likely shared');
      const stylesheet = /href="(\/admin\/sharing\/assets\/[^"]+\.css)"/.exec(overview.text)![1]!;
      const css = await agent.get(stylesheet);
      expect(css.status).to.equal(200);
      expect(css.headers['content-type']).to.match(/^text\/css/);
      expect(css.headers['cache-control']).to.include('immutable');

      const csrf = /name="_csrf" value="([^"]+)"/.exec(overview.text)![1]!;
      const refused = await agent.post('/admin/sharing/account').set('x-admin', 'yes').type('form').send({ account: 'acct-42' });
      expect(refused.status, 'no CSRF token').to.equal(403);
      const opened = await agent.post('/admin/sharing/account').set('x-admin', 'yes').type('form').send({ account: 'acct-42', _csrf: csrf });
      expect(opened.status).to.equal(303);
      expect(opened.headers.location).to.match(/^\/admin\/sharing\/account\?t=[A-Za-z0-9_-]+$/);
      expect(opened.headers.location).not.to.include('acct-42');
      const account = await agent.get(opened.headers.location as string).set('x-admin', 'yes');
      expect(account.status).to.equal(200);
      expect(account.text).to.include('Account acct-42');
      expect(account.text.match(/name="action" value="detach"/g)).to.have.length(2);
    });

    it('suspends an account only after the confirmation step', async () => {
      const agent = request.agent(app.server);
      const overview = await agent.get('/admin/sharing').set('x-admin', 'yes');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(overview.text)![1]!;
      const location = (await agent.post('/admin/sharing/account').set('x-admin', 'yes').type('form').send({ account: 'acct-42', _csrf: csrf })).headers.location as string;
      const t = new URL(location, 'http://x').searchParams.get('t')!;
      const asked = await agent.post('/admin/sharing/action').set('x-admin', 'yes').type('form').send({ _csrf: csrf, t, action: 'suspend' });
      expect(asked.status).to.equal(200);
      expect(asked.text).to.include('Suspend this account?');
      const before = await request(app.server).get('/watch/1').set('x-account', 'acct-42').set('accept', 'text/html');
      expect(before.headers.location, 'not suspended yet: a third device is challenged').to.match(/\/challenge\//);
      const done = await agent.post('/admin/sharing/action').set('x-admin', 'yes').type('form').send({ _csrf: csrf, t, action: 'suspend', confirm: 'yes' });
      expect(done.status).to.equal(303);
      expect(done.headers.location).to.match(/&done=suspend$/);
      const after = await request(app.server).get('/watch/1').set('x-account', 'acct-42').set('accept', 'text/html');
      expect(after.headers.location).to.equal('/suspended');
      const page = await agent.get(done.headers.location as string).set('x-admin', 'yes');
      expect(page.text).to.include('The account is suspended.');
      expect(page.text).to.include('value="unsuspend"');
    });
  });
}
