import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Location } from '../model.js';

interface MmdbReader {
  metadata: { ipVersion: number; databaseType: string; nodeCount: number; searchTreeSize: number };
  get(ip: string): unknown;
}

interface Maxmind {
  Reader: new (db: Buffer) => MmdbReader;
}

let loaded: Maxmind | undefined;

/**
 * A lookup over a MaxMind DB file (GeoLite2 / GeoIP2 City, Country, ASN, Anonymous IP, Connection
 * Type, ISP, Enterprise), read with `maxmind@^5` (an optional peer dependency). The file is read
 * synchronously so that a missing or corrupt one fails at creation; an update needs a restart.
 * Throws an error whose message says the fix.
 */
export function mmdbLookup(path: string): (ip: string) => Location | undefined {
  const reader = open(path);
  // An IPv4-only database has no answer for IPv6 (walking it with 128 bits would read nonsense).
  const ipv4Only = reader.metadata.ipVersion === 4;
  return (ip) => (ipv4Only && ip.includes(':') ? undefined : mmdbLocation(reader.get(ip)));
}

function open(path: string): MmdbReader {
  if (!loaded) {
    try {
      loaded = createRequire(import.meta.url)('maxmind') as Maxmind;
    } catch {
      throw new Error('A `.mmdb` database needs the package: npm install maxmind@^5');
    }
  }
  const where = resolve(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(where);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`There is no file at ${where}: download the database from MaxMind (GeoLite2-City.mmdb is free with an account) and give its path.`);
    if (code === 'EISDIR') throw new Error(`${where} is a folder: give the path of the .mmdb file in it.`);
    throw new Error(`${where} cannot be read (${code ?? (error as Error).message}): check its permissions.`);
  }
  const notMmdb = (why: string) =>
    new Error(`${where} is not a MaxMind DB file (${why}): give the path of a .mmdb file such as GeoLite2-City.mmdb (extract it from the .tar.gz download).`);
  // maxmind.open() accepts gzip-compressed databases; do the same.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw notMmdb(`gzip data that does not decompress: ${(error as Error).message}`);
    }
  }
  let reader: MmdbReader;
  try {
    reader = new loaded.Reader(bytes);
  } catch (error) {
    throw notMmdb((error as Error).message);
  }
  const { ipVersion, nodeCount, searchTreeSize, databaseType } = reader.metadata;
  if ((ipVersion !== 4 && ipVersion !== 6) || !Number.isInteger(nodeCount) || nodeCount <= 0 || searchTreeSize >= bytes.length || typeof databaseType !== 'string') {
    throw notMmdb('its metadata makes no sense');
  }
  return reader;
}

// Flags that mean the address is an anonymiser or a data centre: it says nothing about where the person is.
const HOSTING_FLAGS = ['is_anonymous', 'is_anonymous_vpn', 'is_anonymous_proxy', 'is_hosting_provider', 'is_public_proxy', 'is_residential_proxy', 'is_tor_exit_node', 'is_satellite_provider'];
const HOSTING_USER_TYPES = new Set(['hosting', 'content_delivery_network']);

/**
 * A MaxMind record as a `Location`. City/Country databases nest fields (`location`, `country`,
 * `city`, `traits`); ASN, Anonymous IP and Connection Type databases keep them at the top level, so
 * both places are read. Values of the wrong type or out of range are ignored.
 */
export function mmdbLocation(record: unknown): Location | undefined {
  const top = object(record);
  if (!top) return undefined;
  const traits = object(top.traits) ?? {};
  const place = object(top.location);
  const location: Location = {};
  const lat = finite(place?.latitude, -90, 90);
  const lon = finite(place?.longitude, -180, 180);
  // 0,0 marks an unknown position in some databases, as in geoip-lite.
  if (lat !== undefined && lon !== undefined && (lat !== 0 || lon !== 0)) {
    location.lat = lat;
    location.lon = lon;
    const radius = finite(place?.accuracy_radius, 0, 20_000);
    if (radius !== undefined && radius > 0) location.accuracyKm = radius;
  }
  const country = object(top.country)?.iso_code;
  if (typeof country === 'string' && /^[A-Z]{2}$/.test(country)) location.country = country;
  const city = object(object(top.city)?.names)?.en;
  if (typeof city === 'string' && city.length > 0 && city.length <= 100) location.city = city;
  const asn = finite(top.autonomous_system_number ?? traits.autonomous_system_number, 1, 0xffff_ffff);
  if (asn !== undefined && Number.isInteger(asn)) location.asn = asn;
  if (HOSTING_FLAGS.some((flag) => top[flag] === true || traits[flag] === true) || HOSTING_USER_TYPES.has(traits.user_type as string)) location.hosting = true;
  if (top.connection_type === 'Cellular' || traits.connection_type === 'Cellular' || traits.user_type === 'cellular') location.mobile = true;
  return Object.keys(location).length > 0 ? location : undefined;
}

function object(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function finite(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}
