import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GeoResolver } from '../../src/geo/resolver.js';
import { mmdbLocation } from '../../src/geo/maxmind.js';
import { SharelockError, type Options } from '../../src/index.js';
import { resolveOptions } from '../../src/options.js';
import { buildMmdb, type MmdbSpec } from '../support/mmdb.js';

const base: Options = { secret: 'a-test-secret-that-is-long-enough-0123456789', identify: () => null, logger: { warn: () => {}, error: () => {} } };

// Shaped like GeoLite2-City / GeoIP2-City records (trimmed to the fields sharelock reads, plus a few it ignores).
const LONDON = {
  city: { geoname_id: 2643743, names: { en: 'London', de: 'London' } },
  continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe' } },
  country: { geoname_id: 2635167, iso_code: 'GB', names: { en: 'United Kingdom' } },
  location: { accuracy_radius: 10, latitude: 51.5142, longitude: -0.0931, time_zone: 'Europe/London' },
  subdivisions: [{ geoname_id: 6269131, iso_code: 'ENG', names: { en: 'England' } }],
};
const PARIS_V6 = {
  city: { geoname_id: 2988507, names: { en: 'Paris' } },
  country: { geoname_id: 3017382, iso_code: 'FR', names: { en: 'France' } },
  location: { accuracy_radius: 20, latitude: 48.8566, longitude: 2.3522 },
};
// GeoLite2-City has records that know only the country, and GeoLite2-Country has nothing else.
const GERMANY_ONLY = { country: { geoname_id: 2921044, iso_code: 'DE', names: { en: 'Germany' } } };
// A GeoIP2 Enterprise / Insights record flags anonymisers and carriers in `traits`.
const VPN_EXIT = { ...PARIS_V6, traits: { is_anonymous_vpn: true, autonomous_system_number: 9009, connection_type: 'Corporate' } };
const DATACENTRE = { country: { iso_code: 'US' }, location: { accuracy_radius: 1000, latitude: 37.751, longitude: -97.822 }, traits: { is_hosting_provider: true } };
const CARRIER = { country: { iso_code: 'FR' }, location: { accuracy_radius: 500, latitude: 46.6, longitude: 2.4 }, traits: { connection_type: 'Cellular', autonomous_system_number: 15557 } };

const CITY: MmdbSpec = {
  databaseType: 'GeoLite2-City',
  networks: [
    ['81.2.69.0/24', LONDON],
    ['81.2.69.192/28', GERMANY_ONLY],
    ['2a01:cb00::/32', PARIS_V6],
    ['185.159.156.0/22', VPN_EXIT],
    ['34.0.0.0/15', DATACENTRE],
    ['37.171.0.0/16', CARRIER],
  ],
};
const ASN: MmdbSpec = {
  databaseType: 'GeoLite2-ASN',
  networks: [
    ['81.2.69.0/24', { autonomous_system_number: 20712, autonomous_system_organization: 'Andrews & Arnold Ltd' }],
    ['2a01:cb00::/32', { autonomous_system_number: 3215, autonomous_system_organization: 'Orange' }],
  ],
};
const ANONYMOUS: MmdbSpec = { databaseType: 'GeoIP2-Anonymous-IP', networks: [['81.2.69.0/25', { is_anonymous: true, is_public_proxy: true }]] };

describe('MaxMind databases', () => {
  let dir: string;
  const file = (name: string, bytes: Buffer | string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const resolver = (database: NonNullable<Options['geo']>['database']) => new GeoResolver(resolveOptions({ ...base, geo: { database } }).geo, (error) => {
    throw error;
  });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sharelock-mmdb-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a precise city with its accuracy radius, over IPv4 and IPv6', async () => {
    const geo = resolver({ mmdb: file('city.mmdb', buildMmdb(CITY)) });
    expect(await geo.locate('81.2.69.160', {}, false)).to.deep.equal({ lat: 51.5142, lon: -0.0931, accuracyKm: 10, country: 'GB', city: 'London' });
    expect(await geo.locate('2a01:cb00:1234:5601::a1', {}, false)).to.deep.equal({ lat: 48.8566, lon: 2.3522, accuracyKm: 20, country: 'FR', city: 'Paris' });
  });

  it('gives only the country when that is all the record knows', async () => {
    const geo = resolver({ mmdb: file('city.mmdb', buildMmdb(CITY)) });
    expect(await geo.locate('81.2.69.200', {}, false)).to.deep.equal({ country: 'DE' });
  });

  it('flags VPNs, hosting and carrier networks, with their ASN', async () => {
    const geo = resolver({ mmdb: file('city.mmdb', buildMmdb(CITY)) });
    expect(await geo.locate('185.159.157.4', {}, false)).to.deep.equal({ lat: 48.8566, lon: 2.3522, accuracyKm: 20, country: 'FR', city: 'Paris', asn: 9009, hosting: true });
    expect(await geo.locate('34.1.2.3', {}, false)).to.deep.include({ country: 'US', accuracyKm: 1000, hosting: true });
    expect(await geo.locate('37.171.20.9', {}, false)).to.deep.equal({ lat: 46.6, lon: 2.4, accuracyKm: 500, country: 'FR', asn: 15557, mobile: true });
  });

  it('has no location for an address the database does not hold', async () => {
    const geo = resolver({ mmdb: file('city.mmdb', buildMmdb(CITY)) });
    expect(await geo.locate('81.2.70.1', {}, false)).to.equal(undefined);
    expect(await geo.locate('2a02:8070::1', {}, false)).to.equal(undefined);
  });

  it('answers nothing for IPv6 from an IPv4-only database', async () => {
    const geo = resolver({ mmdb: file('v4.mmdb', buildMmdb({ ...CITY, ipVersion: 4, networks: [['81.2.69.0/24', LONDON]] })) });
    expect(await geo.locate('81.2.69.160', {}, false)).to.include({ city: 'London' });
    expect(await geo.locate('2a01:cb00::1', {}, false)).to.equal(undefined);
  });

  it('merges a City database with ASN and Anonymous IP databases, field by field', async () => {
    const geo = resolver([{ mmdb: file('city.mmdb', buildMmdb(CITY)) }, { mmdb: file('asn.mmdb', buildMmdb(ASN)) }, { mmdb: file('anon.mmdb', buildMmdb(ANONYMOUS)) }]);
    expect(await geo.locate('81.2.69.10', {}, false)).to.deep.equal({ lat: 51.5142, lon: -0.0931, accuracyKm: 10, country: 'GB', city: 'London', asn: 20712, hosting: true });
    expect(await geo.locate('81.2.69.160', {}, false)).to.deep.equal({ lat: 51.5142, lon: -0.0931, accuracyKm: 10, country: 'GB', city: 'London', asn: 20712 });
    expect(await geo.locate('2a01:cb00::1', {}, false)).to.include({ city: 'Paris', asn: 3215 });
    expect(await geo.locate('37.171.20.9', {}, false), 'the City database alone knows it').to.include({ asn: 15557, mobile: true });
    expect(await geo.locate('8.8.8.8', {}, false)).to.equal(undefined);
  });

  it('reads a gzip-compressed database, as maxmind.open() does', async () => {
    const geo = resolver({ mmdb: file('city.mmdb.gz', gzipSync(buildMmdb(CITY))) });
    expect(await geo.locate('81.2.69.160', {}, false)).to.include({ city: 'London' });
  });

  it('fails at creation, naming the option and the fix, when the file is missing or is not a database', () => {
    const fails = (database: unknown) => () => resolveOptions({ ...base, geo: { database: database as 'geoip-lite' } });
    const missing = join(dir, 'GeoLite2-City.mmdb');
    expect(fails({ mmdb: missing })).to.throw(SharelockError, `SHARELOCK_E_OPTION_INVALID: Invalid \`geo.database.mmdb\`: ${JSON.stringify(missing)}. There is no file at ${missing}: download the database from MaxMind`);
    expect(fails({ mmdb: file('garbage.mmdb', 'these are not the bytes you are looking for') })).to.throw(/Invalid `geo.database.mmdb`: ".*garbage.mmdb". .*garbage.mmdb is not a MaxMind DB file \(.*\): give the path of a .mmdb file/);
    expect(fails({ mmdb: file('empty.mmdb', Buffer.alloc(0)) })).to.throw(/is not a MaxMind DB file/);
    expect(fails({ mmdb: file('noise.mmdb', Buffer.alloc(4096, 0xab)) })).to.throw(/is not a MaxMind DB file/);
    expect(fails({ mmdb: file('broken.mmdb.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3])) })).to.throw(/is not a MaxMind DB file \(gzip data that does not decompress/);
    expect(fails({ mmdb: dir })).to.throw(/is a folder: give the path of the .mmdb file in it/);
    expect(fails([{ mmdb: file('city.mmdb', buildMmdb(CITY)) }, { mmdb: missing }])).to.throw(/Invalid `geo.database\[1\].mmdb`/);
    expect(fails({ mmdb: '' })).to.throw(/Invalid `geo.database.mmdb`: "". Give the path of a MaxMind database file/);
    expect(fails({ path: missing })).to.throw(/SHARELOCK_E_OPTION_UNKNOWN: Unknown option `geo.database.path`/);
    expect(fails([])).to.throw(/Invalid `geo.database`: \[\]. An empty list would look nothing up/);
    expect(fails('maxmind')).to.throw(/Invalid `geo.database`: "maxmind". Use 'geoip-lite' or \{ mmdb: /);
    expect(fails([{ mmdb: file('city.mmdb', buildMmdb(CITY)) }, 42])).to.throw(/Invalid `geo.database\[1\]`: 42/);
  });

  it('ignores record values of the wrong type or out of range', () => {
    expect(mmdbLocation({ location: { latitude: 91, longitude: 2, accuracy_radius: 5 }, country: { iso_code: 'fr' }, city: { names: { en: 7 } } })).to.equal(undefined);
    expect(mmdbLocation({ location: { latitude: 0, longitude: 0, accuracy_radius: 5 }, traits: { autonomous_system_number: -1, is_hosting_provider: 'yes' } })).to.equal(undefined);
    expect(mmdbLocation({ location: { latitude: '48', longitude: 2 }, country: 'FR', autonomous_system_number: 1.5 })).to.equal(undefined);
    expect(mmdbLocation({ location: { latitude: 48, longitude: 2, accuracy_radius: -3 } })).to.deep.equal({ lat: 48, lon: 2 });
    for (const junk of [null, 'GB', 42, [LONDON], undefined]) expect(mmdbLocation(junk)).to.equal(undefined);
  });
});
