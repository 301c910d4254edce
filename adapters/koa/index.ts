import type { Context, Middleware, Next, ParameterizedContext } from 'koa';
import type { ResolvedRouteOptions, RouteOptions } from '../../src/options.js';
import type { Sharelock } from '../../src/sharelock.js';
import { readRawBody, type RawBody } from '../../src/http/body.js';
import { readForm, type Form } from '../../src/http/form.js';
import { handlerOf, type Answer, type Exchange, type GuardState, type HttpHandler } from '../../src/http/handler.js';
import { fromNodeRequest, methodOf, pathOf, urlOf, type RequestLike } from '../../src/http/request.js';
import { isPromiseLike, type MaybePromise } from '../../src/maybe-promise.js';
import type { HttpResponse } from '../../src/http/response.js';

/**
 * What sharelock puts on `ctx.state`: use it as Koa's state type, e.g. `new Koa<SharelockState>()`
 * or `new Router<SharelockState>()`, to read `ctx.state.sharelock` typed in a guarded route.
 */
export interface SharelockState {
  /** Set on a guarded request that was let through: its verdict, account and device. */
  sharelock?: GuardState;
}

/** A sharelock core whose `identify(ctx)` and `onLogout({ req: ctx, res: ctx })` receive Koa's context. */
export type KoaSharelock = Sharelock<Context, Context>;

export type { GuardState };

/**
 * The Koa middleware (Koa 2 and 3): serves the challenge pages under `challenge.basePath` and
 * guards every request matching the `protect` patterns. `identify` and `onLogout` receive Koa's
 * `ctx` (the `req` and `res` of `onLogout`'s argument are both `ctx`). Mount it before the routes.
 * @example
 * const guard = createSharelock<Koa.Context, Koa.Context>({
 *   secret: process.env.SHARELOCK_SECRET,
 *   identify: (ctx) => ctx.session?.user && { id: ctx.session.user.id, email: ctx.session.user.email },
 *   protect: ['/watch/*'],
 *   onLogout: ({ req: ctx }) => { ctx.session = null; },
 * });
 * app.use(session(app));
 * app.use(sharelock(guard));
 */
export function sharelock(guard: KoaSharelock): Middleware<SharelockState> {
  const handler = handlerOf(guard);
  return (ctx, next) => {
    // The path alone first: a request no pattern covers costs a pattern match and nothing else.
    const path = pathOf(urlOf(ctx.originalUrl));
    if (handler.isPage(path)) return handler.page(new KoaExchange(guard, ctx)).then((response) => write(ctx, response));
    const route = handler.route(methodOf(ctx.req), path);
    return route ? judge(handler, ctx, new KoaExchange(guard, ctx), route, next) : next();
  };
}

/**
 * A guard for one route with its own options, e.g. with `@koa/router`. The options are checked
 * here, so invalid ones throw at start-up. A request the `protect` patterns already decided with
 * the same options is not decided twice.
 * @example
 * router.get('/live/:id', protect(guard, { limits: { devices: 1 } }), (ctx) => { ctx.body = 'live'; });
 */
export function protect(guard: KoaSharelock, options?: RouteOptions): Middleware<SharelockState> {
  const handler = handlerOf(guard);
  const route = guard.route(options);
  return (ctx, next) => judge(handler, ctx, new KoaExchange(guard, ctx), route, next);
}

type KoaContext = ParameterizedContext<SharelockState>;

class KoaExchange implements Exchange<Context, Context> {
  readonly request: RequestLike;
  readonly context: { req: Context; res: Context };

  constructor(guard: KoaSharelock, ctx: KoaContext) {
    // `originalUrl`: a mounted app is judged on the path the client asked for.
    this.request = fromNodeRequest(ctx.req, guard.config.trustProxy, ctx.originalUrl);
    this.context = { req: ctx, res: ctx };
  }

  /** A body parser that already ran left the fields on `ctx.request.body`; else the stream is read. */
  readForm(): Promise<Form> {
    const ctx = this.context.req;
    return readForm(ctx.req, (ctx.request as { body?: unknown }).body);
  }

  /** koa-bodyparser, when it ran first, leaves `body` and the text it parsed (`rawBody`). */
  readBody(maxBytes: number): Promise<RawBody> {
    const ctx = this.context.req;
    const { body, rawBody } = ctx.request as { body?: unknown; rawBody?: unknown };
    return readRawBody(ctx.req, maxBytes, { parsed: body, raw: rawBody });
  }
}

/** Synchronous up to `next()` when the verdict was cached. */
function judge(handler: HttpHandler<Context, Context>, ctx: KoaContext, exchange: KoaExchange, route: ResolvedRouteOptions, next: Next): MaybePromise<void> {
  // `ctx` is the key: the app middleware and a route's guard see the same one, so a route policy is decided once.
  const answer = handler.judge(exchange, route, ctx);
  return isPromiseLike(answer) ? answer.then((later) => act(ctx, later, next)) : act(ctx, answer, next);
}

function act(ctx: KoaContext, answer: Answer | undefined, next: Next): MaybePromise<void> {
  if (!answer) return next();
  if (answer.setCookie) ctx.append('Set-Cookie', answer.setCookie);
  if (answer.headers) ctx.set(answer.headers);
  if (answer.response) return write(ctx, answer.response);
  ctx.state.sharelock = answer.state;
  return next();
}


function write(ctx: Context, response: HttpResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  // Set even when empty, so a body an earlier middleware left is never sent; Koa sends none for HEAD.
  ctx.body = response.body ?? '';
}
