import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedRouteOptions } from '../options.js';
import type { Sharelock } from '../sharelock.js';
import { readRawBody, type RawBody } from './body.js';
import { readForm, type Form } from './form.js';
import { handlerOf, type Answer, type Exchange, type HttpHandler } from './handler.js';
import { fromNodeRequest, methodOf, pathOf, targetOf, urlOf, type RequestLike } from './request.js';
import { isPromiseLike, type MaybePromise } from '../maybe-promise.js';
import type { HttpResponse } from './response.js';

/** Connect-style middleware on `node:http` types: works in Express 4 and 5, Connect, and plain servers. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Express's `res.locals`, where a guarded route's handler finds `sharelock`: its `GuardState`. */
type NodeLocals = { locals?: Record<string, unknown> };

/** The app-wide middleware: serves sharelock's own paths (challenge pages, ingest endpoint) and guards requests matching `protect` patterns. */
export function appMiddleware(core: Sharelock<any, any>): NodeMiddleware {
  const handler = handlerOf(core);
  return (req, res, next) => {
    // The path alone first: a request no pattern covers costs a pattern match and nothing else.
    const path = pathOf(urlOf(targetOf(req)));
    if (handler.isPage(path)) {
      const exchange = new NodeExchange(core, req, res);
      handler.page(exchange).then((response) => write(res, response, exchange.request.method), next);
      return;
    }
    const route = handler.route(methodOf(req), path);
    if (!route) return next();
    guard(handler, new NodeExchange(core, req, res), route, next);
  };
}

/** A per-route guard with its own options. */
export function routeMiddleware(core: Sharelock<any, any>, route: ResolvedRouteOptions): NodeMiddleware {
  const handler = handlerOf(core);
  return (req, res, next) => guard(handler, new NodeExchange(core, req, res), route, next);
}

type BodyParsed = IncomingMessage & { body?: unknown; rawBody?: unknown };

/** The request as the core sees it, from `node:http` objects (and what an Express body parser left on them). */
export class NodeExchange implements Exchange<IncomingMessage, ServerResponse> {
  readonly request: RequestLike;
  readonly context: { req: IncomingMessage; res: ServerResponse };

  constructor(core: Sharelock<any, any>, req: IncomingMessage, res: ServerResponse) {
    this.request = fromNodeRequest(req, core.config.trustProxy);
    this.context = { req, res };
  }

  readForm(): Promise<Form> {
    return readForm(this.context.req);
  }

  /** What an Express body parser that ran first left, if one did; else the stream. */
  readBody(maxBytes: number): Promise<RawBody> {
    const req = this.context.req as BodyParsed;
    return readRawBody(req, maxBytes, { parsed: req.body, raw: req.rawBody });
  }
}

function guard(handler: HttpHandler<any, any>, exchange: Exchange<IncomingMessage, ServerResponse>, route: ResolvedRouteOptions, next: (error?: unknown) => void): void {
  let answer: MaybePromise<Answer | undefined>;
  try {
    answer = handler.judge(exchange, route, exchange.context.req);
  } catch (error) {
    return next(error);
  }
  if (isPromiseLike(answer)) answer.then((later) => act(exchange, later, next), next);
  else act(exchange, answer, next);
}

/** Send the device cookie, then answer the request or let it through. */
function act(exchange: Exchange<IncomingMessage, ServerResponse>, answer: Answer | undefined, next: (error?: unknown) => void): void {
  if (!answer) return next();
  const { res } = exchange.context;
  if (answer.setCookie) appendSetCookie(res, answer.setCookie);
  if (answer.response) return write(res, answer.response, exchange.request.method);
  if (answer.headers) for (const name in answer.headers) res.setHeader(name, answer.headers[name]!);
  const { locals } = res as ServerResponse & NodeLocals;
  if (locals) locals.sharelock = answer.state;
  next();
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('set-cookie');
  res.setHeader('set-cookie', existing === undefined ? cookie : Array.isArray(existing) ? [...existing, cookie] : [String(existing), cookie]);
}

/** Write a sharelock response on a `node:http` response (also used by adapters that hand over the raw one). */
export function write(res: ServerResponse, response: HttpResponse, method: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (response.body !== undefined) res.setHeader('content-length', Buffer.byteLength(response.body));
  res.end(method === 'HEAD' ? undefined : response.body);
}
