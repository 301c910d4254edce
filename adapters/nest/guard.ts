import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { handlerOf, type Answer, type Exchange, type HttpHandler } from '../../src/http/handler.js';
import { isPromiseLike } from '../../src/maybe-promise.js';
import type { ResolvedRouteOptions, RouteOptions } from '../../src/options.js';
import type { Sharelock } from '../../src/sharelock.js';
import { SharelockVerdictException } from './exception.js';
import { exchangeOf, routedOf, STATE, type PlatformRequest, type PlatformResponse } from './platform.js';
import { InjectSharelock, PROTECT_METADATA } from './tokens.js';

/**
 * The Nest guard: judges each request whose handler or controller has `@Protect()`, or whose path
 * matches the `protect` patterns, unless `@SkipSharelock()` exempts it. It covers the HTTP routes
 * of Nest's controllers (not static files, `app.use()` handlers, GraphQL or WebSocket contexts);
 * `SharelockModule` serves the challenge pages.
 *
 * `identify(req)` must see the user, so authentication has to run first. Guards run in order:
 * global ones (`APP_GUARD`, in the order they are provided), then the controller's, then the
 * handler's, each list left to right. With a global auth guard, provide it before this one; with
 * `@UseGuards(AuthGuard('jwt'))` on controllers, add this guard after it there instead of globally.
 * (Middleware, such as a session, runs before every guard.)
 * @example
 * // Every route, after the app's global auth guard:
 * providers: [{ provide: APP_GUARD, useClass: AuthGuard }, { provide: APP_GUARD, useClass: SharelockGuard }]
 * @example
 * // Some controllers or handlers only:
 * @UseGuards(AuthGuard('jwt'), SharelockGuard)
 * @Controller('watch')
 * class WatchController {}
 */
@Injectable()
export class SharelockGuard implements CanActivate {
  readonly #handler: HttpHandler<PlatformRequest, PlatformResponse>;
  /**
   * Each route handler's `@Protect()` options (or `@SkipSharelock()`'s `false`), read and resolved
   * once: controller class → handler → options. A plain `Map`: routes are few and live as long as the app.
   */
  readonly #marks = new Map<Function, Map<Function, ResolvedRouteOptions | false | undefined>>();
  readonly #answered = (exchange: Exchange<PlatformRequest, PlatformResponse>, answer: Answer) => this.#act(exchange, answer);

  constructor(
    @InjectSharelock() private readonly core: Sharelock<any, any>,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.#handler = handlerOf(core);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const marked = this.#markOf(context.getClass(), context.getHandler());
    if (marked === false) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<PlatformRequest>();
    const { method, path } = routedOf(req);
    const pattern = this.#handler.route(method, path);
    // Neither a pattern nor @Protect(): nothing to judge, nothing more to build.
    if (!pattern && !marked) return true;
    // Both are judged and each must allow (the same options are decided once per request).
    const answered = this.#handler.judgeEach(exchangeOf(this.core, req, http.getResponse<PlatformResponse>()), pattern, marked, req, this.#answered);
    return isPromiseLike(answered) ? Promise.resolve(answered).then(() => true) : true;
  }

  /** The resolved `@Protect()` options of this handler, `false` for `@SkipSharelock()`, `undefined` for neither. */
  #markOf(controller: Function, method: Function): ResolvedRouteOptions | false | undefined {
    let methods = this.#marks.get(controller);
    if (!methods) this.#marks.set(controller, (methods = new Map()));
    if (methods.has(method)) return methods.get(method);
    const marked = this.reflector.getAllAndOverride<RouteOptions | false | undefined>(PROTECT_METADATA, [method, controller]);
    const resolved = marked === false || marked === undefined ? marked : routeOf(this.core, marked, controller, method);
    methods.set(method, resolved);
    return resolved;
  }

  /** Write the cookie and headers; a verdict other than allow is thrown, for the module's filter to write. */
  #act({ context: { req, res } }: Exchange<PlatformRequest, PlatformResponse>, answer: Answer): false {
    const adapter = this.adapterHost.httpAdapter;
    // Whatever the verdict: the device cookie goes with the response, after the app's own cookies.
    if (answer.setCookie) adapter.appendHeader(res, 'set-cookie', answer.setCookie);
    if (answer.headers) for (const name in answer.headers) adapter.setHeader(res, name, answer.headers[name]!);
    if (answer.response) {
      for (const [name, value] of Object.entries(answer.response.headers)) adapter.setHeader(res, name, value);
      // Thrown, not written here followed by `return false`: Nest turns `false` into a
      // ForbiddenException that every exception filter of the app sees (a catch-all one would
      // answer a second time), and on Fastify an async `onSend` hook can still be writing our reply
      // when the built-in filter checks whether headers were sent. The module's filter writes it;
      // the cost: a catch-all filter the app registers later sees it first (the headers set above
      // keep that answer a working redirect or 403).
      throw new SharelockVerdictException(answer.response);
    }
    req[STATE] = answer.state;
    return false;
  }
}


/** The options of one `@Protect()`, resolved once per `Sharelock`; throws on invalid ones, naming the route. */
export function routeOf(core: Sharelock<any, any>, options: RouteOptions, controller: Function, handler: Function): ResolvedRouteOptions {
  return handlerOf(core).resolve(options, `@Protect() on ${controller.name}.${handler.name}`);
}
