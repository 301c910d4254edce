import Router from '@koa/router';
import Koa from 'koa';
import session from 'koa-session';
import { createSharelock, days, type Options, type Store } from 'sharelock';
import { protect, sharelock, type SharelockState } from 'sharelock/koa';
import { parseDuration } from '../shared/dev.js';
import { identityOf, streamlyOptions } from '../shared/streamly.js';
import { findUser, isAdmin, type User } from '../shared/users.js';
import { escape, layout, loggedOutPage, loginForm } from '../shared/views.js';

const MAX_ADVANCE_MS = days(400);
/** The example's forms are a field or two. */
const MAX_FORM_BYTES = 8 * 1024;

export interface ExampleOptions {
  store?: Store;
  /** Another Koa (e.g. Koa 2, for tests). Default: the installed `koa`. */
  koa?: typeof Koa;
  /** Extra sharelock options, e.g. a fake clock in tests. */
  sharelock?: Partial<Options<Koa.Context, Koa.Context>>;
}


/** The signed-in user, kept in the koa-session cookie. */
const userOf = (ctx: Koa.Context): User | undefined => ctx.session?.user;

/**
 * "Streamly" on Koa: a small streaming site with a paid area at `/watch/:id`, limited to 2 devices
 * per account (the family plan: 4, at most 2 phones). Everything sharelock-specific is in
 * `createSharelock()`, `app.use(sharelock(guard))` and `protect(guard)`; `/dev/*` are development aids.
 */
export function createExampleApp(options: ExampleOptions = {}) {
  const app = new (options.koa ?? Koa)<SharelockState>();
  const { shared, clock, decisions } = streamlyOptions(options);
  const guard = createSharelock<Koa.Context, Koa.Context>({
    identify: (ctx) => identityOf(userOf(ctx)),
    onLogout: ({ req: ctx }) => {
      ctx.session = null;
    },
    ...shared,
  });
  if (!guard.config.production) guard.on('decision', decisions.add);
  // The sharing dashboard at /admin/sharing, for the signed-in admin only (everyone else gets a 403).
  guard.dashboard({ authorize: (ctx) => isAdmin(userOf(ctx)) });

  app.keys = ['streamly-session-secret'];
  app.use(session({ key: 'streamly.sid' }, app));
  app.use(sharelock(guard));

  const router = new Router<SharelockState>();
  router.get('/', (ctx) => {
    const user = userOf(ctx);
    ctx.body = layout('Welcome to Streamly', user, user ? '<p><a href="/watch/1">Watch episode 1</a> · <a href="/watch/2">episode 2</a></p>' : loginForm);
  });
  router.get('/login', (ctx) => {
    ctx.body = layout('Log in', userOf(ctx), loginForm);
  });
  router.post('/login', async (ctx) => {
    const user = findUser((await readUrlencoded(ctx)).user);
    if (!user) {
      ctx.status = 400;
      ctx.body = layout('Log in', undefined, `<p role="alert">Use letters and digits only.</p>${loginForm}`);
      return;
    }
    ctx.session!.user = user;
    ctx.status = 303;
    ctx.redirect('/');
  });
  router.get('/logout', (ctx) => {
    ctx.session = null;
    ctx.body = loggedOutPage(ctx.query.reason);
  });
  router.get('/signup', (ctx) => {
    ctx.body = layout('Create your own account', userOf(ctx), '<p>Your own plan, your own devices. (This is where your sign-up form goes.)</p>');
  });
  router.get('/suspended', (ctx) => {
    ctx.status = 403;
    ctx.body = layout('Account suspended', userOf(ctx), '<p>Contact support.</p>');
  });
  // The paid area: 2 devices per account (the family plan's own limits win).
  router.get('/watch/:id', protect(guard, { limits: { devices: 2 } }), (ctx) => {
    ctx.body = layout(`Episode ${escape(ctx.params.id ?? '')}`, userOf(ctx), '<p>▶ Now playing. Only paying accounts get here, on at most 2 devices (4 on the family plan).</p>');
  });
  router.get('/dev/outbox', (ctx) => {
    if (!guard.outbox) {
      ctx.status = 404;
      ctx.body = layout('No outbox', userOf(ctx), '<p>Codes are sent by the configured senders.</p>');
      return;
    }
    const rows = [...guard.outbox.messages].reverse().map((m) => `<li><code>${escape(m.code)}</code> to ${escape(m.to)} (${m.channel}) at ${new Date(m.expiresAt - guard.config.challenge.codeTtlMs).toISOString()}</li>`);
    ctx.body = layout('Development outbox', userOf(ctx), `<p>Verification codes sharelock "sent" (development only).</p><ul>${rows.join('') || '<li>None yet.</li>'}</ul>`);
  });
  if (!guard.config.production) {
    // Development only: move the clock forward (`advance=1d`, `3h`, `90m`), and see the latest verdicts with their reasons.
    router.get('/dev/clock', (ctx) => {
      ctx.body = clock;
    });
    router.post('/dev/clock', async (ctx) => {
      const ms = parseDuration((await readUrlencoded(ctx)).advance);
      if (ms === undefined || ms > MAX_ADVANCE_MS) {
        ctx.status = 400;
        ctx.body = { error: 'Send advance=<n><d|h|m|s|ms>, e.g. advance=1d or advance=3h30m, at most 400 days.' };
        return;
      }
      clock.advance(ms);
      ctx.body = clock;
    });
    router.get('/dev/decisions', (ctx) => {
      const { account, after } = ctx.query;
      ctx.body = { now: new Date(clock.now()).toISOString(), decisions: decisions.list({ ...(typeof account === 'string' ? { account } : {}), after: typeof after === 'string' ? Number(after) || 0 : 0 }) };
    });
  }
  app.use(router.routes()).use(router.allowedMethods());
  return { app, guard, clock };
}

/** The fields of a urlencoded form, read here so the example needs no body parser. */
async function readUrlencoded(ctx: Koa.Context): Promise<Record<string, string | undefined>> {
  if (!ctx.is('application/x-www-form-urlencoded')) return {};
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) ctx.throw(413, `Forms are at most ${MAX_FORM_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}
