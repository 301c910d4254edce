import { createRequire } from 'node:module';
import type { Location } from '../model.js';

interface GeoIpLite {
  lookup(ip: string): { ll?: [number, number]; country?: string; city?: string; area?: number } | null;
}

let loaded: GeoIpLite | undefined;

/**
 * A lookup over `geoip-lite@^1` (an optional peer dependency; v2 needs Node 24), loaded on first
 * use. Its `area` is the accuracy radius in km. Throws a clear error when it is not installed.
 */
export function geoipLiteLookup(): (ip: string) => Location | undefined {
  if (!loaded) {
    try {
      loaded = createRequire(import.meta.url)('geoip-lite') as GeoIpLite;
    } catch {
      throw new Error("geo.database 'geoip-lite' needs the package: npm install geoip-lite@^1");
    }
  }
  const geoip = loaded;
  return (ip) => {
    const found = geoip.lookup(ip);
    if (!found) return undefined;
    const location: Location = {};
    if (found.ll && (found.ll[0] !== 0 || found.ll[1] !== 0)) [location.lat, location.lon] = found.ll;
    if (found.area) location.accuracyKm = found.area;
    if (found.country) location.country = found.country;
    if (found.city) location.city = found.city;
    return Object.keys(location).length > 0 ? location : undefined;
  };
}
