import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedRouteOptions } from '../options.js';
import type { Decision, Sharelock } from '../sharelock.js';
import { ChallengeRoutes } from './challenge-routes.js';
import { readForm } from './form.js';
import { fromNodeRequest, type RequestLike } from './request.js';
import type { HttpResponse } from './response.js';
import { verdictResponse } from './verdict-response.js';

/** Connect-style middleware on `node:http` types: works in Express 4 and 5, Connect, and plain servers. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

// Route policies already decided per request, so a pattern and a `protect()` on the same route with
// the same options cost one decision.
const decided = new WeakMap<IncomingMessage, Set<string>>();

/** The app-wide middleware: serves the challenge pages and guards requests matching `protect` patterns. */
export function appMiddleware<Req extends IncomingMessage, Res extends ServerResponse>(core: Sharelock<Req, Res>): NodeMiddleware {
  const pages = new ChallengeRoutes(core);
  return (req, res, next) => {
    const request = fromNodeRequest(req, core.config.trustProxy);
    const run = async () => {
      const response = await pages.handle(request, () => readForm(req), { req: req as Req, res: res as Res });
      if (response) return write(res, response, request.method);
      const route = core.match(request.method, request.path);
      if (!route) return next();
      await guard(core, request, req as Req, res as Res, route, next);
    };
    run().catch(next);
  };
}

/** A per-route guard with its own options. */
export function routeMiddleware<Req extends IncomingMessage, Res extends ServerResponse>(core: Sharelock<Req, Res>, route: ResolvedRouteOptions): NodeMiddleware {
  return (req, res, next) => {
    guard(core, fromNodeRequest(req, core.config.trustProxy), req as Req, res as Res, route, next).catch(next);
  };
}

async function guard<Req extends IncomingMessage, Res extends ServerResponse>(
  core: Sharelock<Req, Res>,
  request: RequestLike,
  req: Req,
  res: Res,
  route: ResolvedRouteOptions,
  next: (error?: unknown) => void,
): Promise<void> {
  const seen = decided.get(req) ?? new Set<string>();
  if (seen.has(route.key)) return next();
  seen.add(route.key);
  decided.set(req, seen);

  const decision: Decision = await core.decide(request, req, route);
  if (decision.setCookie) appendSetCookie(res, decision.setCookie);
  const response = await verdictResponse(core.config, decision.verdict, request, { req, res });
  if (!response) return next();
  write(res, response, request.method);
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...list, cookie]);
}

function write(res: ServerResponse, response: HttpResponse, method: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (response.body !== undefined) res.setHeader('content-length', Buffer.byteLength(response.body));
  res.end(method === 'HEAD' ? undefined : response.body);
}
