import express from 'express';
import { createSharelock, type Options } from '../../src/index.js';
import { sharelock } from '../../adapters/express/index.js';
import { FakeClock } from './clock.js';

export type Framework = typeof express;

/**
 * A small protected app for HTTP tests. The signed-in account comes from the `x-account` header
 * (`x-plan: free` makes it free), so each supertest agent is one device of any account.
 */
export function protectedApp(framework: Framework, options: Partial<Options<express.Request, express.Response>> = {}) {
  const clock = new FakeClock();
  const logouts: string[] = [];
  const guard = createSharelock<express.Request, express.Response>({
    secret: 'a-test-secret-that-is-long-enough-0123456789',
    identify: (req) => {
      const id = req.get('x-account');
      return id ? { id, email: `${id}@example.com`, paying: req.get('x-plan') !== 'free' } : null;
    },
    protect: ['/watch/*', { path: '/api/**', methods: ['GET'] }],
    exclude: ['/watch/trailer'],
    limits: { devices: 2 },
    urls: { newAccount: '/signup', logout: '/logout', success: '/home', suspended: '/suspended' },
    onLogout: ({ req }) => {
      logouts.push(req.get('x-account') ?? '');
    },
    logger: { warn: () => {}, error: () => {} },
    now: clock.now,
    ...options,
  });
  const app = framework();
  app.use(sharelock(guard));
  app.get('/watch/:id', (req, res) => res.send(`playing ${req.params.id}`));
  app.get('/live/:id', guard.protect({ limits: { devices: 1 } }), (_req, res) => res.send('live'));
  app.get('/api/premium/:id', (_req, res) => res.json({ ok: true }));
  app.post('/api/premium/:id', (_req, res) => res.json({ posted: true }));
  app.get('/free', (_req, res) => res.send('free'));
  return { app, guard, clock, logouts };
}
