import type { Config, ResolvedRouteOptions } from './options.js';

/**
 * Which requests the `protect` patterns cover, and with which route options.
 *
 * Precedence: `exclude` wins over every pattern; among `protect` rules the first that matches the
 * path (and method, when the rule lists methods) wins. `OPTIONS` preflights are never protected.
 * A route guarded by `guard.protect(options)` is checked with those options on top; when a request
 * also matches a pattern, both checks run and each must allow it.
 */
export function matchRoute(config: Pick<Config, 'rules' | 'exclude'>, method: string, path: string): ResolvedRouteOptions | undefined {
  if (method === 'OPTIONS' || config.rules.length === 0) return undefined;
  // Express treats `/watch/1/` as `/watch/1`; so do the patterns.
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (config.exclude?.(path)) return undefined;
  for (const rule of config.rules) {
    if (rule.methods && !rule.methods.has(method)) continue;
    if (rule.match(path)) return rule.options;
  }
  return undefined;
}
