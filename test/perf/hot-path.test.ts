import { expect } from 'chai';
import { createHook } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import 'reflect-metadata';
import { Reflector } from '@nestjs/core';
import { sharelock as fastifySharelock } from '../../adapters/fastify/index.js';
import { sharelock as koaSharelock } from '../../adapters/koa/index.js';
import { Protect, SharelockGuard } from '../../adapters/nest/index.js';
import { appMiddleware } from '../../src/http/node.js';
import { createSharelock, MemoryStore, type AttachInput, type Options } from '../../src/index.js';
import type { RequestLike } from '../../src/http/request.js';
import { FakeClock } from '../support/clock.js';
import { requestLike } from '../fuzz/support.js';

/**
 * What a request costs, counted rather than timed: promises created, store calls, and which parts
 * of the request are read. Deterministic, so these hold on any machine (BENCHMARKS.md has the times).
 */
const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

/** The real memory store, counting its calls. */
class CountingStore extends MemoryStore {
  attaches = 0;
  override attach(input: AttachInput) {
    this.attaches++;
    return super.attach(input);
  }
}

function setup(options: Partial<Options<any>> = {}) {
  const clock = new FakeClock();
  const store = new CountingStore();
  const guard = createSharelock<any>({
    secret: SECRET,
    identify: (req: { account?: string }) => (req.account ? { id: req.account, email: 'a@example.com' } : null),
    protect: ['/watch/*'],
    store,
    now: clock.now,
    logger: { warn: () => {}, error: () => {} },
    ...options,
  });
  return { guard, store, clock };
}

/** The neutral request a protected `GET /watch/1` maps to, with this device cookie. */
const neutral = (cookie?: string): RequestLike => requestLike(cookie ? { cookie } : {});

/** Promises created while `run` runs synchronously (and whatever it returns). */
function promisesDuring<T>(run: () => T): { value: T; promises: number } {
  let promises = 0;
  const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && promises++) });
  hook.enable();
  try {
    return { value: run(), promises };
  } finally {
    hook.disable();
  }
}

/** `WeakMap` calls (get, set, has, delete) while `run` runs: a per-request entry costs its GC more than its lookup. */
function weakMapCallsDuring<T>(run: () => T): { value: T; calls: number } {
  let calls = 0;
  const proto = WeakMap.prototype;
  const originals = { get: proto.get, set: proto.set, has: proto.has, delete: proto.delete };
  for (const name of ['get', 'set', 'has', 'delete'] as const) {
    const original = originals[name] as (...args: unknown[]) => unknown;
    (proto as unknown as Record<string, unknown>)[name] = function (this: WeakMap<object, unknown>, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    };
  }
  try {
    return { value: run(), calls };
  } finally {
    Object.assign(proto, originals);
  }
}

/** Promises and WeakMap calls while `run` runs. */
function costOf<T>(run: () => T): { value: T; promises: number; weakMaps: number } {
  const { value: inner, promises } = promisesDuring(() => weakMapCallsDuring(run));
  return { value: inner.value, promises, weakMaps: inner.calls };
}

/** A `node:http` request whose headers and socket count their reads: building the neutral request reads both. */
function nodeRequest(url: string, cookie?: string) {
  const reads = { headers: 0, socket: 0 };
  const headers = { host: 'localhost', 'user-agent': CHROME, 'x-account': 'acct', ...(cookie ? { cookie } : {}) };
  const req = {
    method: 'GET',
    url,
    account: 'acct',
    get headers() {
      reads.headers++;
      return headers;
    },
    get socket() {
      reads.socket++;
      return { remoteAddress: '203.0.113.7' };
    },
  };
  return { req: req as unknown as IncomingMessage, reads };
}

function nodeResponse() {
  const headers = new Map<string, unknown>();
  const res = { locals: {} as Record<string, unknown>, getHeader: (n: string) => headers.get(n), setHeader: (n: string, v: unknown) => void headers.set(n, v) };
  return { res: res as unknown as ServerResponse & { locals: Record<string, unknown> }, headers };
}

async function knownDevice(guard: ReturnType<typeof setup>['guard']): Promise<string> {
  const { setCookie } = await guard.decide(neutral(), { account: 'acct' });
  return setCookie!.split(';')[0]!;
}

describe('hot path: what a request costs, counted', () => {
  it('decides a cached allow synchronously: no promise, no store call', async () => {
    const { guard, store } = setup();
    const cookie = await knownDevice(guard);
    const before = store.attaches;
    const { value, promises } = promisesDuring(() => guard.decision(neutral(cookie), { account: 'acct' }));
    expect(promises).to.equal(0);
    expect(value).to.not.be.instanceOf(Promise);
    expect((value as { verdict: { kind: string } }).verdict.kind).to.equal('allow');
    expect(store.attaches).to.equal(before);
    await guard.close();
  });

  it('lets a free user through synchronously, reading no cookie and calling no store', async () => {
    const { guard, store } = setup();
    const { value, promises } = promisesDuring(() => guard.decision(neutral(), {}));
    expect(promises).to.equal(0);
    expect(value).to.deep.equal({ verdict: { kind: 'allow', reasons: [] } });
    expect(store.attaches).to.equal(0);
    await guard.close();
  });

  it('makes exactly one store call per miss, and none per cached request', async () => {
    const { guard, store } = setup();
    await guard.decide(neutral(), { account: 'first' });
    expect(store.attaches).to.equal(1);
    const cookie = await knownDevice(guard);
    const before = store.attaches;
    for (let i = 0; i < 100; i++) await guard.decide(neutral(cookie), { account: 'acct' });
    expect(store.attaches).to.equal(before);
    const uncached = setup({ cache: { allowTtlMs: 0 } });
    const known = await knownDevice(uncached.guard);
    for (let i = 0; i < 10; i++) await uncached.guard.decide(neutral(known), { account: 'acct' });
    expect(uncached.store.attaches).to.equal(11);
    await Promise.all([guard.close(), uncached.guard.close()]);
  });

  it('Express: an unprotected path costs a pattern match: the request is never mapped, nothing is decided', async () => {
    const { guard, store } = setup();
    const { req, reads } = nodeRequest('/about?x=1');
    const { res } = nodeResponse();
    let nexts = 0;
    const { promises } = promisesDuring(() => appMiddleware(guard)(req, res, () => void nexts++));
    expect(nexts).to.equal(1);
    expect(promises).to.equal(0);
    expect(reads).to.deep.equal({ headers: 0, socket: 0 });
    expect(guard.stats().decisions).to.equal(0);
    expect(store.attaches).to.equal(0);
    await guard.close();
  });

  it('Express: a cached allow calls next() before the middleware returns, with no promise and no WeakMap', async () => {
    const { guard } = setup();
    const cookie = await knownDevice(guard);
    const middleware = appMiddleware(guard);
    for (let i = 0; i < 3; i++) {
      const { req } = nodeRequest('/watch/1', cookie);
      const { res } = nodeResponse();
      let nexts = 0;
      const { promises, weakMaps } = costOf(() => middleware(req, res, () => void nexts++));
      expect(nexts).to.equal(1);
      expect({ promises, weakMaps }).to.deep.equal({ promises: 0, weakMaps: 0 });
      expect((res.locals.sharelock as { verdict: { kind: string } }).verdict.kind).to.equal('allow');
    }
    await guard.close();
  });

  it('Koa: a cached allow reaches next() synchronously, with no promise of its own and no WeakMap', async () => {
    // Koa's `identify` receives `ctx`.
    const { guard } = setup({ identify: (ctx: { get(name: string): string }) => ({ id: ctx.get('x-account') }) });
    const { setCookie } = await guard.decide(neutral(), { get: () => 'acct' });
    const middleware = koaSharelock(guard as never);
    for (let i = 0; i < 3; i++) {
      const { req } = nodeRequest('/watch/1', setCookie!.split(';')[0]!);
      const ctx = { originalUrl: '/watch/1', req, state: {} as Record<string, unknown>, get: () => 'acct', append: () => {}, set: () => {} };
      let nexts = 0;
      const { value, promises, weakMaps } = costOf(() => middleware(ctx as never, () => (nexts++, undefined as never)));
      expect(nexts).to.equal(1);
      expect({ promises, weakMaps }).to.deep.equal({ promises: 0, weakMaps: 0 });
      expect(value).to.equal(undefined);
      expect((ctx.state.sharelock as { verdict: { kind: string } }).verdict.kind).to.equal('allow');
    }
    await guard.close();
  });

  it('Fastify: a cached allow calls done() from the hook, with no promise and no WeakMap', async () => {
    const { guard } = setup();
    const cookie = await knownDevice(guard);
    // The plugin's hook, taken from a stand-in app: Fastify's own pipeline creates promises of its own.
    const hooks: Record<string, Function> = {};
    const app = { hasRequestDecorator: () => true, decorateRequest: () => {}, addHook: (name: string, hook: Function) => void (hooks[name] = hook), register: async () => {} };
    await (fastifySharelock as unknown as (app: unknown, options: unknown) => Promise<void>)(app, { guard });
    const reply = { header: () => reply, headers: () => reply };
    for (let i = 0; i < 3; i++) {
      const { req } = nodeRequest('/watch/1', cookie);
      const request = { url: '/watch/1', raw: req, account: 'acct', routeOptions: { config: {} }, sharelock: null as null | { verdict: { kind: string } } };
      let dones = 0;
      const { promises, weakMaps } = costOf(() => hooks.preHandler!(request, reply, () => void dones++));
      expect(dones).to.equal(1);
      expect({ promises, weakMaps }).to.deep.equal({ promises: 0, weakMaps: 0 });
      expect(request.sharelock?.verdict.kind).to.equal('allow');
    }
    await guard.close();
  });

  it('Nest: a cached allow is true at once, with no promise and no WeakMap; @Protect() is read once per handler', async () => {
    const { guard } = setup({ protect: [] });
    const cookie = await knownDevice(guard);
    class WatchController {
      @Protect()
      watch() {}
    }
    const reflector = new Reflector();
    let reads = 0;
    const read = reflector.getAllAndOverride.bind(reflector);
    reflector.getAllAndOverride = ((...args: Parameters<typeof read>) => (reads++, read(...args))) as typeof read;
    const nest = new SharelockGuard(guard, reflector, { httpAdapter: { appendHeader: () => {}, setHeader: () => {} } } as never);
    // Its @Protect() options are resolved once, and cached: the first request pays for that.
    const context = (req: unknown) => ({ getType: () => 'http', getHandler: () => WatchController.prototype.watch, getClass: () => WatchController, switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({}) }) });
    nest.canActivate(context(nodeRequest('/watch/1', cookie).req) as never);
    for (let i = 0; i < 3; i++) {
      const { req } = nodeRequest('/watch/1', cookie);
      const { value, promises, weakMaps } = costOf(() => nest.canActivate(context(req) as never));
      expect(value).to.equal(true);
      expect({ promises, weakMaps }).to.deep.equal({ promises: 0, weakMaps: 0 });
    }
    expect(reads).to.equal(1);
    await guard.close();
  });
});
