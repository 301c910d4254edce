import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a scrape needs from a prom-client `Registry`. */
export interface Exposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * A Node `http` handler serving the register's metrics; also an Express (4 and 5) route handler.
 * Serve it on an internal port or behind your own auth: metrics tell how many accounts are challenged.
 * @example app.get('/metrics', metricsHandler(metrics.register))
 */
export function metricsHandler(register: Exposition): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    register.metrics().then(
      (text) => {
        res.statusCode = 200;
        res.setHeader('Content-Type', register.contentType);
        res.end(text);
      },
      (error: unknown) => {
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(`metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  };
}

/** The part of a Koa context the endpoint writes. */
export interface KoaMetricsContext {
  set(field: string, value: string): void;
  body: unknown;
}

/**
 * Koa middleware serving the register's metrics; mount it on a route.
 * @example router.get('/metrics', koaMetricsHandler(metrics.register))
 */
export function koaMetricsHandler(register: Exposition): (ctx: KoaMetricsContext) => Promise<void> {
  return async (ctx) => {
    ctx.set('Content-Type', register.contentType);
    ctx.body = await register.metrics();
  };
}

/** The part of a Fastify reply the endpoint writes. */
export interface FastifyMetricsReply {
  type(contentType: string): unknown;
}

/**
 * A Fastify route handler serving the register's metrics.
 * @example app.get('/metrics', fastifyMetricsHandler(metrics.register))
 */
export function fastifyMetricsHandler(register: Exposition): (request: unknown, reply: FastifyMetricsReply) => Promise<string> {
  return async (_request, reply) => {
    reply.type(register.contentType);
    return register.metrics();
  };
}
