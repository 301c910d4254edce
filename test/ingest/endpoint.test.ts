import { expect } from 'chai';
import express from 'express';
import Koa from 'koa';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { createSharelock, type Options, type Sharelock } from '../../src/index.js';
import { sharelock } from '../../adapters/express/index.js';
import { expressScenarioApp } from '../support/adapters/express.js';
import { fastifyScenarioApp } from '../support/adapters/fastify.js';
import { koaScenarioApp } from '../support/adapters/koa.js';
import { headerOn, nestScenarioApp } from '../support/adapters/nest.js';
import { scenarioSetup, type ScenarioApp } from '../support/adapters/contract.js';
import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { SHARELOCK, SharelockModule } from '../../adapters/nest/index.js';
import { basic, listen, pageView, postBytes, PREVIOUS_KEY, withIngest, WRITE_KEY } from './support.js';

/**
 * `parsedFirst`: Nest on Express parses JSON and form bodies before any module sees them, so it
 * answers bodies its parser refuses itself (same statuses, Nest's own error bodies), and keeps
 * RudderStack's gzipped JSON (sent as a form) only with `rawBody: true` (see below).
 */
const ADAPTERS: Record<string, { make: (options?: Partial<Options>) => Promise<ScenarioApp>; parsedFirst?: boolean }> = {
  'Express 5': { make: (options) => expressScenarioApp(express, options) },
  Koa: { make: (options) => koaScenarioApp(Koa, options) },
  'Fastify 5': { make: (options) => fastifyScenarioApp(options) },
  'Nest on Express': { make: (options) => nestScenarioApp('express', options), parsedFirst: true },
  'Nest on Fastify': { make: (options) => nestScenarioApp('fastify', options) },
};

const BATCH = '/sharelock/ingest/v1/batch';

for (const [name, { make: makeApp, parsedFirst = false }] of Object.entries(ADAPTERS)) {
  describe(`${name}: the ingest endpoint`, () => {
    const apps: ScenarioApp[] = [];
    const use = async (options: Partial<Options> = withIngest()) => {
      const app = await makeApp(options);
      apps.push(app);
      return app;
    };
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });
    const post = (app: ScenarioApp, path = BATCH, key = WRITE_KEY) => request(app.server).post(path).set('authorization', basic(key));

    it('records a batch and answers each event', async () => {
      const app = await use();
      const t = app.clock.now();
      const response = await post(app).send({ batch: [pageView('acct', 'a', t), pageView('acct', 'b', t), { type: 'identify', userId: 'acct', traits: { email: 'o@example.com' } }], sentAt: new Date(t).toISOString() });
      expect(response.status).to.equal(200);
      expect(response.headers['content-type']).to.match(/^application\/json/);
      expect(response.body).to.deep.include({ success: true, recorded: 2, learned: 1, rejected: 0, failed: 0 });
      expect(response.body.results.map((r: { status: string }) => r.status)).to.deep.equal(['recorded', 'recorded', 'learned']);
      expect(await app.guard.devices('acct')).to.have.length(2);
    });

    it('takes single events at /v1/page, /v1/screen and /v1/identify, and the key being rotated out', async () => {
      const app = await use();
      const t = app.clock.now();
      const { type: _type, ...page } = pageView('acct', 'a', t);
      expect((await post(app, '/sharelock/ingest/v1/page').send(page)).body.results[0]).to.include({ status: 'recorded', type: 'page' });
      const screen = await post(app, '/sharelock/ingest/v1/screen', PREVIOUS_KEY).send({ userId: 'acct', anonymousId: 'tv', name: 'Home', context: { os: { name: 'tvOS' } } });
      expect(screen.body.results[0]).to.include({ status: 'recorded', type: 'screen' });
      expect((await post(app, '/sharelock/ingest/v1/identify').send({ userId: 'acct', traits: { phone: '+15550100' } })).body.results[0]).to.include({ status: 'learned' });
      expect((await post(app, '/sharelock/ingest/v1/page').send({ type: 'screen', userId: 'acct' })).status).to.equal(400);
      expect((await app.guard.devices('acct')).map((d) => d.type).sort()).to.deep.equal(['computer', 'tv']);
    });

    it('accepts a gzip body, as RudderStack sends it (with a form content type)', async () => {
      const app = await use();
      const body = gzipSync(JSON.stringify({ batch: [pageView('acct', 'a', app.clock.now())] }));
      const headers = { authorization: basic(WRITE_KEY), 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' };
      const response = await postBytes(app.server, BATCH, headers, body);
      if (parsedFirst) {
        // Nest's form parser made fields of it: refused, with the fix.
        expect(response.status).to.equal(400);
        expect(response.body.message).to.match(/rawBody: true/);
        return;
      }
      expect(response.status).to.equal(200);
      expect(response.body.recorded).to.equal(1);
      // deflate too; form fields that are not gzipped JSON are not events.
      const deflated = await postBytes(app.server, BATCH, { ...headers, 'content-type': 'application/json', 'content-encoding': 'deflate' }, deflateSync(JSON.stringify(pageView('acct', 'b', app.clock.now()))));
      expect(deflated.body.recorded).to.equal(1);
      const form = await postBytes(app.server, BATCH, { authorization: basic(WRITE_KEY), 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('type=page&userId=acct'));
      expect(form.status).to.equal(415);
    });

    it('refuses a request without a valid write key with 401, writing nothing', async () => {
      const app = await use();
      const body = { batch: [pageView('acct', 'a', app.clock.now())] };
      for (const auth of [undefined, basic('wk_wrong_0123456789abcdef'), basic(WRITE_KEY, 'secret'), `Bearer ${WRITE_KEY}`]) {
        const call = request(app.server).post(BATCH);
        const response = await (auth ? call.set('authorization', auth) : call).send(body);
        expect(response.status, auth).to.equal(401);
        expect(response.headers['www-authenticate']).to.match(/^Basic/);
        expect(response.body).to.include({ success: false, error: 'unauthorized' });
      }
      expect(await app.guard.devices('acct')).to.deep.equal([]);
    });

    it('takes JSON sent without a content type, as curl may', async () => {
      const app = await use();
      const response = await postBytes(app.server, BATCH, { authorization: basic(WRITE_KEY) }, Buffer.from(JSON.stringify(pageView('acct', 'a', app.clock.now()))));
      expect(response.status).to.equal(200);
      expect(response.body.recorded).to.equal(1);
    });

    it('answers 401 to a request without a valid write key before reading its body', async function () {
      // Nest on Express: Nest's JSON parser reads every body first.
      if (parsedFirst) this.skip();
      const app = await use();
      const base = await listen(app.server);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${base}${BATCH}`, { method: 'POST', headers: { authorization: basic('wk_wrong_0123456789abcdef'), 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
          req.destroy();
        });
        req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
        // The body never ends: only an answer given without reading it arrives.
        req.write('{"batch": [');
      });
      expect(status).to.equal(401);
    });

    it('refuses malformed JSON and a body that is not events with 400', async () => {
      const app = await use();
      const bad = await post(app).set('content-type', 'application/json').send('{"batch": [');
      expect(bad.status).to.equal(400);
      if (!parsedFirst) expect(bad.body).to.include({ error: 'invalid_json' });
      const notEvents = await post(app).send({ batch: { type: 'page' } });
      expect(notEvents.status).to.equal(400);
      expect(notEvents.body).to.include({ error: 'invalid_body' });
      const empty = await post(app).set('content-type', 'application/json').send('');
      expect(empty.status).to.equal(400);
    });

    it('answers 400 with the reasons when no event of the request could be used', async () => {
      const app = await use();
      const response = await post(app).send({ batch: [pageView('acct', 'a', app.clock.now() - 48 * 3_600_000), { type: 'page', userId: 'acct', context: { ip: 'x' } }] });
      expect(response.status).to.equal(400);
      expect(response.body.results.map((r: { error: string }) => r.error)).to.deep.equal(['too_old', 'invalid_event']);
    });

    it('refuses other content types with 415', async () => {
      const app = await use();
      const xml = await post(app).set('content-type', 'application/xml').send('<batch/>');
      expect(xml.status).to.equal(415);
      expect(xml.body).to.include({ error: 'unsupported_media_type' });
      const br = await post(app).set('content-type', 'application/json').set('content-encoding', 'br').send('{}');
      // Nest's parser refuses an encoding it cannot read with its own 400.
      expect(br.status).to.equal(parsedFirst ? 400 : 415);
    });

    it('refuses a body over the limit with 413, whether declared, streamed or decompressed', async () => {
      const app = await use(withIngest({ maxBodyBytes: 64 * 1024 }));
      const big = Buffer.from(JSON.stringify({ batch: Array.from({ length: 400 }, (_, i) => pageView('acct', `d${i}`, app.clock.now())) }));
      expect(big.length).to.be.above(64 * 1024);
      const json = { authorization: basic(WRITE_KEY), 'content-type': 'application/json' };
      const declared = await postBytes(app.server, BATCH, json, big);
      expect(declared.status).to.equal(413);
      if (!parsedFirst) expect(declared.body).to.include({ error: 'payload_too_large' });
      // Chunked, with no Content-Length.
      const streamed = await postBytes(app.server, BATCH, json, Array.from({ length: 20 }, () => big.subarray(0, 8 * 1024)));
      expect(streamed.status).to.equal(413);
      // A small gzip that inflates beyond the limit.
      const bomb = await postBytes(app.server, BATCH, { ...json, 'content-encoding': 'gzip' }, gzipSync(`{"batch":[${' '.repeat(1024 * 1024)}]}`));
      expect(bomb.status).to.equal(413);
      expect(await app.guard.devices('acct')).to.deep.equal([]);
    });

    it('answers 404 and 405 under its path, and never lets a protect pattern judge it', async () => {
      const app = await use(withIngest({}, { protect: ['/**'] }));
      const get = await request(app.server).get(BATCH).set('x-account', 'alice');
      expect(get.status).to.equal(405);
      expect(get.headers.allow).to.equal('POST');
      expect((await post(app, '/sharelock/ingest/v2/everything').send({})).status).to.equal(404);
      expect(await app.guard.devices('alice')).to.deep.equal([]);
    });

    it('is not served when ingest is off, and the app keeps its routes', async () => {
      const app = await use({});
      const response = await post(app).send({ batch: [] });
      expect(response.status).to.equal(404);
      expect((await request(app.server).get('/watch/1').set('x-account', 'alice')).status).to.equal(200);
    });
  });
}

describe('Nest on Express with rawBody: true and a 500 KB JSON limit: the ingest endpoint', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const start = async () => {
    const { options } = scenarioSetup(headerOn.express, withIngest());
    const moduleRef = await Test.createTestingModule({ imports: [SharelockModule.forRoot(options)] }).compile();
    const made = moduleRef.createNestApplication<NestExpressApplication>(new ExpressAdapter(), { logger: false, rawBody: true });
    // Segment's batches reach 500 KB; Nest's parsers stop at 100 KB by default.
    made.useBodyParser('json', { limit: '500kb' });
    made.useBodyParser('urlencoded', { limit: '500kb', extended: true });
    await made.init();
    app = made;
    return { server: made.getHttpServer() as Server, guard: made.get<Sharelock>(SHARELOCK) };
  };

  it("takes RudderStack's gzipped JSON sent as a form, and batches above Nest's default 100 KB", async () => {
    const { server, guard } = await start();
    const now = guard.config.now();
    const gzipped = await postBytes(server, BATCH, { authorization: basic(WRITE_KEY), 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, gzipSync(JSON.stringify({ batch: [pageView('acct', 'a', now)] })));
    expect(gzipped.status).to.equal(200);
    expect(gzipped.body.recorded).to.equal(1);
    const big = Buffer.from(JSON.stringify({ batch: Array.from({ length: 600 }, (_, i) => pageView(`acct${i}`, 'a', now)) }));
    expect(big.length).to.be.above(150 * 1024);
    const response = await postBytes(server, BATCH, { authorization: basic(WRITE_KEY), 'content-type': 'application/json' }, big);
    expect(response.status).to.equal(200);
    expect(response.body.recorded).to.equal(600);
  });
});

describe('Express: the ingest endpoint behind body parsers that ran first', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("uses express.json()'s parsed batch, and explains what a form parser ate", async () => {
    const { options } = scenarioSetup<express.Request>((req, name) => req.get(name), withIngest());
    const guard = createSharelock<express.Request, express.Response>(options);
    const app = express();
    app.use(express.json(), express.urlencoded({ extended: false }));
    app.use(sharelock(guard));
    const server = createServer(app);
    close = async () => {
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await guard.close();
    };
    const now = guard.config.now();
    const parsed = await request(server).post(BATCH).set('authorization', basic(WRITE_KEY)).send({ batch: [pageView('acct', 'a', now)] });
    expect(parsed.status).to.equal(200);
    expect(parsed.body.recorded).to.equal(1);
    const eaten = await postBytes(server, BATCH, { authorization: basic(WRITE_KEY), 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, gzipSync(JSON.stringify(pageView('acct', 'b', now))));
    expect(eaten.status).to.equal(400);
    expect(eaten.body.message).to.match(/Mount sharelock before body parsers/);
  });
});

