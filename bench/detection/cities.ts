import type { Random } from './random.js';

/** The simulated month: Monday 2 March 2026, 00:00 UTC, for 30 days (spans the US and EU DST changes). */
export const MONTH_START = Date.UTC(2026, 2, 2);
export const DAYS = 30;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export type Continent = 'europe' | 'north-america' | 'south-america' | 'asia' | 'oceania' | 'africa';

export interface Place {
  name: string;
  lat: number;
  lon: number;
}

export interface City extends Place {
  country: string;
  tz: string;
  continent: Continent;
  /** Relative share of subscribers living there. */
  weight: number;
}

export interface Country {
  code: string;
  /** Where a geolocation database puts an address it only knows the country of (MaxMind's US point is in Kansas). */
  centre: Place;
  /** Where carrier gateways are, and so where carrier addresses are geolocated when not at the centre. */
  hubs: Place[];
}

const city = (name: string, country: string, lat: number, lon: number, tz: string, continent: Continent, weight: number): City => ({ name, country, lat, lon, tz, continent, weight });

/** Real cities and time zones; weights skew to where paying streaming subscribers are. */
const LAB_CITIES: readonly City[] = [
  city('Paris', 'FR', 48.8566, 2.3522, 'Europe/Paris', 'europe', 5),
  city('Lyon', 'FR', 45.764, 4.8357, 'Europe/Paris', 'europe', 2),
  city('Marseille', 'FR', 43.2965, 5.3698, 'Europe/Paris', 'europe', 1.5),
  city('Lille', 'FR', 50.6292, 3.0573, 'Europe/Paris', 'europe', 1),
  city('London', 'GB', 51.5072, -0.1276, 'Europe/London', 'europe', 6),
  city('Manchester', 'GB', 53.4808, -2.2426, 'Europe/London', 'europe', 2),
  city('Edinburgh', 'GB', 55.9533, -3.1883, 'Europe/London', 'europe', 1),
  city('Berlin', 'DE', 52.52, 13.405, 'Europe/Berlin', 'europe', 3),
  city('Munich', 'DE', 48.1351, 11.582, 'Europe/Berlin', 'europe', 2),
  city('Hamburg', 'DE', 53.5511, 9.9937, 'Europe/Berlin', 'europe', 1.5),
  city('Cologne', 'DE', 50.9375, 6.9603, 'Europe/Berlin', 'europe', 1.2),
  city('Madrid', 'ES', 40.4168, -3.7038, 'Europe/Madrid', 'europe', 3),
  city('Barcelona', 'ES', 41.3874, 2.1686, 'Europe/Madrid', 'europe', 2),
  city('Rome', 'IT', 41.9028, 12.4964, 'Europe/Rome', 'europe', 2),
  city('Milan', 'IT', 45.4642, 9.19, 'Europe/Rome', 'europe', 2),
  city('Amsterdam', 'NL', 52.3676, 4.9041, 'Europe/Amsterdam', 'europe', 2),
  city('Brussels', 'BE', 50.8503, 4.3517, 'Europe/Brussels', 'europe', 1),
  city('Zurich', 'CH', 47.3769, 8.5417, 'Europe/Zurich', 'europe', 1),
  city('Vienna', 'AT', 48.2082, 16.3738, 'Europe/Vienna', 'europe', 1),
  city('Stockholm', 'SE', 59.3293, 18.0686, 'Europe/Stockholm', 'europe', 1),
  city('Copenhagen', 'DK', 55.6761, 12.5683, 'Europe/Copenhagen', 'europe', 0.8),
  city('Warsaw', 'PL', 52.2297, 21.0122, 'Europe/Warsaw', 'europe', 1.2),
  city('Lisbon', 'PT', 38.7223, -9.1393, 'Europe/Lisbon', 'europe', 0.8),
  city('Dublin', 'IE', 53.3498, -6.2603, 'Europe/Dublin', 'europe', 0.8),
  city('Istanbul', 'TR', 41.0082, 28.9784, 'Europe/Istanbul', 'europe', 1.5),
  city('New York', 'US', 40.7128, -74.006, 'America/New_York', 'north-america', 7),
  city('Boston', 'US', 42.3601, -71.0589, 'America/New_York', 'north-america', 2),
  city('Miami', 'US', 25.7617, -80.1918, 'America/New_York', 'north-america', 2),
  city('Atlanta', 'US', 33.749, -84.388, 'America/New_York', 'north-america', 2),
  city('Chicago', 'US', 41.8781, -87.6298, 'America/Chicago', 'north-america', 3),
  city('Austin', 'US', 30.2672, -97.7431, 'America/Chicago', 'north-america', 1.5),
  city('Denver', 'US', 39.7392, -104.9903, 'America/Denver', 'north-america', 1.5),
  city('Los Angeles', 'US', 34.0522, -118.2437, 'America/Los_Angeles', 'north-america', 4),
  city('San Francisco', 'US', 37.7749, -122.4194, 'America/Los_Angeles', 'north-america', 2),
  city('Seattle', 'US', 47.6062, -122.3321, 'America/Los_Angeles', 'north-america', 1.5),
  city('Toronto', 'CA', 43.6532, -79.3832, 'America/Toronto', 'north-america', 2),
  city('Montreal', 'CA', 45.5019, -73.5674, 'America/Toronto', 'north-america', 1.2),
  city('Vancouver', 'CA', 49.2827, -123.1207, 'America/Vancouver', 'north-america', 1),
  city('Mexico City', 'MX', 19.4326, -99.1332, 'America/Mexico_City', 'north-america', 2),
  city('São Paulo', 'BR', -23.5505, -46.6333, 'America/Sao_Paulo', 'south-america', 3),
  city('Rio de Janeiro', 'BR', -22.9068, -43.1729, 'America/Sao_Paulo', 'south-america', 1.5),
  city('Buenos Aires', 'AR', -34.6037, -58.3816, 'America/Argentina/Buenos_Aires', 'south-america', 1.5),
  city('Bogotá', 'CO', 4.711, -74.0721, 'America/Bogota', 'south-america', 1),
  city('Santiago', 'CL', -33.4489, -70.6693, 'America/Santiago', 'south-america', 1),
  city('Tokyo', 'JP', 35.6762, 139.6503, 'Asia/Tokyo', 'asia', 3),
  city('Osaka', 'JP', 34.6937, 135.5023, 'Asia/Tokyo', 'asia', 1.2),
  city('Seoul', 'KR', 37.5665, 126.978, 'Asia/Seoul', 'asia', 2),
  city('Singapore', 'SG', 1.3521, 103.8198, 'Asia/Singapore', 'asia', 1),
  city('Mumbai', 'IN', 19.076, 72.8777, 'Asia/Kolkata', 'asia', 2),
  city('Bangalore', 'IN', 12.9716, 77.5946, 'Asia/Kolkata', 'asia', 1.5),
  city('Delhi', 'IN', 28.6139, 77.209, 'Asia/Kolkata', 'asia', 1.5),
  city('Dubai', 'AE', 25.2048, 55.2708, 'Asia/Dubai', 'asia', 1),
  city('Manila', 'PH', 14.5995, 120.9842, 'Asia/Manila', 'asia', 1),
  city('Jakarta', 'ID', -6.2088, 106.8456, 'Asia/Jakarta', 'asia', 1),
  city('Sydney', 'AU', -33.8688, 151.2093, 'Australia/Sydney', 'oceania', 2),
  city('Melbourne', 'AU', -37.8136, 144.9631, 'Australia/Melbourne', 'oceania', 1.5),
  city('Perth', 'AU', -31.9523, 115.8613, 'Australia/Perth', 'oceania', 0.6),
  city('Auckland', 'NZ', -36.8485, 174.7633, 'Pacific/Auckland', 'oceania', 0.6),
  city('Johannesburg', 'ZA', -26.2041, 28.0473, 'Africa/Johannesburg', 'africa', 1),
  city('Cape Town', 'ZA', -33.9249, 18.4241, 'Africa/Johannesburg', 'africa', 0.6),
  city('Lagos', 'NG', 6.5244, 3.3792, 'Africa/Lagos', 'africa', 0.8),
  city('Nairobi', 'KE', -1.2921, 36.8219, 'Africa/Nairobi', 'africa', 0.5),
  city('Cairo', 'EG', 30.0444, 31.2357, 'Africa/Cairo', 'africa', 0.8),
];

const place = (name: string, lat: number, lon: number): Place => ({ name, lat, lon });
const within = (cities: readonly City[]) => (name: string): Place => {
  const found = cities.find((c) => c.name === name);
  if (!found) throw new Error(`unknown city ${name}`);
  return place(found.name, found.lat, found.lon);
};
let at = within(LAB_CITIES);

const LAB_COUNTRIES: Readonly<Record<string, Country>> = Object.fromEntries(
  [
    { code: 'FR', centre: place('France', 48.8582, 2.3387), hubs: [at('Paris'), at('Lyon'), at('Marseille')] },
    { code: 'GB', centre: place('United Kingdom', 51.4964, -0.1224), hubs: [at('London'), at('Manchester'), place('Slough', 51.5105, -0.5950)] },
    { code: 'DE', centre: place('Germany', 51.2993, 9.491), hubs: [place('Frankfurt', 50.1109, 8.6821), place('Düsseldorf', 51.2277, 6.7735), at('Munich'), at('Berlin')] },
    { code: 'ES', centre: place('Spain', 40.4172, -3.684), hubs: [at('Madrid'), at('Barcelona')] },
    { code: 'IT', centre: place('Italy', 43.1479, 12.1097), hubs: [at('Milan'), at('Rome')] },
    { code: 'NL', centre: place('Netherlands', 52.3824, 4.8995), hubs: [at('Amsterdam')] },
    { code: 'BE', centre: place('Belgium', 50.8509, 4.3447), hubs: [at('Brussels')] },
    { code: 'CH', centre: place('Switzerland', 47.1449, 8.1551), hubs: [at('Zurich')] },
    { code: 'AT', centre: place('Austria', 48.2, 16.3667), hubs: [at('Vienna')] },
    { code: 'SE', centre: place('Sweden', 59.3247, 18.056), hubs: [at('Stockholm')] },
    { code: 'DK', centre: place('Denmark', 55.7123, 12.0564), hubs: [at('Copenhagen')] },
    { code: 'PL', centre: place('Poland', 52.2394, 21.0362), hubs: [at('Warsaw')] },
    { code: 'PT', centre: place('Portugal', 38.7057, -9.1359), hubs: [at('Lisbon')] },
    { code: 'IE', centre: place('Ireland', 53.3472, -6.2439), hubs: [at('Dublin')] },
    { code: 'TR', centre: place('Turkey', 41.0214, 28.9948), hubs: [at('Istanbul'), place('Ankara', 39.9334, 32.8597)] },
    { code: 'US', centre: place('United States', 37.751, -97.822), hubs: [place('Dallas', 32.7767, -96.797), at('Chicago'), at('Atlanta'), place('Ashburn', 39.0438, -77.4874), at('Los Angeles'), at('Seattle'), place('Kansas City', 39.0997, -94.5786)] },
    { code: 'CA', centre: place('Canada', 43.6319, -79.3716), hubs: [at('Toronto'), at('Montreal'), place('Calgary', 51.0447, -114.0719)] },
    { code: 'MX', centre: place('Mexico', 19.4371, -99.0111), hubs: [at('Mexico City'), place('Monterrey', 25.6866, -100.3161)] },
    { code: 'BR', centre: place('Brazil', -22.8305, -43.2192), hubs: [at('São Paulo'), at('Rio de Janeiro')] },
    { code: 'AR', centre: place('Argentina', -34.6022, -58.3845), hubs: [at('Buenos Aires')] },
    { code: 'CO', centre: place('Colombia', 4.5981, -74.0758), hubs: [at('Bogotá')] },
    { code: 'CL', centre: place('Chile', -33.4521, -70.6536), hubs: [at('Santiago')] },
    { code: 'JP', centre: place('Japan', 35.69, 139.69), hubs: [at('Tokyo'), at('Osaka')] },
    { code: 'KR', centre: place('South Korea', 37.5112, 126.9741), hubs: [at('Seoul')] },
    { code: 'SG', centre: place('Singapore', 1.2868, 103.8503), hubs: [at('Singapore')] },
    { code: 'IN', centre: place('India', 21.0, 78.0), hubs: [at('Mumbai'), at('Delhi'), place('Chennai', 13.0827, 80.2707)] },
    { code: 'AE', centre: place('United Arab Emirates', 24.0, 54.0), hubs: [at('Dubai')] },
    { code: 'PH', centre: place('Philippines', 14.6042, 120.9822), hubs: [at('Manila')] },
    { code: 'ID', centre: place('Indonesia', -6.1728, 106.8272), hubs: [at('Jakarta')] },
    { code: 'AU', centre: place('Australia', -33.494, 143.2104), hubs: [at('Sydney'), at('Melbourne')] },
    { code: 'NZ', centre: place('New Zealand', -41.0, 174.0), hubs: [at('Auckland')] },
    { code: 'ZA', centre: place('South Africa', -29.0, 24.0), hubs: [at('Johannesburg'), at('Cape Town')] },
    { code: 'NG', centre: place('Nigeria', 10.0, 8.0), hubs: [at('Lagos')] },
    { code: 'KE', centre: place('Kenya', 1.0, 38.0), hubs: [at('Nairobi')] },
    { code: 'EG', centre: place('Egypt', 27.0, 30.0), hubs: [at('Cairo')] },
  ].map((c) => [c.code, c]),
);

/**
 * Another world's cities (held out: `alt-cities` in variants.ts): none of the lab's cities, 73 cities
 * in 39 countries, 15 of them countries the lab has no city in.
 */
const ALT_CITIES: readonly City[] = [
  city('Valencia', 'ES', 39.4699, -0.3763, 'Europe/Madrid', 'europe', 1.5),
  city('Seville', 'ES', 37.3891, -5.9845, 'Europe/Madrid', 'europe', 1),
  city('Bilbao', 'ES', 43.263, -2.935, 'Europe/Madrid', 'europe', 0.7),
  city('Turin', 'IT', 45.0703, 7.6869, 'Europe/Rome', 'europe', 1.2),
  city('Naples', 'IT', 40.8518, 14.2681, 'Europe/Rome', 'europe', 1.2),
  city('Bologna', 'IT', 44.4949, 11.3426, 'Europe/Rome', 'europe', 0.8),
  city('Stuttgart', 'DE', 48.7758, 9.1829, 'Europe/Berlin', 'europe', 1.5),
  city('Leipzig', 'DE', 51.3397, 12.3731, 'Europe/Berlin', 'europe', 1),
  city('Dresden', 'DE', 51.0504, 13.7373, 'Europe/Berlin', 'europe', 0.8),
  city('Toulouse', 'FR', 43.6047, 1.4442, 'Europe/Paris', 'europe', 1.5),
  city('Bordeaux', 'FR', 44.8378, -0.5792, 'Europe/Paris', 'europe', 1.2),
  city('Nice', 'FR', 43.7102, 7.262, 'Europe/Paris', 'europe', 0.8),
  city('Birmingham', 'GB', 52.4862, -1.8904, 'Europe/London', 'europe', 2),
  city('Glasgow', 'GB', 55.8642, -4.2518, 'Europe/London', 'europe', 1.2),
  city('Bristol', 'GB', 51.4545, -2.5879, 'Europe/London', 'europe', 1),
  city('Kraków', 'PL', 50.0647, 19.945, 'Europe/Warsaw', 'europe', 1),
  city('Wrocław', 'PL', 51.1079, 17.0385, 'Europe/Warsaw', 'europe', 0.7),
  city('Prague', 'CZ', 50.0755, 14.4378, 'Europe/Prague', 'europe', 1.2),
  city('Brno', 'CZ', 49.1951, 16.6068, 'Europe/Prague', 'europe', 0.5),
  city('Budapest', 'HU', 47.4979, 19.0402, 'Europe/Budapest', 'europe', 1),
  city('Bucharest', 'RO', 44.4268, 26.1025, 'Europe/Bucharest', 'europe', 1),
  city('Cluj-Napoca', 'RO', 46.7712, 23.6236, 'Europe/Bucharest', 'europe', 0.4),
  city('Athens', 'GR', 37.9838, 23.7275, 'Europe/Athens', 'europe', 1),
  city('Thessaloniki', 'GR', 40.6401, 22.9444, 'Europe/Athens', 'europe', 0.5),
  city('Oslo', 'NO', 59.9139, 10.7522, 'Europe/Oslo', 'europe', 1),
  city('Bergen', 'NO', 60.3913, 5.3221, 'Europe/Oslo', 'europe', 0.4),
  city('Helsinki', 'FI', 60.1699, 24.9384, 'Europe/Helsinki', 'europe', 0.8),
  city('Rotterdam', 'NL', 51.9244, 4.4777, 'Europe/Amsterdam', 'europe', 1),
  city('Utrecht', 'NL', 52.0907, 5.1214, 'Europe/Amsterdam', 'europe', 0.7),
  city('Porto', 'PT', 41.1579, -8.6291, 'Europe/Lisbon', 'europe', 0.7),
  city('Philadelphia', 'US', 39.9526, -75.1652, 'America/New_York', 'north-america', 3),
  city('Detroit', 'US', 42.3314, -83.0458, 'America/Detroit', 'north-america', 1.5),
  city('Houston', 'US', 29.7604, -95.3698, 'America/Chicago', 'north-america', 3),
  city('Minneapolis', 'US', 44.9778, -93.265, 'America/Chicago', 'north-america', 1.5),
  city('Nashville', 'US', 36.1627, -86.7816, 'America/Chicago', 'north-america', 1),
  city('Phoenix', 'US', 33.4484, -112.074, 'America/Phoenix', 'north-america', 2),
  city('Portland', 'US', 45.5152, -122.6784, 'America/Los_Angeles', 'north-america', 1.2),
  city('San Diego', 'US', 32.7157, -117.1611, 'America/Los_Angeles', 'north-america', 1.5),
  city('Calgary', 'CA', 51.0447, -114.0719, 'America/Edmonton', 'north-america', 1),
  city('Ottawa', 'CA', 45.4215, -75.6972, 'America/Toronto', 'north-america', 0.8),
  city('Guadalajara', 'MX', 20.6597, -103.3496, 'America/Mexico_City', 'north-america', 1.2),
  city('Monterrey', 'MX', 25.6866, -100.3161, 'America/Monterrey', 'north-america', 1),
  city('Belo Horizonte', 'BR', -19.9167, -43.9345, 'America/Sao_Paulo', 'south-america', 1.2),
  city('Brasília', 'BR', -15.7939, -47.8828, 'America/Sao_Paulo', 'south-america', 1),
  city('Porto Alegre', 'BR', -30.0346, -51.2177, 'America/Sao_Paulo', 'south-america', 0.8),
  city('Córdoba', 'AR', -31.4201, -64.1888, 'America/Argentina/Cordoba', 'south-america', 0.7),
  city('Lima', 'PE', -12.0464, -77.0428, 'America/Lima', 'south-america', 1.2),
  city('Medellín', 'CO', 6.2442, -75.5812, 'America/Bogota', 'south-america', 0.8),
  city('Montevideo', 'UY', -34.9011, -56.1645, 'America/Montevideo', 'south-america', 0.5),
  city('Nagoya', 'JP', 35.1815, 136.9066, 'Asia/Tokyo', 'asia', 1.2),
  city('Fukuoka', 'JP', 33.5904, 130.4017, 'Asia/Tokyo', 'asia', 0.8),
  city('Sapporo', 'JP', 43.0618, 141.3545, 'Asia/Tokyo', 'asia', 0.7),
  city('Busan', 'KR', 35.1796, 129.0756, 'Asia/Seoul', 'asia', 1),
  city('Taipei', 'TW', 25.033, 121.5654, 'Asia/Taipei', 'asia', 1.2),
  city('Bangkok', 'TH', 13.7563, 100.5018, 'Asia/Bangkok', 'asia', 1.2),
  city('Ho Chi Minh City', 'VN', 10.8231, 106.6297, 'Asia/Ho_Chi_Minh', 'asia', 1),
  city('Hanoi', 'VN', 21.0278, 105.8342, 'Asia/Ho_Chi_Minh', 'asia', 0.7),
  city('Kuala Lumpur', 'MY', 3.139, 101.6869, 'Asia/Kuala_Lumpur', 'asia', 1),
  city('Hyderabad', 'IN', 17.385, 78.4867, 'Asia/Kolkata', 'asia', 1.5),
  city('Chennai', 'IN', 13.0827, 80.2707, 'Asia/Kolkata', 'asia', 1.2),
  city('Pune', 'IN', 18.5204, 73.8567, 'Asia/Kolkata', 'asia', 1),
  city('Karachi', 'PK', 24.8607, 67.0011, 'Asia/Karachi', 'asia', 0.8),
  city('Tel Aviv', 'IL', 32.0853, 34.7818, 'Asia/Jerusalem', 'asia', 0.8),
  city('Riyadh', 'SA', 24.7136, 46.6753, 'Asia/Riyadh', 'asia', 0.8),
  city('Brisbane', 'AU', -27.4698, 153.0251, 'Australia/Brisbane', 'oceania', 1.2),
  city('Adelaide', 'AU', -34.9285, 138.6007, 'Australia/Adelaide', 'oceania', 0.7),
  city('Wellington', 'NZ', -41.2865, 174.7762, 'Pacific/Auckland', 'oceania', 0.5),
  city('Christchurch', 'NZ', -43.5321, 172.6362, 'Pacific/Auckland', 'oceania', 0.4),
  city('Casablanca', 'MA', 33.5731, -7.5898, 'Africa/Casablanca', 'africa', 0.6),
  city('Accra', 'GH', 5.6037, -0.187, 'Africa/Accra', 'africa', 0.5),
  city('Durban', 'ZA', -29.8587, 31.0218, 'Africa/Johannesburg', 'africa', 0.5),
  city('Alexandria', 'EG', 31.2001, 29.9187, 'Africa/Cairo', 'africa', 0.5),
  city('Mombasa', 'KE', -4.0435, 39.6682, 'Africa/Nairobi', 'africa', 0.3),
];

at = within(ALT_CITIES);
const ALT_COUNTRIES: Readonly<Record<string, Country>> = Object.fromEntries(
  [
    { code: 'ES', centre: place('Spain', 40.4172, -3.684), hubs: [place('Madrid', 40.4168, -3.7038), at('Valencia')] },
    { code: 'IT', centre: place('Italy', 43.1479, 12.1097), hubs: [place('Milan', 45.4642, 9.19), at('Naples')] },
    { code: 'DE', centre: place('Germany', 51.2993, 9.491), hubs: [place('Frankfurt', 50.1109, 8.6821), at('Stuttgart'), at('Leipzig')] },
    { code: 'FR', centre: place('France', 48.8582, 2.3387), hubs: [place('Paris', 48.8566, 2.3522), at('Toulouse')] },
    { code: 'GB', centre: place('United Kingdom', 51.4964, -0.1224), hubs: [place('London', 51.5072, -0.1276), at('Birmingham')] },
    { code: 'PL', centre: place('Poland', 52.2394, 21.0362), hubs: [place('Warsaw', 52.2297, 21.0122)] },
    { code: 'CZ', centre: place('Czechia', 49.75, 15.5), hubs: [at('Prague')] },
    { code: 'HU', centre: place('Hungary', 47.4925, 19.0514), hubs: [at('Budapest')] },
    { code: 'RO', centre: place('Romania', 45.9968, 24.997), hubs: [at('Bucharest')] },
    { code: 'GR', centre: place('Greece', 37.9842, 23.7353), hubs: [at('Athens')] },
    { code: 'NO', centre: place('Norway', 59.955, 10.859), hubs: [at('Oslo')] },
    { code: 'FI', centre: place('Finland', 60.1717, 24.9349), hubs: [at('Helsinki')] },
    { code: 'NL', centre: place('Netherlands', 52.3824, 4.8995), hubs: [place('Amsterdam', 52.3676, 4.9041)] },
    { code: 'PT', centre: place('Portugal', 38.7057, -9.1359), hubs: [place('Lisbon', 38.7223, -9.1393), at('Porto')] },
    { code: 'US', centre: place('United States', 37.751, -97.822), hubs: [place('Dallas', 32.7767, -96.797), place('Ashburn', 39.0438, -77.4874), place('Chicago', 41.8781, -87.6298), at('Phoenix'), place('Kansas City', 39.0997, -94.5786)] },
    { code: 'CA', centre: place('Canada', 43.6319, -79.3716), hubs: [place('Toronto', 43.6532, -79.3832), at('Calgary')] },
    { code: 'MX', centre: place('Mexico', 19.4371, -99.0111), hubs: [place('Mexico City', 19.4326, -99.1332), at('Monterrey')] },
    { code: 'BR', centre: place('Brazil', -22.8305, -43.2192), hubs: [place('São Paulo', -23.5505, -46.6333), at('Brasília')] },
    { code: 'AR', centre: place('Argentina', -34.6022, -58.3845), hubs: [place('Buenos Aires', -34.6037, -58.3816)] },
    { code: 'PE', centre: place('Peru', -12.0432, -77.0282), hubs: [at('Lima')] },
    { code: 'CO', centre: place('Colombia', 4.5981, -74.0758), hubs: [place('Bogotá', 4.711, -74.0721)] },
    { code: 'UY', centre: place('Uruguay', -34.8581, -56.1708), hubs: [at('Montevideo')] },
    { code: 'JP', centre: place('Japan', 35.69, 139.69), hubs: [place('Tokyo', 35.6762, 139.6503), at('Nagoya')] },
    { code: 'KR', centre: place('South Korea', 37.5112, 126.9741), hubs: [place('Seoul', 37.5665, 126.978)] },
    { code: 'TW', centre: place('Taiwan', 24.0, 121.0), hubs: [at('Taipei')] },
    { code: 'TH', centre: place('Thailand', 13.75, 100.4667), hubs: [at('Bangkok')] },
    { code: 'VN', centre: place('Vietnam', 16.1667, 107.8333), hubs: [at('Hanoi'), at('Ho Chi Minh City')] },
    { code: 'MY', centre: place('Malaysia', 2.5, 112.5), hubs: [at('Kuala Lumpur')] },
    { code: 'IN', centre: place('India', 21.0, 78.0), hubs: [place('Mumbai', 19.076, 72.8777), at('Chennai'), at('Hyderabad')] },
    { code: 'PK', centre: place('Pakistan', 30.0, 70.0), hubs: [at('Karachi')] },
    { code: 'IL', centre: place('Israel', 31.5, 34.75), hubs: [at('Tel Aviv')] },
    { code: 'SA', centre: place('Saudi Arabia', 25.0, 45.0), hubs: [at('Riyadh')] },
    { code: 'AU', centre: place('Australia', -33.494, 143.2104), hubs: [place('Sydney', -33.8688, 151.2093), at('Brisbane')] },
    { code: 'NZ', centre: place('New Zealand', -41.0, 174.0), hubs: [place('Auckland', -36.8485, 174.7633)] },
    { code: 'MA', centre: place('Morocco', 32.0, -5.0), hubs: [at('Casablanca')] },
    { code: 'GH', centre: place('Ghana', 8.0, -2.0), hubs: [at('Accra')] },
    { code: 'ZA', centre: place('South Africa', -29.0, 24.0), hubs: [place('Johannesburg', -26.2041, 28.0473), at('Durban')] },
    { code: 'EG', centre: place('Egypt', 27.0, 30.0), hubs: [place('Cairo', 30.0444, 31.2357)] },
    { code: 'KE', centre: place('Kenya', 1.0, 38.0), hubs: [place('Nairobi', -1.2921, 36.8219)] },
  ].map((c) => [c.code, c]),
);

/** The lab's cities (`lab`) or another world's (`alt`, held out). */
export type CitySet = 'lab' | 'alt';
/** The cities of the world being built (see `useCities`). */
export let CITIES: readonly City[] = LAB_CITIES;
export let COUNTRIES: Readonly<Record<string, Country>> = LAB_COUNTRIES;

/** Switch the module to a city set; a world calls it before anything draws a city (one world per run). */
export function useCities(set: CitySet): void {
  [CITIES, COUNTRIES] = set === 'alt' ? [ALT_CITIES, ALT_COUNTRIES] : [LAB_CITIES, LAB_COUNTRIES];
}

export function country(code: string): Country {
  const found = COUNTRIES[code];
  if (!found) throw new Error(`unknown country ${code}`);
  return found;
}

export function citiesOf(code: string): City[] {
  return CITIES.filter((c) => c.country === code);
}

export function cityNamed(name: string): City {
  const found = CITIES.find((c) => c.name === name);
  if (!found) throw new Error(`unknown city ${name}`);
  return found;
}

/** A city drawn by subscriber weight, optionally restricted. */
export function pickCity(random: Random, where: (c: City) => boolean = () => true): City {
  const candidates = CITIES.filter(where);
  return random.weighted(candidates.map((c) => [c, c.weight] as const));
}

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const offsets = new Map<string, number>();

/** The city's UTC offset in ms on a day of the month (DST included), from the platform's time-zone data. */
export function utcOffsetMs(tz: string, day: number): number {
  const key = `${tz}|${day}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
      .formatToParts(new Date(MONTH_START + day * DAY + 12 * HOUR))
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    offset = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * HOUR + Number(match[3]) * MINUTE) : 0;
    offsets.set(key, offset);
  }
  return offset;
}

/** UTC time of `hour` (may exceed 24) on local day `day` in `tz`. */
export function localTime(tz: string, day: number, hour: number): number {
  return MONTH_START + day * DAY + hour * HOUR - utcOffsetMs(tz, day);
}

/** Day of the week of local day `day`: 0 = Monday … 6 = Sunday (the month starts on a Monday). */
export function weekday(day: number): number {
  return ((day % 7) + 7) % 7;
}

export const isWeekend = (day: number): boolean => weekday(day) >= 5;
