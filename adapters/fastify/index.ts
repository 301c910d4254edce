import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SharelockError, show } from '../../src/errors.js';
import { readRawBody, type RawBody } from '../../src/http/body.js';
import { readForm, type Form } from '../../src/http/form.js';
import { handlerOf, type Answer, type Exchange, type GuardState, type HttpHandler } from '../../src/http/handler.js';
import { fromNodeRequest, methodOf, pathOf, urlOf, type RequestLike } from '../../src/http/request.js';
import { isPromiseLike } from '../../src/maybe-promise.js';
import type { HttpResponse } from '../../src/http/response.js';
import type { ResolvedRouteOptions, RouteOptions } from '../../src/options.js';
import { Sharelock } from '../../src/sharelock.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What the guard decided for this request (an allow: other verdicts never reach the handler); `null` when it was not judged. */
    sharelock: GuardState | null;
  }
  interface FastifyContextConfig {
    /** Guard this route with its own options (`limits`, `storeFailure`), validated when the route is added. */
    sharelock?: RouteOptions;
  }
}

export type GuardHook = 'onRequest' | 'preValidation' | 'preHandler';

export interface SharelockPluginOptions {
  guard: Sharelock<FastifyRequest, FastifyReply>;
  /** The request hook the guard runs in: late enough for your auth hooks to have set the user. Default `'preHandler'`. */
  hook?: GuardHook;
}

const HOOKS: ReadonlySet<string> = new Set<GuardHook>(['onRequest', 'preValidation', 'preHandler']);
// What `register()` itself passes to every plugin, besides our own options.
const KNOWN_KEYS: ReadonlySet<string> = new Set(['guard', 'hook', 'prefix', 'logLevel', 'logSerializers', 'childLoggerFactory']);

/**
 * The Fastify 5 plugin: serves the challenge pages under `challenge.basePath` (and the ingest
 * endpoint under `ingest.path`, when enabled), guards every request
 * matching the `protect` patterns, and every route with `config: { sharelock: options }`. Register it
 * before the plugins holding your routes (a plugin's scope copies the app's hooks when it starts).
 * The guard runs in `hook` (default `preHandler`): after every `onRequest`/`preValidation` hook, so
 * it sees the user your auth hooks set there.
 * @example
 * const guard = createSharelock<FastifyRequest, FastifyReply>({ secret, identify: (req) => req.user && { id: req.user.id }, protect: ['/watch/*'] });
 * await app.register(sharelock, { guard });
 * app.get('/live/:id', { config: { sharelock: { limits: { devices: 1 } } } }, live);
 */
export const sharelock = fp(
  async function sharelock(app: FastifyInstance, options: SharelockPluginOptions) {
    const { guard, hook } = checkOptions(options);
    const handler = handlerOf(guard);
    const resolved = routeResolver(handler);
    if (!app.hasRequestDecorator('sharelock')) app.decorateRequest('sharelock', null);

    // One hook for the whole app, so routes added before the plugin are guarded too, and so are
    // 404s under a pattern (Fastify's routes are case-sensitive; the patterns are not). The three
    // hooks take the same (request, reply).
    app.addHook(hook as 'preHandler', (request, reply, done) => {
      // The path alone first: a request no pattern covers costs a pattern match and nothing else.
      const path = pathOf(urlOf(request.url));
      if (handler.isPage(path)) return done();
      const pattern = handler.route(methodOf(request.raw), path);
      const own = request.routeOptions.config.sharelock;
      if (!pattern && own === undefined) return done();
      // Both are judged and each must allow (the same options are decided once).
      const answered = handler.judgeEach(new FastifyExchange(guard, request, reply), pattern, own === undefined ? undefined : resolved(own, request.routeOptions), request, act);
      // An answered request stops here: `done` is not called.
      if (!isPromiseLike(answered)) return answered ? undefined : done();
      answered.then((sent) => (sent ? undefined : done()), done);
    });
    // Per-route options are validated as each route is added, so a mistake stops the app from starting.
    app.addHook('onRoute', (route) => {
      if (route.config?.sharelock !== undefined) resolved(route.config.sharelock, route);
    });

    // In their own scope, so this parser leaves the app's body parsing alone. The pages read their
    // urlencoded forms themselves (at most 8 KB); any other body is an empty form, which they refuse.
    await app.register(async (pages) => {
      pages.removeAllContentTypeParsers();
      pages.addContentTypeParser('*', (request: FastifyRequest) => readForm(request.raw));
      // The challenge pages, and the dashboard when `guard.dashboard()` was called before the plugin was registered.
      const dashboard = handler.dashboardPath;
      const urls = [`${guard.config.challenge.basePath}/challenge/*`, ...(dashboard ? [dashboard, `${dashboard}/*`] : [])];
      for (const url of urls) {
        pages.route({ method: ['GET', 'HEAD', 'POST'], url, handler: async (request, reply) => sendResponse(reply, await handler.page(new FastifyExchange(guard, request, reply))) });
      }
    });
    // The ingest endpoint reads its bodies itself (size limit, gzip, JSON), in a scope of its own:
    // every content type reaches its handler as the bytes sent (a wrong one is refused with a 415).
    if (guard.config.ingest.enabled) {
      await app.register(async (ingest) => {
        const { path, maxBodyBytes } = guard.config.ingest;
        ingest.removeAllContentTypeParsers();
        ingest.addContentTypeParser('*', (request: FastifyRequest) => readRawBody(request.raw, maxBodyBytes));
        // Before the body is parsed: a request without a valid write key never has its body read.
        ingest.addHook('onRequest', async (request, reply) => {
          const refusal = handler.refuseIngestEarly(fromNodeRequest(request.raw, guard.config.trustProxy, request.url));
          return refusal ? sendResponse(reply, refusal) : undefined;
        });
        const serve = async (request: FastifyRequest, reply: FastifyReply) => sendResponse(reply, await handler.page(new FastifyExchange(guard, request, reply, request.body as RawBody | undefined)));
        // Above Fastify's own `bodyLimit`, so the endpoint answers an oversized body itself.
        ingest.all(path, { bodyLimit: maxBodyBytes + 1 }, serve);
        ingest.all(`${path}/*`, { bodyLimit: maxBodyBytes + 1 }, serve);
      });
    }
  },
  { fastify: '5.x', name: 'sharelock' },
);

/** The request as the core sees it. The routed URL: `originalUrl` is the one before a `rewriteUrl`. */
export class FastifyExchange implements Exchange<FastifyRequest, FastifyReply> {
  readonly request: RequestLike;
  readonly context: { req: FastifyRequest; res: FastifyReply };
  /** The body the ingest scope's own parser already read, if it did. */
  readonly #body: RawBody | undefined;

  constructor(guard: Sharelock<any, any>, request: FastifyRequest, reply: FastifyReply, body?: RawBody) {
    this.request = fromNodeRequest(request.raw, guard.config.trustProxy, request.url);
    this.context = { req: request, res: reply };
    this.#body = body;
  }

  /** The pages' own parser yields a form; in an `onRequest` hook (Nest) nothing is parsed yet. */
  readForm(): Promise<Form> {
    const request = this.context.req;
    return readForm(request.raw, request.body);
  }

  async readBody(maxBytes: number): Promise<RawBody> {
    return this.#body ?? readRawBody(this.context.req.raw, maxBytes);
  }
}

/** Write a sharelock response with Fastify's reply (HEAD: headers only). */
export function sendResponse(reply: FastifyReply, response: HttpResponse): FastifyReply {
  reply.code(response.status).headers(response.headers);
  if (response.body === undefined) return reply.send();
  reply.header('content-length', Buffer.byteLength(response.body));
  return reply.send(reply.request.method === 'HEAD' ? undefined : response.body);
}

/** Write a guarded request's answer; `true` when sharelock answered the request. */
function act(exchange: FastifyExchange, answer: Answer): boolean {
  const { req: request, res: reply } = exchange.context;
  // Fastify appends to Set-Cookie, so the app's own cookies stay.
  if (answer.setCookie) reply.header('set-cookie', answer.setCookie);
  if (answer.headers) reply.headers(answer.headers);
  if (answer.response) {
    sendResponse(reply, answer.response);
    return true;
  }
  request.sharelock = answer.state;
  return false;
}

/** Route options from `config.sharelock`, resolved once per options object. Throws on invalid ones, naming the route. */
function routeResolver(handler: HttpHandler<any, any>) {
  return (options: RouteOptions, route: { method: string | string[]; url?: string | undefined }): ResolvedRouteOptions =>
    handler.resolve(options, `\`config.sharelock\` of route ${route.method} ${route.url}${(options as unknown) === false ? '; to keep a path out of the `protect` patterns, list it in `exclude`' : ''}`);
}

function checkOptions(options: SharelockPluginOptions): { guard: SharelockPluginOptions['guard']; hook: GuardHook } {
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new SharelockError('SHARELOCK_E_OPTION_UNKNOWN', `Unknown option \`${key}\` of the sharelock Fastify plugin. Known: guard, hook.`);
  }
  if (!(options.guard instanceof Sharelock)) throw new SharelockError('SHARELOCK_E_OPTION_INVALID', `Invalid \`guard\`: ${show(options.guard)}. Pass the instance from createSharelock(): app.register(sharelock, { guard }).`);
  if (options.hook !== undefined && !HOOKS.has(options.hook)) throw new SharelockError('SHARELOCK_E_OPTION_INVALID', `Invalid \`hook\`: ${show(options.hook)}. Use 'onRequest', 'preValidation' or 'preHandler' (the default).`);
  return { guard: options.guard, hook: options.hook ?? 'preHandler' };
}
