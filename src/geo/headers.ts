import type { IncomingHttpHeaders } from 'node:http';
import type { Location } from '../model.js';

/** CDNs whose location headers sharelock reads (only from a trusted proxy). */
export type GeoHeaderSource = 'cloudflare' | 'cloudfront';

const NAMES: Record<GeoHeaderSource, { lat: string; lon: string; country: string; city: string }> = {
  // Cloudflare "Add visitor location headers" managed transform.
  cloudflare: { lat: 'cf-iplatitude', lon: 'cf-iplongitude', country: 'cf-ipcountry', city: 'cf-ipcity' },
  // CloudFront origin request policy "CloudFront-Viewer-*" headers.
  cloudfront: { lat: 'cloudfront-viewer-latitude', lon: 'cloudfront-viewer-longitude', country: 'cloudfront-viewer-country', city: 'cloudfront-viewer-city' },
};

/** The location a trusted CDN put in the headers, or `undefined`. Garbage values are ignored. */
export function headerLocation(headers: IncomingHttpHeaders, sources: readonly GeoHeaderSource[], accuracyKm: number): Location | undefined {
  for (const source of sources) {
    const names = NAMES[source];
    const lat = coordinate(headers[names.lat], 90);
    const lon = coordinate(headers[names.lon], 180);
    const country = countryCode(headers[names.country]);
    if (lat === undefined || lon === undefined) {
      if (country) return { country };
      continue;
    }
    const city = text(headers[names.city]);
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
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) return undefined;
  return value.replace(/[\u0000-\u001f\u007f]/g, '');
}
