/**
 * The HTTP benchmark's scenarios, by name (`<framework>: <variant>`). A module of its own, so the
 * load generator (`http.ts`) loads no framework and each server child (`servers.ts`) only its own.
 */
export const VARIANTS = ['bare', 'sharelock (cached)', 'sharelock (no cache)', 'sharelock (free user)', 'sharelock (unprotected path)'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Express's own peers, as a user would compare: a session store and a rate limiter. */
export const EXPRESS_PEERS = ['express: express-session', 'express: express-rate-limit'] as const;

export const SCENARIOS: readonly string[] = [
  ...['express', 'koa', 'fastify'].flatMap((framework) => VARIANTS.map((variant) => `${framework}: ${variant}`)),
  ...EXPRESS_PEERS,
  // `a no-op guard`: what Nest's guard pipeline costs by itself (an `APP_GUARD` that returns true).
  ...['nest: bare', 'nest: a no-op guard', 'nest: sharelock (cached)', 'nest: sharelock (no cache)'],
];

/** What `npm run bench:quick` runs: the three fast-moving frameworks, without the peers and Nest. */
export const QUICK_SCENARIOS: readonly string[] = SCENARIOS.filter((scenario) => !scenario.startsWith('nest') && !(EXPRESS_PEERS as readonly string[]).includes(scenario));
