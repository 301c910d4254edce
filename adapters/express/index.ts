import type { Sharelock } from '../../src/sharelock.js';
import { appMiddleware, type NodeMiddleware } from '../../src/http/node.js';

/**
 * The Express middleware (Express 4 and 5): serves the challenge pages under
 * `challenge.basePath` and guards every request matching the `protect` patterns.
 * Per-route options go through `guard.protect(options)`.
 * @example
 * const guard = createSharelock({ secret, identify: (req) => req.user && { id: req.user.id, email: req.user.email }, protect: ['/watch/*'] });
 * app.use(sharelock(guard));
 * app.get('/live/:id', guard.protect({ limits: { devices: 2 } }), handler);
 */
export function sharelock(guard: Sharelock<any, any>): NodeMiddleware {
  return appMiddleware(guard);
}

export type { NodeMiddleware };
