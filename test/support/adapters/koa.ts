import Router from '@koa/router';
import type Koa from 'koa';
import { createServer } from 'node:http';
import { createSharelock, type Options } from '../../../src/index.js';
import { protect, sharelock, type SharelockState } from '../../../adapters/koa/index.js';
import { scenarioSetup, type ScenarioApp } from './contract.js';

/** The scenario app (see `ScenarioApp`) on Koa with `@koa/router`; `framework` may be Koa 2. */
export async function koaScenarioApp(framework: typeof Koa, overrides?: Partial<Options>): Promise<ScenarioApp> {
  const { options, clock, logouts } = scenarioSetup<Koa.Context>((ctx, name) => ctx.get(name) || undefined, overrides);
  const guard = createSharelock<Koa.Context, Koa.Context>(options);
  const app = new framework<SharelockState>();
  app.use(sharelock(guard));

  const router = new Router<SharelockState>();
  router.get('/watch/:id', (ctx) => {
    const state = ctx.state.sharelock;
    if (state) ctx.set('x-verdict', state.verdict.kind);
    ctx.body = `playing ${ctx.params.id}`;
  });
  router.get('/live/:id', protect(guard, { limits: { devices: 1 } }), (ctx) => {
    ctx.body = 'live';
  });
  router.get('/api/premium/:id', (ctx) => {
    ctx.body = { ok: true };
  });
  router.post('/api/premium/:id', (ctx) => {
    ctx.body = { posted: true };
  });
  router.get('/free', (ctx) => {
    ctx.body = 'free';
  });
  const kids = new Router<SharelockState>();
  kids.get('/shows/:id', (ctx) => {
    ctx.body = `kids ${ctx.params.id}`;
  });
  kids.get('/live/:id', protect(guard, { limits: { devices: 1 } }), (ctx) => {
    ctx.body = 'kids live';
  });
  router.use('/kids', kids.routes(), kids.allowedMethods());
  app.use(router.routes()).use(router.allowedMethods());

  const server = createServer(app.callback());
  return {
    server,
    guard,
    clock,
    logouts,
    close: async () => {
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await guard.close();
    },
  };
}
