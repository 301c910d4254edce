import Router from '@koa/router';
import { expect } from 'chai';
import Koa from 'koa';
import Koa2 from 'koa2';
import session from 'koa-session';
import request from 'supertest';
import { createSharelock, type Options, type Sharelock, type VerdictKind } from '../../src/index.js';
import { protect, sharelock, type SharelockState } from '../../adapters/koa/index.js';
import { koaScenarioApp } from '../support/adapters/koa.js';
import { describeAdapterScenarios } from './scenarios.js';


describeAdapterScenarios('Koa 3', (options) => koaScenarioApp(Koa, options));
describeAdapterScenarios('Koa 2', (options) => koaScenarioApp(Koa2, options));

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const byAccountHeader = (ctx: Koa.Context) => {
  const id = ctx.get('x-account');
  return id ? { id, email: `${id}@example.com` } : null;
};

for (const [name, framework] of [['Koa 3', Koa], ['Koa 2', Koa2]] as const) {
  describe(`${name}: what is particular to Koa`, () => {
    const guards: Sharelock[] = [];
    afterEach(async () => {
      await Promise.all(guards.splice(0).map((guard) => guard.close()));
    });

    /** A guard on `/watch/*`, one device per account. */
    function guardOf(options: Partial<Options<Koa.Context, Koa.Context>> = {}) {
      const errors: unknown[] = [];
      const guard = createSharelock<Koa.Context, Koa.Context>({
        secret,
        identify: byAccountHeader,
        protect: ['/watch/*'],
        limits: { devices: 1 },
        urls: { logout: '/logout' },
        logger: { warn: () => {}, error: (_message, error) => errors.push(error) },
        ...options,
      });
      guards.push(guard);
      return { guard, errors };
    }

    /**
     * An app whose `GET /watch/:id` answers with what sharelock left on `ctx.state`. `setUp` adds
     * the middleware that runs before sharelock.
     */
    function appWith(guard: Sharelock<Koa.Context, Koa.Context>, setUp: (app: Koa<SharelockState>) => void = () => {}) {
      const app = new framework<SharelockState>();
      app.silent = true;
      setUp(app);
      app.use(sharelock(guard));
      const router = new Router<SharelockState>();
      router.get('/watch/:id', (ctx) => {
        // Typed through `SharelockState`, no cast.
        const kind: VerdictKind | undefined = ctx.state.sharelock?.verdict.kind;
        ctx.body = { kind, accountId: ctx.state.sharelock?.accountId, deviceId: ctx.state.sharelock?.deviceId };
      });
      router.get('/live/:id', protect(guard), (ctx) => {
        ctx.body = 'live';
      });
      router.get('/broken', protect(guard), () => {
        throw new Error('the route failed');
      });
      app.use(router.routes()).use(router.allowedMethods());
      return app;
    }

    it('tells the route handler its verdict, account and device on ctx.state.sharelock', async () => {
      const { guard } = guardOf();
      const response = await request(appWith(guard).callback()).get('/watch/1').set('x-account', 'alice');
      const [device] = await guard.devices('alice');
      expect(response.body).to.deep.equal({ kind: 'allow', accountId: 'alice', deviceId: device!.id });
    });

    it('gives onLogout the Koa context, so it can end a koa-session session', async () => {
      const { guard } = guardOf({
        identify: (ctx) => ctx.session?.user && { id: ctx.session.user as string },
        onLogout: ({ req: ctx }) => {
          ctx.session = null;
        },
      });
      const app = appWith(guard, (app) => {
        app.keys = ['a-session-key-for-tests'];
        app.use(session({ key: 'app.sess' }, app));
        app.use((ctx, next) => {
          if (ctx.path !== '/login') return next();
          ctx.session!.user = 'alice';
          ctx.body = 'welcome';
        });
      });
      const browser = request.agent(app.callback());
      await browser.get('/login');
      expect((await browser.get('/watch/1')).body.accountId).to.equal('alice');

      await guard.kick('alice', (await guard.devices('alice'))[0]!.id);
      const out = await browser.get('/watch/1');
      expect([out.status, out.headers.location]).to.deep.equal([303, '/logout?reason=owner']);
      expect(out.headers['set-cookie'], 'the session cookie is cleared').to.satisfy((cookies: string[]) => cookies.some((c) => c.startsWith('app.sess=;')));
      expect((await browser.get('/watch/1')).body, 'signed out: no account any more').to.deep.equal({ kind: 'allow' });
    });

    it('reads challenge forms a body parser already parsed onto ctx.request.body', async () => {
      const { guard } = guardOf();
      // What @koa/bodyparser does: consume the stream, leave the fields on ctx.request.body.
      const app = appWith(guard, (app) =>
        app.use(async (ctx, next) => {
          if (ctx.is('application/x-www-form-urlencoded')) {
            let raw = '';
            for await (const chunk of ctx.req) raw += chunk;
            (ctx.request as { body?: unknown }).body = Object.fromEntries(new URLSearchParams(raw));
          }
          await next();
        }),
      );
      const first = request.agent(app.callback());
      const second = request.agent(app.callback());
      await first.get('/watch/1').set('x-account', 'alice');
      const url = (await second.get('/watch/1').set('x-account', 'alice')).headers.location as string;
      const intro = await second.get(url);
      const owner = await second.post(`${url}/owner`).type('form').send({ _csrf: csrfOf(intro.text) });
      expect([owner.status, owner.headers.location]).to.deep.equal([303, `${url}/verify`]);
    });

    it('answers a HEAD request for a challenge page with its headers and no body', async () => {
      const { guard } = guardOf();
      const app = appWith(guard);
      await request(app.callback()).get('/watch/1').set('x-account', 'alice');
      const second = request.agent(app.callback());
      const url = (await second.get('/watch/1').set('x-account', 'alice')).headers.location as string;
      const head = await second.head(url);
      expect([head.status, head.headers['content-type'], head.text]).to.deep.equal([200, 'text/html; charset=utf-8', undefined]);
      expect(Number(head.headers['content-length'])).to.be.greaterThan(0);
    });

    it('lets the request through when identify() fails', async () => {
      const { guard } = guardOf({
        identify: () => {
          throw new Error('the session store is down');
        },
      });
      const response = await request(appWith(guard).callback()).get('/watch/1');
      expect([response.status, response.body]).to.deep.equal([200, { kind: 'allow' }]);
      expect(guard.stats().identifyFailures).to.equal(1);
    });

    it('decides a request once when a pattern and protect() with the same options both cover it', async () => {
      const { guard } = guardOf({ protect: ['/watch/*', '/live/*'] });
      const response = await request(appWith(guard).callback()).get('/live/1').set('x-account', 'alice');
      expect([response.status, response.headers['set-cookie']?.length]).to.deep.equal([200, 1]);
      expect(guard.stats().decisions).to.equal(1);
    });

    it('throws invalid route options when protect() is called, not on a request', () => {
      const { guard } = guardOf();
      expect(() => protect(guard, { limits: { devices: 0 } })).to.throw(/devices/);
    });

    it("hands a failing decision to Koa's error handling, never to an unhandled rejection", async () => {
      const { guard } = guardOf();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        // An app's own error middleware catches it like any other error...
        const caught: unknown[] = [];
        const app = appWith(guard, (app) =>
          app.use(async (ctx, next) => {
            try {
              await next();
            } catch (error) {
              caught.push(error);
              ctx.status = 503;
            }
          }),
        );
        await guard.close();
        expect((await request(app.callback()).get('/watch/1').set('x-account', 'alice')).status).to.equal(503);
        expect(caught).to.have.length(1).and.to.satisfy(([error]: Array<{ code?: string }>) => error?.code === 'SHARELOCK_E_CLOSED');

        // ...and without one, Koa answers 500 and emits 'error'.
        const plain = appWith(guard);
        const emitted: unknown[] = [];
        plain.on('error', (error) => emitted.push(error));
        expect((await request(plain.callback()).get('/watch/1').set('x-account', 'alice')).status).to.equal(500);
        expect(emitted).to.have.length(1);
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).to.deep.equal([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it("lets an error thrown by a guarded route reach Koa's error handling", async () => {
      const { guard } = guardOf();
      const app = appWith(guard);
      const emitted: Error[] = [];
      app.on('error', (error: Error) => emitted.push(error));
      const response = await request(app.callback()).get('/broken').set('x-account', 'alice');
      expect(response.status).to.equal(500);
      expect(emitted.map((e) => e.message)).to.deep.equal(['the route failed']);
    });
  });
}
