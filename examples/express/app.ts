import express from 'express';
import session from 'express-session';
import { createSharelock, days, type Options, type Store } from 'sharelock';
import { sharelock } from 'sharelock/express';
import { parseDuration, type DecisionLog, type DevClock } from '../shared/dev.js';
import { identityOf, streamlyOptions } from '../shared/streamly.js';
import { findUser, type User } from '../shared/users.js';
import { escape, layout, loginForm } from '../shared/views.js';

declare module 'express-session' {
  interface SessionData {
    user: User;
  }
}

const MAX_ADVANCE_MS = days(400);

export interface ExampleOptions {
  store?: Store;
  /** Another Express (e.g. Express 4, for tests). Default: the installed `express`. */
  express?: typeof express;
  /** Extra sharelock options, e.g. a fake clock in tests. */
  sharelock?: Partial<Options<express.Request, express.Response>>;
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
  const guard = createSharelock<express.Request, express.Response>({
    identify: (req) => identityOf(req.session.user, req.sessionID),
    onLogout: ({ req }) => new Promise<void>((done) => req.session.destroy(() => done())),
    protect: ['/watch/*'],
    limits: { devices: 2 },
    ...shared,
  });
  if (!guard.config.production) guard.on('decision', decisions.add);

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
    req.session.destroy(() => res.send(layout('You are logged out', undefined, loginForm)));
  });
  app.get('/signup', (req, res) =>
    res.send(layout('Create your own account', req.session.user, '<p>Your own plan, your own devices. (This is where your sign-up form goes.)</p>')),
  );
  app.get('/suspended', (req, res) => res.status(403).send(layout('Account suspended', req.session.user, '<p>Contact support.</p>')));
  app.get('/watch/:id', (req, res) => {
    res.send(layout(`Episode ${escape(req.params.id ?? '')}`, req.session.user, '<p>▶ Now playing. Only paying accounts get here, on at most 2 devices (4 on the family plan).</p>'));
  });
  app.get('/dev/outbox', (req, res) => {
    if (!guard.outbox) return void res.status(404).send(layout('No outbox', req.session.user, '<p>Codes are sent by the configured senders.</p>'));
    const rows = [...guard.outbox.messages].reverse().map((m) => `<li><code>${escape(m.code)}</code> to ${escape(m.to)} (${m.channel}) at ${new Date(m.expiresAt - guard.config.challenge.codeTtlMs).toISOString()}</li>`);
    res.send(layout('Development outbox', req.session.user, `<p>Verification codes sharelock "sent" (development only).</p><ul>${rows.join('') || '<li>None yet.</li>'}</ul>`));
  });
  if (!guard.config.production) {
    // Development only: move the clock forward (`advance=1d`, `3h`, `90m`), and see the latest verdicts with their reasons.
    app.get('/dev/clock', (_req, res) => void res.json(clock));
    app.post('/dev/clock', (req, res) => {
      const ms = parseDuration(req.body?.advance);
      if (ms === undefined || ms > MAX_ADVANCE_MS) return void res.status(400).json({ error: 'Send advance=<n><d|h|m|s|ms>, e.g. advance=1d or advance=3h30m, at most 400 days.' });
      clock.advance(ms);
      res.json(clock);
    });
    app.get('/dev/decisions', (req, res) => {
      const account = typeof req.query.account === 'string' ? req.query.account : undefined;
      const after = typeof req.query.after === 'string' ? Number(req.query.after) || 0 : 0;
      res.json({ now: new Date(clock.now()).toISOString(), decisions: decisions.list({ ...(account ? { account } : {}), after }) });
    });
  }
  return { app, guard, clock };
}
