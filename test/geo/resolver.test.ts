import { expect } from 'chai';
import { GeoResolver } from '../../src/geo/resolver.js';
import { CDN_HEADERS } from '../../src/geo/headers.js';
import { networkOf } from '../../src/net/network.js';

const cloudflare = { 'cf-iplatitude': '48.85', 'cf-iplongitude': '2.35', 'cf-ipcountry': 'FR', 'cf-ipcity': 'Paris' };

describe('geolocation', () => {
  it('reads trusted CDN headers, and only from a trusted proxy', async () => {
    const geo = new GeoResolver({ headers: [CDN_HEADERS.cloudflare], headerAccuracyKm: 50, lookups: [] }, () => {});
    expect(await geo.locate('81.2.69.160', cloudflare, true)).to.deep.equal({ lat: 48.85, lon: 2.35, accuracyKm: 50, country: 'FR', city: 'Paris' });
    expect(await geo.locate('81.2.69.160', cloudflare, false), 'a client can send these headers itself').to.equal(undefined);
  });

  it('ignores garbage in the headers', async () => {
    const geo = new GeoResolver({ headers: [CDN_HEADERS.cloudflare], headerAccuracyKm: 50, lookups: [] }, () => {});
    expect(await geo.locate(undefined, { 'cf-iplatitude': '91', 'cf-iplongitude': 'x', 'cf-ipcountry': 'T1' }, true)).to.equal(undefined);
    expect(await geo.locate(undefined, { 'cf-iplatitude': '', 'cf-iplongitude': '', 'cf-ipcountry': 'de' }, true)).to.deep.equal({ country: 'DE' });
  });

  it('falls through a chain of lookups, skipping one that fails, and gives local addresses no location', async () => {
    const errors: unknown[] = [];
    const calls: string[] = [];
    const geo = new GeoResolver(
      {
        headers: [],
        headerAccuracyKm: 50,
        lookups: [
          () => {
            throw new Error('database not loaded');
          },
          async (ip) => (calls.push(ip), { country: 'GB', lat: 51.5, lon: -0.12, accuracyKm: 100 }),
        ],
      },
      (error) => errors.push(error),
    );
    expect(await geo.locate('81.2.69.160', {}, false)).to.include({ country: 'GB' });
    expect(await geo.locate('81.2.69.160', {}, false)).to.include({ country: 'GB' });
    expect(calls, 'memoised per IP').to.have.length(1);
    expect(errors).to.have.length(1);
    for (const local of ['10.0.0.1', '127.0.0.1', '::1', 'fe80::1', '100.64.1.1']) expect(await geo.locate(local, {}, false)).to.equal(undefined);
  });

  it('groups a home: IPv4 /24 and IPv6 /56', () => {
    expect(networkOf('81.2.69.160')).to.equal('81.2.69.0/24');
    expect(networkOf('2a01:cb00:1234:5601::a1')).to.equal(networkOf('2a01:cb00:1234:56ff:1:2:3:4'));
    expect(networkOf('2a01:cb00:1234:5701::1')).not.to.equal(networkOf('2a01:cb00:1234:5601::1'));
    expect(networkOf('bogus')).to.equal(undefined);
  });
});
