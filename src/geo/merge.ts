import type { Location } from '../model.js';

/**
 * Several databases as one lookup, e.g. a City database for the place and an ASN or Anonymous IP
 * database for the network. The first database that knows a field wins it; the position (lat, lon
 * and its radius) is taken whole from one database, never mixed; `hosting` and `mobile` are true
 * when any database says so.
 */
export function mergedLookup(lookups: readonly ((ip: string) => Location | undefined)[]): (ip: string) => Location | undefined {
  return (ip) => {
    const merged: Location = {};
    for (const lookup of lookups) {
      const found = lookup(ip);
      if (!found) continue;
      if (merged.lat === undefined && found.lat !== undefined && found.lon !== undefined) {
        merged.lat = found.lat;
        merged.lon = found.lon;
        if (found.accuracyKm !== undefined) merged.accuracyKm = found.accuracyKm;
      }
      merged.country ??= found.country;
      merged.city ??= found.city;
      merged.asn ??= found.asn;
      if (found.hosting !== undefined) merged.hosting = merged.hosting === true || found.hosting;
      if (found.mobile !== undefined) merged.mobile = merged.mobile === true || found.mobile;
    }
    for (const key of Object.keys(merged) as (keyof Location)[]) if (merged[key] === undefined) delete merged[key];
    return Object.keys(merged).length > 0 ? merged : undefined;
  };
}
