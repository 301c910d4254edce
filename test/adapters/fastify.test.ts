import fastifyCookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { expect } from 'chai';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import request from 'supertest';
import { createSharelock, type GuardState, type Options, type Sharelock } from '../../src/index.js';
import { firstValue } from '../../src/http/request.js';
import { sharelock, type SharelockPluginOptions } from '../../adapters/fastify/index.js';
import { fastifyScenarioApp } from '../support/adapters/fastify.js';
import { scenarioSetup } from '../support/adapters/contract.js';
import { describeAdapterScenarios } from './scenarios.js';

describeAdapterScenarios('Fastify 5', (options) => fastifyScenarioApp(options));

type Authed = FastifyRequest & { user?: string | null };
const header = (req: FastifyRequest, name: string) => firstValue(req.headers[name]);
/** The message a start-up step fails with. */
const failure = (step: PromiseLike<unknown>) => Promise.resolve(step).then(() => 'it succeeded', (error: Error) => error.message);
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('sharelock/fastify', () => {
  const opened: Array<{ app: FastifyInstance; guard: Sharelock<FastifyRequest, FastifyReply> }> = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map(async ({ app, guard }) => (await app.close(), await guard.close())));
  });

  /** A Fastify app and the scenario guard (x-account header, `/watch/*` protected, 2 devices); routes are added by each test. */
  function setup(options: Partial<Options<FastifyRequest, FastifyReply>> = {}, server: FastifyServerOptions = {}) {
    const guard = createSharelock<FastifyRequest, FastifyReply>({ ...scenarioSetup(header).options, ...options });
    const app = Fastify(server);
    opened.push({ app, guard });
    return { app, guard, register: (plugin: Omit<SharelockPluginOptions, 'guard'> = {}) => app.register(sharelock, { guard, ...plugin }) };
  }

  /** A device of `account`: its own cookie jar. */
  const device = (app: FastifyInstance, account: string, extra: Record<string, string> = {}) => {
    const agent = request.agent(app.server);
    const headers = { 'x-account': account, ...extra };
    return { agent, headers, get: (path: string) => agent.get(path).set(headers) };
  };

  /** Two devices of alice in, then a third: the one over the limit. */
  async function thirdDevice(app: FastifyInstance, path = '/watch/1', extra: Record<string, string> = {}) {
    await device(app, 'alice', extra).get(path);
    await device(app, 'alice', extra).get(path);
    return device(app, 'alice', extra);
  }

  it('refuses invalid per-route options when the route is added, naming the route', async () => {
    const { app, register } = setup();
    await register();
    expect(() => app.get('/live/:id', { config: { sharelock: { limits: { devices: 0 } } } }, async () => 'live'))
      .to.throw(/SHARELOCK_E_OPTION_INVALID.*config\.sharelock` of route GET \/live\/:id/);
    const nested = setup();
    await nested.register();
    void nested.app.register(async (kids) => {
      kids.get('/live/:id', { config: { sharelock: { limit: { devices: 1 } } as never } }, async () => 'live');
    }, { prefix: '/kids' });
    expect(await failure(nested.app.ready())).to.match(/SHARELOCK_E_OPTION_UNKNOWN: Unknown option `protect\(\)\.limit`\. Did you mean `limits`\?.*route GET \/kids\/live\/:id/);
  });

  it('refuses unknown plugin options and hooks', async () => {
    expect(await failure(setup().register({ hooks: 'onRequest' } as never))).to.match(/SHARELOCK_E_OPTION_UNKNOWN: Unknown option `hooks`/);
    expect(await failure(setup().register({ hook: 'onSend' as never }))).to.match(/SHARELOCK_E_OPTION_INVALID: Invalid `hook`: "onSend"/);
    expect(await failure(Fastify().register(sharelock, { guard: {} as never }))).to.match(/SHARELOCK_E_OPTION_INVALID: Invalid `guard`/);
  });

  it('guards routes added before the plugin, by pattern and per route', async () => {
    const { app, register } = setup();
    app.get('/watch/:id', async () => 'playing');
    app.get('/live/:id', { config: { sharelock: { limits: { devices: 1 } } } }, async () => 'live');
    app.get('/extra/:id', { config: { sharelock: {} } }, async () => 'extra');
    await register();
    await app.ready();
    expect((await (await thirdDevice(app)).get('/watch/1')).status).to.equal(303);
    expect((await device(app, 'carol').get('/live/1')).status).to.equal(200);
    expect((await device(app, 'carol').get('/live/1')).status).to.equal(303);
    expect((await (await thirdDevice(app, '/extra/1')).get('/extra/1')).status, '{} guards with the global limits').to.equal(303);
  });

  it('judges both a pattern and the route options on one route, each must allow', async () => {
    const { app, register } = setup();
    await register();
    app.get('/watch/:id', { config: { sharelock: { limits: { devices: 3 } } } }, async () => 'playing');
    await app.ready();
    expect((await (await thirdDevice(app)).get('/watch/1')).status, 'the pattern allows 2').to.equal(303);
  });

  it('judges the URL Fastify routes, after rewriteUrl', async () => {
    const { app, register } = setup({}, { rewriteUrl: (req) => (req.url === '/old/watch-1' ? '/watch/1' : req.url ?? '/') });
    await register();
    app.get('/watch/:id', async () => 'playing');
    await app.ready();
    const third = await thirdDevice(app);
    expect((await third.get('/old/watch-1')).status).to.equal(303);
  });

  it('sees the user an auth hook set, by default in preHandler', async () => {
    const { app, register } = setup({ identify: (req: Authed) => (req.user ? { id: req.user } : null) });
    app.decorateRequest('user', null);
    app.addHook('onRequest', async (req: Authed) => {
      req.user = /^Bearer (\w+)$/.exec(header(req, 'authorization') ?? '')?.[1] ?? null;
    });
    await register();
    app.get('/watch/:id', async () => 'playing');
    await app.ready();
    const third = await thirdDevice(app, '/watch/1', { authorization: 'Bearer alice' });
    expect((await third.get('/watch/1')).status).to.equal(303);
    expect((await request(app.server).get('/watch/1')).status, 'nobody signed in').to.equal(200);
  });

  it("runs in the hook it is given: in onRequest it answers before Fastify parses the body", async () => {
    for (const hook of ['onRequest', 'preHandler'] as const) {
      const { app, register } = setup({ protect: ['/api/**'] });
      await register({ hook });
      app.post('/api/play', async () => ({ ok: true }));
      await app.ready();
      const third = await thirdDevice(app, '/api/play');
      const response = await third.agent.post('/api/play').set(third.headers).set('content-type', 'application/json').send('{not json');
      expect(response.status, hook).to.equal(hook === 'onRequest' ? 303 : 400);
    }
  });

  it('tells handlers the state on request.sharelock, null where nothing was judged', async () => {
    const { app, register } = setup();
    await register();
    let seen: GuardState | null = null;
    app.get('/watch/:id', async (req) => ((seen = req.sharelock), 'playing'));
    app.get('/free', async (req) => ({ state: req.sharelock }));
    await app.ready();
    await device(app, 'alice').get('/watch/1');
    expect(seen).to.include({ accountId: 'alice' }).and.have.nested.property('verdict.kind', 'allow');
    expect((await device(app, 'alice').get('/free')).body).to.deep.equal({ state: null });
  });

  it('lets the request through when identify throws', async () => {
    const { app, guard, register } = setup({ identify: () => { throw new Error('session store down'); } });
    await register();
    app.get('/watch/:id', async () => 'playing');
    await app.ready();
    const response = await device(app, 'alice').get('/watch/1');
    expect([response.status, response.text]).to.deep.equal([200, 'playing']);
    expect(guard.stats().identifyFailures).to.equal(1);
  });

  it('turns a failing decision into a Fastify error, never an unhandled rejection', async () => {
    const { app, guard, register } = setup();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await register();
      const errors: string[] = [];
      app.setErrorHandler((error: Error & { code?: string }, _req, reply) => (errors.push(error.code ?? ''), reply.code(500).send('sorry')));
      app.get('/watch/:id', async () => 'playing');
      await app.ready();
      await guard.close();
      const response = await device(app, 'alice').get('/watch/1');
      expect([response.status, response.text]).to.deep.equal([500, 'sorry']);
      expect(errors).to.deep.equal(['SHARELOCK_E_CLOSED']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("keeps the app's own cookies next to the device cookie", async () => {
    const { app, register } = setup();
    await app.register(fastifyCookie);
    await register();
    app.get('/watch/:id', async (_req, reply) => (reply.setCookie('theme', 'dark'), 'playing'));
    await app.ready();
    const cookies = (await device(app, 'alice').get('/watch/1')).headers['set-cookie'] as unknown as string[];
    expect(cookies.map((c) => c.split('=')[0])).to.have.members(['sl_device', 'theme']);
  });

  it("leaves the app's body parsing alone, and reads challenge forms without a form parser", async () => {
    const { app, guard, register } = setup();
    await register();
    app.post('/echo', async (req) => req.body);
    await app.ready();
    expect((await request(app.server).post('/echo').send({ a: 1 })).body).to.deep.equal({ a: 1 });
    expect((await request(app.server).post('/echo').type('form').send({ a: '1' })).status, 'no form parser in the app').to.equal(415);

    await device(app, 'alice').get('/watch/1');
    await device(app, 'alice').get('/watch/1');
    const third = device(app, 'alice');
    const url = (await third.get('/watch/1')).headers.location as string;
    const intro = await third.get(url);
    const owner = await third.agent.post(`${url}/owner`).set(third.headers).type('form').send({ _csrf: csrfOf(intro.text) });
    expect([owner.status, owner.headers.location]).to.deep.equal([303, `${url}/verify`]);
    expect(guard.outbox!.latest('alice@example.com')).not.to.equal(undefined);

    const withParser = setup();
    await withParser.app.register(formbody);
    await withParser.register();
    withParser.app.post('/echo', async (req) => req.body);
    await withParser.app.ready();
    expect((await request(withParser.app.server).post('/echo').type('form').send({ a: '1' })).body).to.deep.equal({ a: '1' });
  });

  it('answers HEAD on the challenge pages with headers only', async () => {
    const { app, register } = setup();
    await register();
    await app.ready();
    const third = await thirdDevice(app);
    const url = (await third.get('/watch/1')).headers.location as string;
    const head = await third.agent.head(url).set(third.headers);
    expect(head.status).to.equal(200);
    expect(Number(head.headers['content-length'])).to.be.greaterThan(100);
    expect(head.text).to.equal(undefined);
  });
});
