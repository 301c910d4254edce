import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

export type Prom = typeof PromClient;

let loaded: Prom | undefined;

/**
 * prom-client, loaded when metrics are first collected: it is an optional peer dependency, so
 * nothing else in sharelock may import it.
 */
export function promClient(): Prom {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('prom-client') as Prom;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error('sharelock/metrics needs prom-client, an optional peer dependency: npm install prom-client@^15');
  }
  return loaded;
}
