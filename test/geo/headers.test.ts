import { expect } from 'chai';
import { GeoResolver } from '../../src/geo/resolver.js';
import { SharelockError, type Options } from '../../src/index.js';
import { resolveOptions } from '../../src/options.js';

const base: Options = { secret: 'a-test-secret-that-is-long-enough-0123456789', identify: () => null, logger: { warn: () => {}, error: () => {} } };

function resolver(headers: NonNullable<Options['geo']>['headers']): GeoResolver {
  return new GeoResolver(resolveOptions({ ...base, geo: { headers } }).geo, () => {});
}

// What Fastly's "Tag requests with geolocation data" example sets from client.geo.*.
const fastly = { 'client-geo-latitude': '52.520', 'client-geo-longitude': '13.405', 'client-geo-country': 'DE', 'client-geo-city': 'berlin' };

describe('geolocation headers', () => {
  it("reads Fastly's headers, and only from a trusted proxy", async () => {
    const geo = resolver(['fastly']);
    expect(await geo.locate('81.2.69.160', fastly, true)).to.deep.equal({ lat: 52.52, lon: 13.405, accuracyKm: 50, country: 'DE', city: 'berlin' });
    expect(await geo.locate('81.2.69.160', fastly, false), 'a client can send these headers itself').to.equal(undefined);
  });

  it("ignores Fastly's markers for no data: 0,0 for reserved addresses, 999 for invalid ones, ? for absent strings", async () => {
    const geo = resolver(['fastly']);
    const reserved = { 'client-geo-latitude': '0.000', 'client-geo-longitude': '0.000', 'client-geo-country': '**', 'client-geo-city': '?' };
    expect(await geo.locate(undefined, reserved, true)).to.equal(undefined);
    const invalid = { 'client-geo-latitude': '999.000', 'client-geo-longitude': '999.000', 'client-geo-country': '', 'client-geo-city': '' };
    expect(await geo.locate(undefined, invalid, true)).to.equal(undefined);
    expect(await geo.locate(undefined, { ...fastly, 'client-geo-city': '?' }, true)).to.deep.equal({ lat: 52.52, lon: 13.405, accuracyKm: 50, country: 'DE' });
  });

  it('reads your own header names, matched whatever their case, only from a trusted proxy', async () => {
    const geo = resolver([{ lat: 'X-Geo-Lat', lon: 'X-Geo-Lon', country: 'X-Geo-Country', city: 'X-Geo-City' }]);
    const headers = { 'x-geo-lat': '-33.8688', 'x-geo-lon': '151.2093', 'x-geo-country': 'au', 'x-geo-city': 'Sydney' };
    expect(await geo.locate('1.1.1.1', headers, true)).to.deep.equal({ lat: -33.8688, lon: 151.2093, accuracyKm: 50, country: 'AU', city: 'Sydney' });
    expect(await geo.locate('1.1.1.1', headers, false)).to.equal(undefined);
    const latLonOnly = resolver([{ lat: 'x-lat', lon: 'x-lon' }]);
    expect(await latLonOnly.locate(undefined, { 'x-lat': '1.5', 'x-lon': '2.5', 'x-geo-country': 'AU' }, true)).to.deep.equal({ lat: 1.5, lon: 2.5, accuracyKm: 50 });
  });

  it('ignores garbage values and falls through to the next source', async () => {
    const geo = resolver([{ lat: 'x-lat', lon: 'x-lon', country: 'x-country', city: 'x-city' }, 'fastly']);
    const garbage = { 'x-lat': '1e400', 'x-lon': ' ', 'x-country': 'FRA', 'x-city': 'a'.repeat(500) };
    expect(await geo.locate(undefined, { ...garbage, ...fastly }, true)).to.include({ country: 'DE', city: 'berlin' });
    expect(await geo.locate(undefined, garbage, true)).to.equal(undefined);
    expect(await geo.locate(undefined, { 'x-lat': ['1', '2'] as unknown as string, 'x-lon': '2', 'x-country': 'fr' }, true), 'repeated headers are ignored').to.deep.equal({ country: 'FR' });
    expect(await geo.locate(undefined, { 'x-lat': '48.8', 'x-lon': '2.3', 'x-city': 'Par\u0000is\n' }, true)).to.deep.equal({ lat: 48.8, lon: 2.3, accuracyKm: 50, city: 'Paris' });
    expect(await geo.locate(undefined, { 'x-lat': 'NaN', 'x-lon': 'Infinity', 'x-country': '\u0000\u0001' }, true)).to.equal(undefined);
  });

  it('rejects unknown CDNs and bad header names, naming the entry', () => {
    const fails = (headers: unknown) => () => resolveOptions({ ...base, geo: { headers: headers as [] } });
    expect(fails(['akamai'])).to.throw(SharelockError, /SHARELOCK_E_OPTION_INVALID: Invalid `geo.headers\[0\]`: "akamai". Use 'cloudflare', 'cloudfront', 'fastly', or your own header names/);
    expect(fails('fastly')).to.throw(/Invalid `geo.headers`: "fastly". List the sources/);
    expect(fails(['fastly', { lat: 'x-lat' }])).to.throw(/Invalid `geo.headers\[1\].lon`: undefined. Give the name of the request header that carries the longitude/);
    expect(fails([{ lat: 'x lat', lon: 'x-lon' }])).to.throw(/Invalid `geo.headers\[0\].lat`: "x lat"/);
    expect(fails([{ lat: 'x-lat', lon: 'x-lon', country: 7 }])).to.throw(/Invalid `geo.headers\[0\].country`: 7/);
    expect(fails([{ lat: 'X-Pos', lon: 'x-pos' }])).to.throw(/Invalid `geo.headers\[0\].lon`: "x-pos". Latitude and longitude come in two different headers/);
    expect(fails([{ lat: 'x-lat', lon: 'x-lon', region: 'x-region' }])).to.throw(/SHARELOCK_E_OPTION_UNKNOWN: Unknown option `geo.headers\[0\].region`/);
    expect(fails([null])).to.throw(/Invalid `geo.headers\[0\]`: null/);
  });

  it('keeps the names in lower case without changing the caller object', () => {
    const names = { lat: 'X-Lat', lon: 'X-Lon', city: 'X-City' };
    expect(resolveOptions({ ...base, geo: { headers: [names, 'cloudflare'] } }).geo.headers).to.deep.equal([
      { lat: 'x-lat', lon: 'x-lon', city: 'x-city' },
      { lat: 'cf-iplatitude', lon: 'cf-iplongitude', country: 'cf-ipcountry', city: 'cf-ipcity' },
    ]);
    expect(names.lat).to.equal('X-Lat');
  });
});
