import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedRouteOptions } from '../options.js';
import type { Sharelock } from '../sharelock.js';
import { readRawBody } from './body.js';
import { readForm } from './form.js';
import { handlerOf, type Answer, type Exchange, type HttpHandler } from './handler.js';
import { fromNodeRequest } from './request.js';
import type { HttpResponse } from './response.js';

/** Connect-style middleware on `node:http` types: works in Express 4 and 5, Connect, and plain servers. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Express's `res.locals`, where a guarded route's handler finds `sharelock`: its `GuardState`. */
type NodeLocals = { locals?: Record<string, unknown> };

/** The app-wide middleware: serves sharelock's own paths (challenge pages, ingest endpoint) and guards requests matching `protect` patterns. */
export function appMiddleware(core: Sharelock<any, any>): NodeMiddleware {
  const handler = handlerOf(core);
  return (req, res, next) => {
    const exchange = nodeExchange(core, req, res);
    const { request } = exchange;
    if (handler.isPage(request.path)) {
      handler.page(exchange).then((response) => write(res, response, request.method), next);
      return;
    }
    const route = handler.route(request);
    if (!route) return next();
    guard(handler, exchange, route, next);
  };
}

/** A per-route guard with its own options. */
export function routeMiddleware(core: Sharelock<any, any>, route: ResolvedRouteOptions): NodeMiddleware {
  const handler = handlerOf(core);
  return (req, res, next) => guard(handler, nodeExchange(core, req, res), route, next);
}

/** The request as the core sees it, from `node:http` objects (and what an Express body parser left on them). */
export function nodeExchange(core: Sharelock<any, any>, req: IncomingMessage & { body?: unknown; rawBody?: unknown }, res: ServerResponse): Exchange<IncomingMessage, ServerResponse> {
  return {
    request: fromNodeRequest(req, core.config.trustProxy),
    context: { req, res },
    readForm: () => readForm(req),
    // What an Express body parser that ran first left, if one did.
    readBody: (maxBytes) => readRawBody(req, maxBytes, { parsed: req.body, raw: req.rawBody }),
  };
}

function guard(handler: HttpHandler<any, any>, exchange: Exchange<IncomingMessage, ServerResponse>, route: ResolvedRouteOptions, next: (error?: unknown) => void): void {
  const { req, res } = exchange.context;
  handler.judge(exchange, route, req).then((answer?: Answer) => {
    if (!answer) return next();
    if (answer.setCookie) appendSetCookie(res, answer.setCookie);
    if (answer.response) return write(res, answer.response, exchange.request.method);
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    const { locals } = res as ServerResponse & NodeLocals;
    if (locals) locals.sharelock = answer.state;
    next();
  }, next);
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...list, cookie]);
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
