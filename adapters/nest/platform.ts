import type { FastifyReply } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendResponse } from '../fastify/index.js';
import { readRawBody } from '../../src/http/body.js';
import { readForm } from '../../src/http/form.js';
import type { Exchange, GuardState } from '../../src/http/handler.js';
import { write } from '../../src/http/node.js';
import { fromNodeRequest } from '../../src/http/request.js';
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
  const trust = core.config.trustProxy;
  const raw = onFastify(req) ? req.raw : req;
  return {
    // The URL each routes: Express's `originalUrl` (under a mount, `url` is shortened); Fastify's
    // `url`, which is the one after a `rewriteUrl` (its `originalUrl` is the one before).
    request: onFastify(req) ? fromNodeRequest(req.raw, trust, req.url) : fromNodeRequest(req, trust),
    context: { req, res },
    // Express's `req.body` when Nest's body parser ran; on Fastify the pages answer before any parsing.
    readForm: () => readForm(raw),
    // Nest's JSON parser runs first on Express: its `body`, or with `rawBody: true` the bytes it read.
    readBody: (maxBytes) => readRawBody(raw, maxBytes, onFastify(req) ? {} : { parsed: (raw as { body?: unknown }).body, raw: (raw as { rawBody?: unknown }).rawBody }),
  };
}

/** Write a sharelock response with the platform's response: Fastify's reply runs its `onSend` hooks (sessions). */
export function send(res: PlatformResponse, response: HttpResponse, method: string): void {
  if (onFastify(res)) sendResponse(res as unknown as FastifyReply, response);
  else write(res, response, method);
}
