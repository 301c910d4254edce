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
  /** A company's egress proxy in Dallas, used by its staff wherever they are. */
  dallasOffice: { ip: '133.92.77.46', location: { lat: 32.78, lon: -96.8, accuracyKm: 10, country: 'US', city: 'Dallas' } },
  /** A carrier network the database misplaces in Montreal and does not flag as mobile. */
  montrealUnflaggedCarrier: { ip: '206.204.240.194', location: { lat: 45.5, lon: -73.57, accuracyKm: 50, country: 'CA', city: 'Montreal' } },
  /** A VPN exit the database places in Dallas and does not flag: each session gets another address of its /24. */
  dallasVpnUnflagged: { ip: '109.157.100.199', location: { lat: 32.78, lon: -96.8, accuracyKm: 10, country: 'US', city: 'Dallas', asn: 9009 } },
  dallasHomeV6: { ip: '2604:2e9e:710a:7100::17b3', location: { lat: 32.9, lon: -96.7, accuracyKm: 20, country: 'US', city: 'Dallas', asn: 7922 } },
  /** A company's egress proxy in Mumbai, rotating its addresses, used by staff in Seoul. */
  mumbaiProxy: { ip: '31.61.232.241', location: { lat: 19.07, lon: 72.88, accuracyKm: 20, country: 'IN', city: 'Mumbai' } },
  seoulHome: { ip: '186.60.213.135', location: { lat: 37.57, lon: 126.98, accuracyKm: 20, country: 'KR', city: 'Seoul' } },
  vancouverHome: { ip: '2605:c3c3:13fa:7200::99c0', location: { lat: 49.28, lon: -123.12, accuracyKm: 50, country: 'CA', city: 'Vancouver' } },
  /** A home network the database knows only as "United States" (its centre, ± 1000 km). */
  usCountryLevel: { ip: '24.0.0.1', location: { lat: 37.75, lon: -97.82, accuracyKm: 1000, country: 'US' } },
  losAngeles: { ip: '76.1.1.1', location: { lat: 34.05, lon: -118.24, accuracyKm: 20, country: 'US', city: 'Los Angeles' } },
  /** One home in Rio whose IPv4 the database places in São Paulo (360 km away) and its IPv6 in Rio. */
  rioHomeV4: { ip: '96.253.216.113', location: { lat: -23.55, lon: -46.63, accuracyKm: 100, country: 'BR', city: 'São Paulo', asn: 28573 } },
  rioHomeV6: { ip: '2602:633c:5202:9d00::2ac5', location: { lat: -22.91, lon: -43.17, accuracyKm: 10, country: 'BR', city: 'Rio de Janeiro', asn: 28573 } },
  /** The Rio home operator's mobile network, known only as "Brazil" and not flagged as mobile. */
  rioOperatorCarrier: { ip: '177.55.4.96', location: { lat: -14.2, lon: -51.9, accuracyKm: 1000, country: 'BR', asn: 28573 } },
  /** Another operator's home in Rio, on IPv6. */
  rioOtherHomeV6: { ip: '2804:14c:1a0:4e00::1', location: { lat: -22.9, lon: -43.2, accuracyKm: 10, country: 'BR', city: 'Rio de Janeiro', asn: 26599 } },
  /** One Atlanta home: its IPv4 placed in Atlanta, its IPv6 at the operator's hub in Ashburn, 850 km away. */
  atlantaHomeV4: { ip: '176.107.198.223', location: { lat: 33.75, lon: -84.39, accuracyKm: 50, country: 'US', city: 'Atlanta', asn: 7018 } },
  atlantaHomeV6: { ip: '2601:cd9d:8a96:e000::5bfa', location: { lat: 39.04, lon: -77.49, accuracyKm: 200, country: 'US', city: 'Ashburn', asn: 7018 } },
  vpnUs: { ip: '104.28.5.9', location: { lat: 37.77, lon: -122.41, accuracyKm: 50, country: 'US', hosting: true } },
} satisfies Record<string, { ip: string; location: Location }>;

/** What the database says about an address: the place with that address, else (IPv4) the place in its /24. */
export function lookup(ip: string): Location | undefined {
  const places = Object.values(PLACES);
  const block = (address: string) => address.split('.').slice(0, 3).join('.');
  return (places.find((p) => p.ip === ip) ?? (ip.includes('.') ? places.find((p) => p.ip.includes('.') && block(p.ip) === block(ip)) : undefined))?.location;
}

/** Another address in the /24 of a place's IPv4 address (a VPN exit's or a proxy's next address). */
export function nextAddress(ip: string, host: number): string {
  return `${ip.split('.').slice(0, 3).join('.')}.${host}`;
}
