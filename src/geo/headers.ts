import type { IncomingHttpHeaders } from 'node:http';
import type { Location } from '../model.js';

/** Request headers that carry a location, named in lower case. */
export interface GeoHeaderNames {
  lat: string;
  lon: string;
  /** ISO 3166-1 alpha-2. */
  country?: string;
  city?: string;
}

/** A CDN whose location headers sharelock knows, or your own header names. Read only from a trusted proxy. */
export type GeoHeaderSource = 'cloudflare' | 'cloudfront' | 'fastly' | GeoHeaderNames;

export const CDN_HEADERS: Readonly<Record<Extract<GeoHeaderSource, string>, Readonly<Required<GeoHeaderNames>>>> = Object.freeze({
  // Cloudflare "Add visitor location headers" managed transform.
  cloudflare: Object.freeze({ lat: 'cf-iplatitude', lon: 'cf-iplongitude', country: 'cf-ipcountry', city: 'cf-ipcity' }),
  // CloudFront origin request policy "CloudFront-Viewer-*" headers.
  cloudfront: Object.freeze({ lat: 'cloudfront-viewer-latitude', lon: 'cloudfront-viewer-longitude', country: 'cloudfront-viewer-country', city: 'cloudfront-viewer-city' }),
  // Fastly sends none by default; these are the names of its "Tag requests with geolocation data" example.
  fastly: Object.freeze({ lat: 'client-geo-latitude', lon: 'client-geo-longitude', country: 'client-geo-country', city: 'client-geo-city' }),
});

/** The location a trusted CDN put in the headers, or `undefined`. Garbage values are ignored. */
export function headerLocation(headers: IncomingHttpHeaders, sources: readonly GeoHeaderNames[], accuracyKm: number): Location | undefined {
  for (const names of sources) {
    let lat = coordinate(headers[names.lat], 90);
    let lon = coordinate(headers[names.lon], 180);
    // 0,0 is how Fastly (and geo databases) say "reserved or unknown address", not a place.
    if (lat === 0 && lon === 0) lat = lon = undefined;
    const country = names.country === undefined ? undefined : countryCode(headers[names.country]);
    if (lat === undefined || lon === undefined) {
      if (country) return { country };
      continue;
    }
    const city = names.city === undefined ? undefined : text(headers[names.city]);
    return { lat, lon, accuracyKm, ...(country ? { country } : {}), ...(city ? { city } : {}) };
  }
  return undefined;
}

function coordinate(value: string | string[] | undefined, limit: number): number | undefined {
  if (typeof value !== 'string' || value.length > 20) return undefined;
  const number = Number(value);
  return Number.isFinite(number) && Math.abs(number) <= limit && value.trim() !== '' ? number : undefined;
}

function countryCode(value: string | string[] | undefined): string | undefined {
  // Cloudflare sends XX for unknown and T1 for Tor.
  return typeof value === 'string' && /^[A-Z]{2}$/i.test(value) && !/^(XX|T1)$/i.test(value) ? value.toUpperCase() : undefined;
}

function text(value: string | string[] | undefined): string | undefined {
  // Fastly sends "?" for absent data.
  if (typeof value !== 'string' || value.length === 0 || value.length > 100 || value === '?') return undefined;
  return value.replace(/[\u0000-\u001f\u007f]/g, '') || undefined;
}
