import { dashboardOf } from '../dashboard/index.js';
import { SharelockError } from '../errors.js';
import type { ResolvedRouteOptions, RouteOptions } from '../options.js';
import type { Decision, Sharelock } from '../sharelock.js';
import type { RawBody } from './body.js';
import { ChallengeRoutes } from './challenge-routes.js';
import type { Form } from './form.js';
import { IngestRoute } from './ingest-route.js';
import { firstValue, type RequestLike } from './request.js';
import type { HttpResponse } from './response.js';
import { verdictResponse } from './verdict-response.js';
import { isPromiseLike, type MaybePromise } from '../maybe-promise.js';

/**
 * One request as every adapter hands it to the core. The adapters' are class instances (one object
 * per request, its methods shared), not literals with a closure per method.
 */
export interface Exchange<Req, Res> {
  readonly request: RequestLike;
  /** What the app's `identify(req)` and `onLogout({ req, res })` receive: the framework's own objects. */
  readonly context: { req: Req; res: Res };
  /** The urlencoded fields of a challenge or dashboard form; called for POSTs to those pages only. */
  readForm(): Promise<Form>;
  /**
   * The request body, at most `maxBytes` (see `readRawBody`); called by the ingest endpoint only,
   * after the request is authenticated. Without it that endpoint answers 500.
   */
  readBody?(maxBytes: number): Promise<RawBody>;
}

/** What a guarded route's handler can read about its request (`res.locals.sharelock`, `ctx.state.sharelock`, ...). */
export type GuardState = Omit<Decision, 'setCookie'>;

/** What to do with a guarded request: always send `setCookie`; answer with `response`, or let it through. */
export interface Answer {
  state: GuardState;
  setCookie?: string;
  /**
   * Headers for the app's own response when the request goes through (`Accept-CH`, `Critical-CH`
   * with the `clientHints` option); already in `response` otherwise.
   */
  headers?: Readonly<Record<string, string>>;
  /** `undefined` lets the request through to the app's handler. */
  response?: HttpResponse;
}

/**
 * Everything an adapter does between its framework and the core, written once: sharelock's own
 * paths (the challenge pages, the ingest endpoint), which requests the `protect` patterns cover,
 * and the answer to a guarded request. An adapter only builds the `Exchange` and writes the
 * `HttpResponse` with its framework's API.
 */
export class HttpHandler<Req, Res> {
  readonly core: Sharelock<Req, Res>;
  readonly #pages: ChallengeRoutes<Req, Res>;
  readonly #ingest: IngestRoute;
  /**
   * Where a request keeps what it was judged on: a property of the framework's request object,
   * named by this handler's own symbol (a `WeakMap` entry per request costs more, and its GC more still).
   */
  readonly #judged = Symbol('sharelock.judged');
  readonly #resolved = new WeakMap<object, ResolvedRouteOptions>();
  /** `clientHintHeaders`, or `undefined` when there are none. */
  readonly #hints: Readonly<Record<string, string>> | undefined;

  constructor(core: Sharelock<Req, Res>) {
    this.core = core;
    this.#pages = new ChallengeRoutes(core);
    this.#ingest = new IngestRoute(core);
    const hints = core.config.clientHintHeaders;
    this.#hints = Object.keys(hints).length > 0 ? hints : undefined;
  }

  /**
   * Whether the path is sharelock's own, which `page()` answers: a challenge page, the ingest
   * endpoint when enabled, or the dashboard once `guard.dashboard()` turned it on. Never protected.
   */
  isPage(path: string): boolean {
    return this.#pages.matches(path) || this.#ingest.matches(path) || dashboardOf(this.core)?.matches(path) === true;
  }

  /** The dashboard's path when `guard.dashboard()` turned it on, for adapters that register routes up front. */
  get dashboardPath(): string | undefined {
    return dashboardOf(this.core)?.path;
  }

  /**
   * For an adapter that parses bodies before its handler runs: the ingest endpoint's answer to a
   * request it refuses without reading the body (401 without a write key, 404, 405, 415), else `undefined`.
   */
  refuseIngestEarly(request: RequestLike): HttpResponse | undefined {
    return this.#ingest.matches(request.path) ? this.#ingest.refuseEarly(request) : undefined;
  }

  /** The answer to a request for one of sharelock's own paths (see `isPage`). */
  async page(exchange: Exchange<Req, Res>): Promise<HttpResponse> {
    if (this.#ingest.matches(exchange.request.path)) return this.#ingest.handle(exchange.request, exchange.readBody && ((maxBytes) => exchange.readBody!(maxBytes)));
    const readForm = () => exchange.readForm();
    const dashboard = dashboardOf(this.core);
    if (dashboard?.matches(exchange.request.path)) return dashboard.handle(exchange.request, readForm, exchange.context);
    return this.#askHints((await this.#pages.handle(exchange.request, readForm, exchange.context))!);
  }

  /**
   * Per-route options (`@Protect()`, a Fastify route's `config.sharelock`) resolved once per options
   * object. Invalid ones throw a `SharelockError` that says `where` they were given.
   */
  resolve(options: RouteOptions, where: string): ResolvedRouteOptions {
    let route = this.#resolved.get(options as object);
    if (route) return route;
    try {
      route = this.core.route(options);
    } catch (error) {
      if (error instanceof SharelockError) error.message += ` (${where})`;
      throw error;
    }
    if (typeof options === 'object' && options !== null) this.#resolved.set(options, route);
    return route;
  }

  /**
   * The options of the `protect` pattern covering this request, or `undefined` when none does. Only
   * the method and path: an adapter builds the rest of the request once it knows it is protected.
   */
  route(method: string, path: string): ResolvedRouteOptions | undefined {
    return this.core.match(method, path);
  }

  /**
   * Decide a guarded request with these route options. `undefined` when the same options were
   * already decided for this request (`key`: the framework's request object) and let it through.
   * The answer itself when no I/O was needed (a cached allow), else a promise of it.
   */
  judge(exchange: Exchange<Req, Res>, route: ResolvedRouteOptions, key: object): MaybePromise<Answer | undefined> {
    const judged = this.#mark(key, route.key);
    if (!judged) return undefined;
    // A new device gets its id from the request's first decision; a second one must not mint another.
    const request = judged.minted ? withCookie(exchange.request, judged.minted) : exchange.request;
    const decision = this.core.decision(request, exchange.context.req, route);
    if (!isPromiseLike(decision)) return this.#answer(decision, judged, request, exchange.context);
    return decision.then((later) => this.#answer(later, judged, request, exchange.context));
  }

  /** Record that this request is judged on these route options; `undefined` when it already was. */
  #mark(key: object, routeKey: string): Judged | undefined {
    const marked = key as { [judged: symbol]: Judged | undefined };
    const judged = marked[this.#judged];
    if (!judged) return (marked[this.#judged] = new Judged(routeKey));
    return judged.add(routeKey) ? judged : undefined;
  }

  /**
   * `judge` with the `protect` pattern's options, then the route's own (either may be missing):
   * each must allow. Each answer goes to `answered`, which writes it and says whether that answered
   * the request. `true` when one did. Synchronous while every decision is.
   */
  judgeEach<E extends Exchange<Req, Res>>(exchange: E, pattern: ResolvedRouteOptions | undefined, own: ResolvedRouteOptions | undefined, key: object, answered: (exchange: E, answer: Answer) => boolean): MaybePromise<boolean> {
    if (!pattern) return own ? this.#judgeOne(exchange, own, key, answered) : false;
    const first = this.#judgeOne(exchange, pattern, key, answered);
    if (!own) return first;
    if (isPromiseLike(first)) return first.then((sent) => sent || this.#judgeOne(exchange, own, key, answered));
    return first || this.#judgeOne(exchange, own, key, answered);
  }

  #judgeOne<E extends Exchange<Req, Res>>(exchange: E, route: ResolvedRouteOptions, key: object, answered: (exchange: E, answer: Answer) => boolean): MaybePromise<boolean> {
    const answer = this.judge(exchange, route, key);
    if (isPromiseLike(answer)) return answer.then((later) => later !== undefined && answered(exchange, later));
    return answer !== undefined && answered(exchange, answer);
  }

  #answer(decision: Decision, judged: Judged, request: RequestLike, context: Exchange<Req, Res>['context']): MaybePromise<Answer> {
    const { verdict, setCookie, accountId, deviceId } = decision;
    // The decision is the state unless it carries a cookie (a cached allow never does).
    let state: GuardState = decision;
    if (setCookie) {
      state = { verdict };
      if (accountId !== undefined) state.accountId = accountId;
      if (deviceId !== undefined) state.deviceId = deviceId;
    }
    const answer: Answer = { state };
    if (setCookie) {
      answer.setCookie = setCookie;
      judged.minted = setCookie.slice(0, setCookie.indexOf(';'));
    }
    if (this.#hints) answer.headers = this.#hints;
    if (verdict.kind === 'allow') return answer;
    return verdictResponse(this.core.config, verdict, request, context).then((response) => {
      if (response) answer.response = this.#askHints(response);
      return answer;
    });
  }

  /** `Accept-CH` (and `Critical-CH`) on a response, when `clientHints` asks for them. */
  #askHints(response: HttpResponse): HttpResponse {
    return this.#hints ? { ...response, headers: { ...response.headers, ...this.#hints } } : response;
  }
}

/** What one request was judged on so far: the route policies, and the device cookie its first decision set. */
class Judged {
  /** `name=value` of that cookie. */
  minted: string | undefined = undefined;
  /** Route policy keys after the first; rarely any. */
  #more: string[] | undefined = undefined;

  constructor(readonly first: string) {}

  /** Add a route policy; `false` when it was judged already. */
  add(routeKey: string): boolean {
    if (routeKey === this.first || this.#more?.includes(routeKey)) return false;
    (this.#more ??= []).push(routeKey);
    return true;
  }
}

function withCookie(request: RequestLike, cookie: string): RequestLike {
  const sent = firstValue(request.headers.cookie);
  // The cookie parser keeps the first value of a name, so the minted device wins over a bad cookie.
  return { ...request, headers: { ...request.headers, cookie: sent ? `${cookie}; ${sent}` : cookie } };
}

const handlers = new WeakMap<Sharelock<any, any>, HttpHandler<any, any>>();

/** One handler per core, so an adapter's app-wide middleware and every per-route guard share their bookkeeping. */
export function handlerOf<Req, Res>(core: Sharelock<Req, Res>): HttpHandler<Req, Res> {
  let handler = handlers.get(core);
  if (!handler) handlers.set(core, (handler = new HttpHandler(core)));
  return handler;
}
