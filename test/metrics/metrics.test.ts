import 'reflect-metadata';
import { expect } from 'chai';
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import Router from '@koa/router';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createSharelock, SharelockError, type Options, type Sharelock } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import { collectMetrics, fastifyMetricsHandler, koaMetricsHandler, metricsHandler, type SharelockMetrics } from '../../src/metrics/index.js';
import { sharelock as expressSharelock } from '../../adapters/express/index.js';
import { sharelock as koaSharelock } from '../../adapters/koa/index.js';
import { sharelock as fastifySharelock } from '../../adapters/fastify/index.js';
import { Protect, SharelockGuard, SharelockModule } from '../../adapters/nest/index.js';
import type { ChallengeCreated } from '../../src/events/types.js';
import { FakeClock } from '../support/clock.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { Receiver } from '../events/receiver.js';
import { Exposition } from './exposition.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const silent = { warn: () => {}, error: () => {} };
const PROM_TYPE = /^text\/plain; version=0\.0\.4; charset=utf-8$/;

/** Options every app here shares: the account from `x-account`, `/watch/*` protected, two devices. */
function options<Req>(identify: (req: Req) => string | undefined, more: Partial<Options<Req>> = {}): Options<Req> {
  return { secret: SECRET, identify: (req) => { const id = identify(req); return id ? { id, email: `${id}@example.com` } : null; }, protect: ['/watch/*'], limits: { devices: 2 }, logger: silent, ...more };
}

/** Three devices of one account on `/watch/1`: 200, 200, then a device-limit challenge (303). */
async function threeDevices(app: Parameters<typeof request.agent>[0]): Promise<number[]> {
  const statuses: number[] = [];
  for (const device of [request.agent(app), request.agent(app), request.agent(app)]) statuses.push((await device.get('/watch/1').set('x-account', 'alice')).status);
  return statuses;
}

async function scrape(app: Parameters<typeof request>[0]): Promise<Exposition> {
  const response = await request(app).get('/metrics');
  expect(response.status).to.equal(200);
  expect(response.headers['content-type']).to.match(PROM_TYPE);
  return new Exposition(response.text);
}

describe('sharelock/metrics', function () {
  this.timeout(30_000);

  describe('through Express, on a real Redis', () => {
    let redis: RedisServer;
    let client: Redis;
    let receiver: Receiver;
    let guard: Sharelock;
    let metrics: SharelockMetrics;
    let app: express.Express;
    const clock = new FakeClock();

    before(async () => {
      redis = await startRedisServer();
      client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: false });
      client.on('error', () => {}); // the test stops Redis on purpose
      receiver = await Receiver.start();
      guard = createSharelock(options<express.Request>((req) => req.get('x-account'), {
        store: new RedisStore({ client, prefix: 'metrics:' }),
        storeTimeoutMs: 300,
        now: clock.now,
        webhooks: { endpoints: [{ url: receiver.url, secret: 'whsec_' + Buffer.from('a-webhook-secret-of-32-bytes!!!!').toString('base64'), events: ['challenge.created'] }] },
      }));
      metrics = collectMetrics(guard, { register: new Registry() });
      app = express();
      app.get('/metrics', metricsHandler(metrics.register));
      app.use(expressSharelock(guard));
      app.get('/watch/:id', (_req, res) => res.send('playing'));
    });

    after(async () => {
      metrics.close();
      await guard.close();
      client.disconnect();
      await receiver.close();
      await redis.stop();
    });

    it('counts verdicts, cache hits, challenges by outcome, conversions and webhook deliveries as they happen', async () => {
      const created: ChallengeCreated[] = [];
      guard.on('challenge.created', (event) => void created.push(event));
      const first = request.agent(app);
      expect((await first.get('/watch/1').set('x-account', 'alice')).status).to.equal(200);
      expect((await first.get('/watch/2').set('x-account', 'alice')).status, 'cached').to.equal(200);
      expect((await request.agent(app).get('/watch/1').set('x-account', 'alice')).status).to.equal(200);
      expect((await request.agent(app).get('/watch/1').set('x-account', 'alice')).status, 'the third device').to.equal(303);
      // The third device's user leaves to create their own account, and does.
      const [challenge] = created;
      expect((await guard.challenges.resolve(challenge!.challengeId, challenge!.deviceId, 'new_account')).ok).to.equal(true);
      expect((await guard.trackConversion(null, { account: 'carol', deviceId: challenge!.deviceId })).recorded).to.equal(true);
      await guard.webhooks.flush();

      const m = await scrape(app);
      expect(m.types.get('sharelock_decisions_total')).to.equal('counter');
      expect(m.value('sharelock_decisions_total', { verdict: 'allow' })).to.equal(3);
      expect(m.value('sharelock_decisions_total', { verdict: 'challenge' })).to.equal(1);
      expect(m.value('sharelock_decisions_total', { verdict: 'deny' })).to.equal(0);
      expect(m.value('sharelock_cache_hits_total')).to.equal(1);
      expect(m.value('sharelock_cache_misses_total')).to.equal(3);
      expect(m.value('sharelock_challenges_opened_total', { kind: 'device_limit' })).to.equal(1);
      expect(m.value('sharelock_challenges_opened_total', { kind: 'verify' })).to.equal(0);
      expect(m.value('sharelock_challenges_ended_total', { outcome: 'new_account' })).to.equal(1);
      expect(m.value('sharelock_challenges_ended_total', { outcome: 'owner' })).to.equal(0);
      expect(m.value('sharelock_conversions_total', { reason: 'device_count' })).to.equal(1);
      expect(m.value('sharelock_policy_matches_total', { policy: 'device_limit' })).to.equal(1);
      expect(m.value('sharelock_webhook_deliveries_total')).to.equal(1);
      expect(receiver.accepted).to.have.length(1);
      expect(m.value('sharelock_webhook_failed_attempts_total')).to.equal(0);
      expect(m.sum('sharelock_store_failures_total')).to.equal(0);
      // Three misses, three attach calls, each timed (in seconds) and under the slowest bucket.
      expect(m.types.get('sharelock_store_duration_seconds')).to.equal('histogram');
      expect(m.value('sharelock_store_duration_seconds_count', { operation: 'attach' })).to.equal(3);
      expect(m.value('sharelock_store_duration_seconds_bucket', { operation: 'attach', le: '2.5' })).to.equal(3);
      expect(m.value('sharelock_store_duration_seconds_sum', { operation: 'attach' })).to.be.greaterThan(0).and.lessThan(3 * 0.3);
    });

    it('counts store failures when Redis goes away, and the requests let through', async () => {
      await redis.stop();
      for (const account of ['bob', 'dave']) expect((await request.agent(app).get('/watch/1').set('x-account', account)).status, 'fail open').to.equal(200);

      const m = await scrape(app);
      expect(m.value('sharelock_store_failures_total', { operation: 'attach' })).to.equal(2);
      expect(m.sum('sharelock_store_failures_total')).to.equal(2);
      expect(m.value('sharelock_decisions_total', { verdict: 'allow' })).to.equal(5);
      expect(m.value('sharelock_decisions_total', { verdict: 'challenge' })).to.equal(1);
      expect(m.value('sharelock_cache_misses_total')).to.equal(5);
      // Failed calls are timed too; none lasts longer than storeTimeoutMs (300 ms).
      expect(m.value('sharelock_store_duration_seconds_count', { operation: 'attach' })).to.equal(5);
      expect(m.value('sharelock_store_duration_seconds_bucket', { operation: 'attach', le: '0.5' })).to.equal(5);
    });
  });

  describe('the scrape endpoint of each framework', () => {
    it('serves Node http', async () => {
      const guard = createSharelock(options<{ headers: Record<string, string | string[] | undefined> }>((req) => req.headers['x-account'] as string | undefined));
      const metrics = collectMetrics(guard, { register: new Registry() });
      const scrapeOnly = metricsHandler(metrics.register);
      await guard.decide({ method: 'GET', path: '/watch/1', url: '/watch/1', headers: { host: 'localhost' }, remoteAddress: '127.0.0.1', https: false }, { headers: { 'x-account': 'alice' } });
      const server = createServer((req, res) => scrapeOnly(req, res));
      const m = new Exposition((await request(server).get('/metrics').expect('content-type', PROM_TYPE)).text);
      expect(m.value('sharelock_decisions_total', { verdict: 'allow' })).to.equal(1);
      metrics.close();
      await guard.close();
    });

    it('serves Koa', async () => {
      const guard = createSharelock(options<Koa.Context>((ctx) => ctx.get('x-account') || undefined));
      const metrics = collectMetrics(guard, { register: new Registry() });
      const koa = new Koa();
      const router = new Router();
      router.get('/metrics', koaMetricsHandler(metrics.register));
      router.get('/watch/:id', (ctx) => void (ctx.body = 'playing'));
      koa.use(koaSharelock(guard)).use(router.routes());
      const server = koa.callback();
      expect(await threeDevices(server)).to.deep.equal([200, 200, 303]);
      const m = await scrape(server);
      expect(m.value('sharelock_decisions_total', { verdict: 'allow' })).to.equal(2);
      expect(m.value('sharelock_decisions_total', { verdict: 'challenge' })).to.equal(1);
      expect(m.value('sharelock_challenges_opened_total', { kind: 'device_limit' })).to.equal(1);
      metrics.close();
      await guard.close();
    });

    it('serves Fastify', async () => {
      const guard = createSharelock(options<FastifyRequest>((req) => req.headers['x-account'] as string | undefined));
      const metrics = collectMetrics(guard, { register: new Registry() });
      const app = Fastify();
      await app.register(fastifySharelock, { guard: guard as Sharelock<FastifyRequest, FastifyReply> });
      app.get('/metrics', fastifyMetricsHandler(metrics.register));
      app.get('/watch/:id', async () => 'playing');
      await app.ready();
      expect(await threeDevices(app.server)).to.deep.equal([200, 200, 303]);
      const m = await scrape(app.server);
      expect(m.value('sharelock_decisions_total', { verdict: 'allow' })).to.equal(2);
      expect(m.value('sharelock_decisions_total', { verdict: 'challenge' })).to.equal(1);
      metrics.close();
      await app.close();
      await guard.close();
    });

    it('serves Nest, from the controller docs/metrics.md shows', async () => {
      const register = new Registry();
      const guard = createSharelock(options<{ headers: Record<string, string | undefined> }>((req) => req.headers['x-account']));
      const metrics = collectMetrics(guard, { register });

      @Controller()
      class MetricsController {
        @Get('metrics')
        @Header('Content-Type', register.contentType)
        metrics(): Promise<string> {
          return register.metrics();
        }
      }
      @Controller('watch')
      class WatchController {
        @Get(':id')
        @Protect()
        watch(): string {
          return 'playing';
        }
      }
      @Module({ imports: [SharelockModule.forRoot(guard)], controllers: [MetricsController, WatchController], providers: [{ provide: APP_GUARD, useClass: SharelockGuard }] })
      class AppModule {}

      const app = await NestFactory.create(AppModule, { logger: false });
      await app.init();
      const server = app.getHttpServer();
      expect(await threeDevices(server)).to.deep.equal([200, 200, 303]);
      const m = await scrape(server);
      expect(m.value('sharelock_decisions_total', { verdict: 'allow' })).to.equal(2);
      expect(m.value('sharelock_decisions_total', { verdict: 'challenge' })).to.equal(1);
      metrics.close();
      await app.close();
      await guard.close();
    });
  });

  describe('collectMetrics()', () => {
    const guard = createSharelock(options(() => undefined));
    after(() => guard.close());

    it('refuses unknown and invalid options, naming them', () => {
      expect(() => collectMetrics(guard, { registry: new Registry() } as never)).to.throw(SharelockError, /unknown option `registry`/);
      expect(() => collectMetrics(guard, { prefix: '9lives' })).to.throw(SharelockError, /invalid `prefix` "9lives"/);
      expect(() => collectMetrics(guard, { storeBuckets: [1, 0.5] })).to.throw(SharelockError, /invalid `storeBuckets`/);
    });

    it('says so when a register already holds its metrics, and close() frees the names', () => {
      const register = new Registry();
      const metrics = collectMetrics(guard, { register });
      expect(() => collectMetrics(guard, { register })).to.throw(SharelockError, /own `prefix` or `register`/);
      expect(collectMetrics(guard, { register, prefix: 'second_' }).register).to.equal(register);
      metrics.close();
      expect(() => collectMetrics(guard, { register }).close()).not.to.throw();
    });

    it('stops counting when closed', async () => {
      const register = new Registry();
      const metrics = collectMetrics(guard, { register, prefix: 'closed_' });
      metrics.close();
      expect((await register.metrics()).trim()).to.equal('');
    });
  });
});
