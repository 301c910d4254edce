import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FastifyExchange, sendResponse } from '../fastify/index.js';
import type { Exchange, GuardState } from '../../src/http/handler.js';
import { NodeExchange, write } from '../../src/http/node.js';
import { methodOf, pathOf, targetOf, urlOf } from '../../src/http/request.js';
import type { HttpResponse } from '../../src/http/response.js';
import type { Sharelock } from '../../src/sharelock.js';

// What this adapter uses of Fastify's request and reply, so that apps on Express need no Fastify types.
interface FastifyRequestLike {
  raw: IncomingMessage;
  url: string;
  method: string;
}
interface FastifyReplyLike {
  raw: ServerResponse;
}

/** Where the guard leaves the `GuardState` that `@SharelockState()` reads. */
export const STATE = Symbol('sharelock.state');

export type PlatformRequest = (IncomingMessage | FastifyRequestLike) & { [STATE]?: GuardState };
export type PlatformResponse = ServerResponse | FastifyReplyLike;

// platform-fastify hands over Fastify's objects, which wrap the node:http ones in `raw`;
// platform-express hands over Express's, which are the node:http ones.
const onFastify = <T extends object>(value: T): value is Extract<T, { raw: unknown }> => 'raw' in value;

/** The request as the core sees it, with the platform's request and response for `identify` and `onLogout`. */
export function exchangeOf(core: Sharelock<any, any>, req: PlatformRequest, res: PlatformResponse): Exchange<PlatformRequest, PlatformResponse> {
  // Each platform's own mapping: Express's `originalUrl` (a mount shortens `url`), Fastify's `url`
  // (the one after a `rewriteUrl`); on Express, what Nest's body parsers left on the request.
  const exchange = onFastify(req) ? new FastifyExchange(core, req as unknown as FastifyRequest, res as unknown as FastifyReply) : new NodeExchange(core, req as IncomingMessage, res as ServerResponse);
  return exchange as unknown as Exchange<PlatformRequest, PlatformResponse>;
}

/** The method and path the `protect` patterns are matched on, without building the rest of the request. */
export function routedOf(req: PlatformRequest): { method: string; path: string } {
  const raw = onFastify(req) ? req.raw : req;
  return { method: methodOf(raw), path: pathOf(urlOf(onFastify(req) ? req.url : targetOf(raw))) };
}

/** Write a sharelock response with the platform's response: Fastify's reply runs its `onSend` hooks (sessions). */
export function send(res: PlatformResponse, response: HttpResponse, method: string): void {
  if (onFastify(res)) sendResponse(res as unknown as FastifyReply, response);
  else write(res, response, method);
}
