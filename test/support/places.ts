import type { Location } from '../../src/index.js';

/** Test addresses with what an IP database would say about them. */
export const PLACES = {
  parisHome: { ip: '81.2.69.160', location: { lat: 48.8566, lon: 2.3522, accuracyKm: 20, country: 'FR', city: 'Paris' } },
  parisHomeV6a: { ip: '2a01:cb00:1234:5601::a1', location: { lat: 48.8566, lon: 2.3522, accuracyKm: 20, country: 'FR', city: 'Paris' } },
  parisHomeV6b: { ip: '2a01:cb00:1234:5602::b2', location: { lat: 48.8566, lon: 2.3522, accuracyKm: 20, country: 'FR', city: 'Paris' } },
  parisNeighbour: { ip: '90.12.40.7', location: { lat: 48.86, lon: 2.34, accuracyKm: 20, country: 'FR', city: 'Paris' } },
  parisCarrier: { ip: '37.171.20.9', location: { lat: 46.6, lon: 2.4, accuracyKm: 1000, country: 'FR', mobile: true } },
  newYork: { ip: '96.224.10.20', location: { lat: 40.7128, lon: -74.006, accuracyKm: 20, country: 'US', city: 'New York' } },
  /** A home network a database knows only to the country: India, ± 500 km. */
  indiaCoarse: { ip: '49.36.10.4', location: { lat: 22.0, lon: 79.0, accuracyKm: 500, country: 'IN' } },
  /** The same country answer for Lyon, 400 km from Paris. */
  franceCoarse: { ip: '90.90.1.1', location: { lat: 46.6, lon: 2.4, accuracyKm: 500, country: 'FR' } },
  vpnUs: { ip: '104.28.5.9', location: { lat: 37.77, lon: -122.41, accuracyKm: 50, country: 'US', hosting: true } },
} satisfies Record<string, { ip: string; location: Location }>;

export function lookup(ip: string): Location | undefined {
  return Object.values(PLACES).find((p) => p.ip === ip)?.location;
}
