import fastifyCookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createSharelock, days, type Options, type Store } from 'sharelock';
import { sharelock } from 'sharelock/fastify';
import { parseDuration } from '../shared/dev.js';
import { identityOf, streamlyOptions } from '../shared/streamly.js';
import { findUser, isAdmin, type User } from '../shared/users.js';
import { escape, layout, loggedOutPage, loginForm } from '../shared/views.js';

declare module 'fastify' {
  interface Session {
    user?: User;
  }
}

const MAX_ADVANCE_MS = days(400);
/** The example's forms are a field or two. */
const MAX_FORM_BYTES = 8 * 1024;

export interface ExampleOptions {
  store?: Store;
  /** Extra sharelock options, e.g. a fake clock in tests. */
  sharelock?: Partial<Options<FastifyRequest, FastifyReply>>;
}


const html = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body);

/**
 * "Streamly" on Fastify: a small streaming site with a paid area at `/watch/:id`, limited to 2
 * devices per account (the family plan: 4, at most 2 phones). Everything sharelock-specific is in
 * `createSharelock()`, `app.register(sharelock, { guard })` and the route's `config.sharelock`;
 * `/dev/*` are development aids.
 */
export async function createExampleApp(options: ExampleOptions = {}) {
  const app = Fastify();
  const { shared, clock, decisions } = streamlyOptions(options);
  const guard = createSharelock<FastifyRequest, FastifyReply>({
    identify: (req) => identityOf(req.session.user, req.session.sessionId),
    onLogout: ({ req }) => req.session.destroy(),
    ...shared,
  });
  if (!guard.config.production) guard.on('decision', decisions.add);
  // The sharing dashboard at /admin/sharing, for the signed-in admin only; before the plugin registers its routes.
  guard.dashboard({ authorize: (req) => isAdmin(req.session.user) });

  await app.register(fastifyCookie);
  await app.register(fastifySession, { secret: 'streamly-session-secret-for-this-example-only', cookieName: 'streamly.sid', cookie: { secure: 'auto' }, saveUninitialized: false });
  await app.register(formbody, { bodyLimit: MAX_FORM_BYTES });
  await app.register(sharelock, { guard });

  app.get('/', async (req, reply) => {
    const user = req.session.user;
    return html(reply, layout('Welcome to Streamly', user, user ? '<p><a href="/watch/1">Watch episode 1</a> · <a href="/watch/2">episode 2</a></p>' : loginForm));
  });
  app.get('/login', async (req, reply) => html(reply, layout('Log in', req.session.user, loginForm)));
  app.post<{ Body: { user?: string } | undefined }>('/login', async (req, reply) => {
    const user = findUser(req.body?.user);
    if (!user) return html(reply, layout('Log in', undefined, `<p role="alert">Use letters and digits only.</p>${loginForm}`), 400);
    await req.session.regenerate();
    req.session.user = user;
    return reply.redirect('/', 303);
  });
  app.get('/logout', async (req, reply) => {
    await req.session.destroy();
    return html(reply, loggedOutPage((req.query as { reason?: unknown }).reason));
  });
  app.get('/signup', async (req, reply) => html(reply, layout('Create your own account', req.session.user, '<p>Your own plan, your own devices. (This is where your sign-up form goes.)</p>')));
  app.get('/suspended', async (req, reply) => html(reply, layout('Account suspended', req.session.user, '<p>Contact support.</p>'), 403));
  // The paid area: 2 devices per account (the family plan's own limits win).
  app.get<{ Params: { id: string } }>('/watch/:id', { config: { sharelock: { limits: { devices: 2 } } } }, async (req, reply) =>
    html(reply, layout(`Episode ${escape(req.params.id)}`, req.session.user, '<p>▶ Now playing. Only paying accounts get here, on at most 2 devices (4 on the family plan).</p>')),
  );
  app.get('/dev/outbox', async (req, reply) => {
    if (!guard.outbox) return html(reply, layout('No outbox', req.session.user, '<p>Codes are sent by the configured senders.</p>'), 404);
    const rows = [...guard.outbox.messages].reverse().map((m) => `<li><code>${escape(m.code)}</code> to ${escape(m.to)} (${m.channel}) at ${new Date(m.expiresAt - guard.config.challenge.codeTtlMs).toISOString()}</li>`);
    return html(reply, layout('Development outbox', req.session.user, `<p>Verification codes sharelock "sent" (development only).</p><ul>${rows.join('') || '<li>None yet.</li>'}</ul>`));
  });
  if (!guard.config.production) {
    // Development only: move the clock forward (`advance=1d`, `3h`, `90m`), and see the latest verdicts with their reasons.
    app.get('/dev/clock', async () => clock);
    app.post<{ Body: { advance?: string } | undefined }>('/dev/clock', async (req, reply) => {
      const ms = parseDuration(req.body?.advance);
      if (ms === undefined || ms > MAX_ADVANCE_MS) return reply.code(400).send({ error: 'Send advance=<n><d|h|m|s|ms>, e.g. advance=1d or advance=3h30m, at most 400 days.' });
      clock.advance(ms);
      return clock;
    });
    app.get<{ Querystring: { account?: unknown; after?: unknown } }>('/dev/decisions', async (req) => {
      const { account, after } = req.query;
      return { now: new Date(clock.now()).toISOString(), decisions: decisions.list({ ...(typeof account === 'string' ? { account } : {}), after: typeof after === 'string' ? Number(after) || 0 : 0 }) };
    });
  }
  return { app, guard, clock };
}
