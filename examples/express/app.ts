import express from 'express';
import session from 'express-session';
import { createSharelock, days, SharelockError, type Options, type Store } from 'sharelock';
import { sharelock } from 'sharelock/express';
import { parseDuration } from '../shared/dev.js';
import { identityOf, streamlyOptions } from '../shared/streamly.js';
import { findUser, isAdmin, type User } from '../shared/users.js';
import { escape, layout, loggedOutPage, loginForm } from '../shared/views.js';
import { DevWebhookReceiver, webhooksPage } from '../shared/webhooks.js';

declare module 'express-session' {
  interface SessionData {
    user: User;
  }
}

const MAX_ADVANCE_MS = days(400);

/** The example's prices, recorded as a conversion's revenue when a challenged visitor signs up. */
const PLANS: Record<string, { amount: number; currency: string }> = { premium: { amount: 9.99, currency: 'EUR' }, family: { amount: 14.99, currency: 'EUR' } };

const signupForm = `<p>Your own plan, your own devices.</p>
<form method="post" action="/signup"><label>Name <input name="user" autocomplete="username" required></label>
<label><input type="radio" name="plan" value="premium" checked> Premium, 9.99 EUR a month (2 devices)</label>
<label><input type="radio" name="plan" value="family"> Family, 14.99 EUR a month (4 devices)</label> <button>Sign up</button></form>`;

export interface ExampleOptions {
  store?: Store;
  /** Another Express (e.g. Express 4, for tests). Default: the installed `express`. */
  express?: typeof express;
  /** Extra sharelock options, e.g. a fake clock in tests. */
  sharelock?: Partial<Options<express.Request, express.Response>>;
  /**
   * Where this app's own development webhook receiver is reached, or `false` for none. Default
   * `http://localhost:${PORT ?? 3000}/dev/webhooks/receive`. Development only.
   */
  webhookUrl?: string | false;
}


/**
 * "Streamly": a small streaming site with a paid area at `/watch/:id`, limited to 2 devices per
 * account (the family plan: 4, at most 2 phones). Everything sharelock-specific is in
 * `createSharelock()` and the two `use` lines; `/dev/*` are development aids.
 */
export function createExampleApp(options: ExampleOptions = {}) {
  const framework = options.express ?? express;
  const app = framework();
  const { shared, clock, decisions } = streamlyOptions(options);
  // Development: every event goes, signed, to this app's own receiver (see /dev/webhooks).
  const devWebhooks = new DevWebhookReceiver();
  const webhookUrl = (shared.production ?? process.env.NODE_ENV === 'production') ? false : (options.webhookUrl ?? `http://localhost:${process.env.PORT ?? 3000}/dev/webhooks/receive`);
  const guard = createSharelock<express.Request, express.Response>({
    identify: (req) => identityOf(req.session.user, req.sessionID),
    onLogout: ({ req }) => new Promise<void>((done) => req.session.destroy(() => done())),
    protect: ['/watch/*'],
    limits: { devices: 2 },
    ...(webhookUrl ? { webhooks: devWebhooks.options(webhookUrl) } : {}),
    ...shared,
  });
  if (!guard.config.production) guard.on('decision', decisions.add);
  // The sharing dashboard at /admin/sharing, for the signed-in admin only (everyone else gets a 403).
  guard.dashboard({ authorize: (req) => isAdmin(req.session.user) });

  app.disable('x-powered-by');
  app.use(session({ secret: 'streamly-session-secret', resave: false, saveUninitialized: false, name: 'streamly.sid' }));
  app.use(framework.urlencoded({ extended: false, limit: '8kb' }));
  app.use(sharelock(guard));

  app.get('/', (req, res) => {
    const user = req.session.user;
    res.send(layout('Welcome to Streamly', user, user ? '<p><a href="/watch/1">Watch episode 1</a> · <a href="/watch/2">episode 2</a></p>' : loginForm));
  });
  app.get('/login', (req, res) => res.send(layout('Log in', req.session.user, loginForm)));
  app.post('/login', (req, res, next) => {
    const user = findUser(req.body?.user);
    if (!user) return void res.status(400).send(layout('Log in', undefined, `<p role="alert">Use letters and digits only.</p>${loginForm}`));
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = user;
      res.redirect(303, '/');
    });
  });
  app.get('/logout', (req, res) => {
    req.session.destroy(() => res.send(loggedOutPage(req.query.reason)));
  });
  app.get('/signup', (req, res) => res.send(layout('Create your own account', req.session.user, signupForm)));
  app.post('/signup', async (req, res, next) => {
    const name = findUser(req.body?.user);
    const plan = PLANS[String(req.body?.plan)] ? String(req.body?.plan) : 'premium';
    if (!name) return void res.status(400).send(layout('Create your own account', req.session.user, `<p role="alert">Use letters and digits only.</p>${signupForm}`));
    const user: User = { ...name, plan: plan as User['plan'] };
    try {
      // The visitor's own account from now on. If this device was challenged on a shared account
      // (or logged out by its owner) lately, sharelock records it as a conversion, with the price.
      const conversion = await guard.trackConversion(req, { account: user.id, plan, revenue: PLANS[plan]! });
      req.session.regenerate((error) => {
        if (error) return next(error);
        req.session.user = user;
        const note = conversion.recorded ? `<p><small>sharelock: a conversion from the shared account <strong>${escape(conversion.conversion.fromAccountId)}</strong> (${escape(conversion.conversion.reason ?? 'logged out')}).</small></p>` : '';
        res.send(layout(`Welcome, ${user.name}`, user, `<p>Your own ${plan} plan: ${PLANS[plan]!.amount} ${PLANS[plan]!.currency} a month, on your own devices.</p>${note}<p><a href="/watch/1">Watch episode 1</a></p>`));
      });
    } catch (error) {
      next(error);
    }
  });
  app.get('/suspended', (req, res) => res.status(403).send(layout('Account suspended', req.session.user, '<p>Contact support.</p>')));
  app.get('/watch/:id', (req, res) => {
    res.send(layout(`Episode ${escape(req.params.id ?? '')}`, req.session.user, '<p>▶ Now playing. Only paying accounts get here, on at most 2 devices (4 on the family plan).</p>'));
  });
  app.get('/dev/outbox', (req, res) => {
    if (!guard.outbox) return void res.status(404).send(layout('No outbox', req.session.user, '<p>Codes are sent by the configured senders.</p>'));
    const rows = [...guard.outbox.messages].reverse().map((m) => `<li><code>${escape(m.code)}</code> to ${escape(m.to)} (${m.channel}) at ${new Date(m.expiresAt - guard.config.challenge.codeTtlMs).toISOString()}</li>`);
    res.send(layout('Development outbox', req.session.user, `<p>Verification codes sharelock "sent" (development only).</p><ul>${rows.join('') || '<li>None yet.</li>'}</ul>`));
  });
  if (webhookUrl) {
    // Development only: the app's own webhook receiver. A real one lives in another service and does the same: verify, deduplicate by id, act.
    app.post('/dev/webhooks/receive', framework.text({ type: 'application/json', limit: '1mb' }), (req, res) => {
      const received = devWebhooks.receive(req.body, req.headers);
      if (received.ok) res.status(204).end();
      else res.status(400).json({ error: received.error });
    });
    app.get('/dev/webhooks', async (req, res, next) => {
      try {
        const deadLetters = await guard.webhooks.deadLetters({ limit: 20 });
        if (req.accepts(['html', 'json']) === 'json') return void res.json({ received: devWebhooks.list(), deadLetters });
        res.send(layout('Development webhooks', req.session.user, webhooksPage(devWebhooks.list(), deadLetters)));
      } catch (error) {
        next(error);
      }
    });
    app.post('/dev/webhooks/retry', async (req, res, next) => {
      try {
        await guard.webhooks.retry(String(req.body?.id));
        res.redirect(303, '/dev/webhooks');
      } catch (error) {
        next(error);
      }
    });
  }
  if (!guard.config.production) {
    // Development only: move the clock forward (`advance=1d`, `3h`, `90m`), and see the latest verdicts with their reasons.
    app.get('/dev/clock', (_req, res) => void res.json(clock));
    app.post('/dev/clock', (req, res) => {
      const ms = parseDuration(req.body?.advance);
      if (ms === undefined || ms > MAX_ADVANCE_MS) return void res.status(400).json({ error: 'Send advance=<n><d|h|m|s|ms>, e.g. advance=1d or advance=3h30m, at most 400 days.' });
      clock.advance(ms);
      res.json(clock);
    });
    app.get('/dev/insights', async (req, res, next) => {
      // What `guard.insights()` returns (challenges by kind and outcome, conversions, revenue), with the latest conversions.
      const range = { ...(typeof req.query.from === 'string' ? { from: req.query.from } : {}), ...(typeof req.query.to === 'string' ? { to: req.query.to } : {}) };
      try {
        const [insights, conversions] = await Promise.all([guard.insights(range), guard.conversions({ ...range, limit: 20 })]);
        res.json({ now: new Date(clock.now()).toISOString(), ...insights, conversions });
      } catch (error) {
        if (error instanceof SharelockError && error.code === 'SHARELOCK_E_INSIGHTS_RANGE') return void res.status(400).json({ error: error.message });
        next(error);
      }
    });
    app.get('/dev/decisions', (req, res) => {
      const account = typeof req.query.account === 'string' ? req.query.account : undefined;
      const after = typeof req.query.after === 'string' ? Number(req.query.after) || 0 : 0;
      res.json({ now: new Date(clock.now()).toISOString(), decisions: decisions.list({ ...(account ? { account } : {}), after }) });
    });
  }
  return { app, guard, clock };
}
