import formbody from '@fastify/formbody';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createSharelock, type Options } from '../../../src/index.js';
import { firstValue } from '../../../src/http/request.js';
import { sharelock, type SharelockPluginOptions } from '../../../adapters/fastify/index.js';
import { scenarioSetup, type ScenarioApp } from './contract.js';

type Params = { Params: { id: string } };
const devices1 = { config: { sharelock: { limits: { devices: 1 } } } };

/** The scenario app (see `ScenarioApp`) on Fastify 5; `plugin` adds options of the sharelock plugin (e.g. `hook`). */
export async function fastifyScenarioApp(overrides?: Partial<Options>, plugin: Omit<SharelockPluginOptions, 'guard'> = {}): Promise<ScenarioApp> {
  const { options, clock, logouts } = scenarioSetup<FastifyRequest>((req, name) => firstValue(req.headers[name]), overrides);
  const guard = createSharelock<FastifyRequest, FastifyReply>(options);
  const app = Fastify();
  // Fastify answers 415 to a body it has no parser for; the scenarios post forms to the app's own routes.
  await app.register(formbody);
  await app.register(sharelock, { guard, ...plugin });
  app.get<Params>('/watch/:id', async (request, reply) => {
    if (request.sharelock) reply.header('x-verdict', request.sharelock.verdict.kind);
    return `playing ${request.params.id}`;
  });
  app.get('/live/:id', devices1, async () => 'live');
  app.get('/api/premium/:id', async () => ({ ok: true }));
  app.post('/api/premium/:id', async () => ({ posted: true }));
  app.get('/free', async () => 'free');
  await app.register(
    async (kids) => {
      kids.get<Params>('/shows/:id', async (request) => `kids ${request.params.id}`);
      kids.get('/live/:id', devices1, async () => 'kids live');
    },
    { prefix: '/kids' },
  );
  await app.ready();
  return {
    server: app.server,
    guard,
    clock,
    logouts,
    close: async () => {
      await app.close();
      await guard.close();
    },
  };
}
