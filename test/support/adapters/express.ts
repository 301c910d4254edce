import express from 'express';
import { createServer } from 'node:http';
import { createSharelock, type Options } from '../../../src/index.js';
import { sharelock } from '../../../adapters/express/index.js';
import { scenarioSetup, type ScenarioApp } from './contract.js';

/** The scenario app (see `ScenarioApp`) on Express; `framework` may be Express 4. */
export async function expressScenarioApp(framework: typeof express, overrides?: Partial<Options>): Promise<ScenarioApp> {
  const { options, clock, logouts } = scenarioSetup<express.Request>((req, name) => req.get(name), overrides);
  const guard = createSharelock<express.Request, express.Response>(options);
  const app = framework();
  app.use(sharelock(guard));
  app.get('/watch/:id', (req, res) => {
    const state = res.locals.sharelock as { verdict?: { kind: string } } | undefined;
    if (state?.verdict) res.set('x-verdict', state.verdict.kind);
    res.send(`playing ${req.params.id}`);
  });
  app.get('/live/:id', guard.protect({ limits: { devices: 1 } }), (_req, res) => res.send('live'));
  app.get('/api/premium/:id', (_req, res) => res.json({ ok: true }));
  app.post('/api/premium/:id', (_req, res) => res.json({ posted: true }));
  app.get('/free', (_req, res) => res.send('free'));
  const kids = framework.Router();
  kids.get('/shows/:id', (req, res) => res.send(`kids ${req.params.id}`));
  kids.get('/live/:id', guard.protect({ limits: { devices: 1 } }), (_req, res) => res.send('kids live'));
  app.use('/kids', kids);
  const server = createServer(app);
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
