import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { handlerOf, type Answer } from '../../src/http/handler.js';
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
  constructor(
    @InjectSharelock() private readonly core: Sharelock<any, any>,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const marked = this.reflector.getAllAndOverride<RouteOptions | false | undefined>(PROTECT_METADATA, [context.getHandler(), context.getClass()]);
    if (marked === false) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<PlatformRequest>();
    const res = http.getResponse<PlatformResponse>();
    const handler = handlerOf(this.core);
    const { method, path } = routedOf(req);
    const pattern = handler.route(method, path);
    // Neither a pattern nor @Protect(): nothing to judge, nothing more to build.
    if (!pattern && !marked) return true;
    // Both are judged and each must allow (the same options are decided once per request).
    const routes = [pattern, marked ? routeOf(this.core, marked, context.getClass(), context.getHandler()) : undefined];
    const answered = handler.judgeEach(exchangeOf(this.core, req, res), routes, req, (answer) => this.#act(req, res, answer));
    return isPromiseLike(answered) ? Promise.resolve(answered).then(() => true) : true;
  }

  /** Write the cookie and headers; a verdict other than allow is thrown, for the module's filter to write. */
  #act(req: PlatformRequest, res: PlatformResponse, answer: Answer): false {
    const adapter = this.adapterHost.httpAdapter;
    // Whatever the verdict: the device cookie goes with the response, after the app's own cookies.
    if (answer.setCookie) adapter.appendHeader(res, 'set-cookie', answer.setCookie);
    for (const [name, value] of Object.entries(answer.headers ?? {})) adapter.setHeader(res, name, value);
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
