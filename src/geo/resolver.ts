import type { IncomingHttpHeaders } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Location } from '../model.js';
import { isLocalIp } from '../net/network.js';
import { headerLocation, type GeoHeaderNames } from './headers.js';

export type GeoLookup = (ip: string) => Location | undefined | Promise<Location | undefined>;

export interface GeoConfig {
  /** Resolved header names (CDN presets expanded), in lower case. */
  headers: readonly GeoHeaderNames[];
  headerAccuracyKm: number;
  lookups: readonly GeoLookup[];
}

/**
 * IP → location, first hit wins: trusted CDN headers (only when the peer is a trusted proxy), then
 * each lookup (the app's own, then an offline database), then none. Local addresses have no
 * location. Lookups are memoised per IP; a failing lookup is skipped, never fatal.
 */
export class GeoResolver {
  readonly #config: GeoConfig;
  readonly #memo = new LRUCache<string, { location: Location | undefined }>({ max: 10_000, ttl: 3_600_000 });
  readonly #onError: (error: unknown) => void;

  constructor(config: GeoConfig, onError: (error: unknown) => void) {
    this.#config = config;
    this.#onError = onError;
  }

  get enabled(): boolean {
    return this.#config.headers.length > 0 || this.#config.lookups.length > 0;
  }

  async locate(ip: string | undefined, headers: IncomingHttpHeaders, fromTrustedProxy: boolean): Promise<Location | undefined> {
    if (fromTrustedProxy && this.#config.headers.length > 0) {
      const fromHeaders = headerLocation(headers, this.#config.headers, this.#config.headerAccuracyKm);
      if (fromHeaders) return fromHeaders;
    }
    if (!ip || isLocalIp(ip) || this.#config.lookups.length === 0) return undefined;
    const memo = this.#memo.get(ip);
    if (memo) return memo.location;
    let location: Location | undefined;
    for (const lookup of this.#config.lookups) {
      try {
        location = await lookup(ip);
      } catch (error) {
        this.#onError(error);
      }
      if (location) break;
    }
    this.#memo.set(ip, { location });
    return location;
  }
}
