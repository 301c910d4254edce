import { CITIES, COUNTRIES, citiesOf, country, distanceKm, useCities, type City, type Place } from './cities.js';
import { GeoDb, type GeoRecord } from './geo.js';
import { IpSpace, v4Blocks24, v4Host } from './ip-space.js';
import { Carrier, CorporateEgress, Home, Inflight, SharedNat, VpnExit, type HomeIspProfile } from './networks.js';
import { Random } from './random.js';
import { VARIANTS, type WorldVariant } from './variants.js';

// Share of homes with working IPv6, per country (order of magnitude of Google's IPv6 statistics).
const V6_SHARE: Record<string, number> = { FR: 0.8, DE: 0.72, IN: 0.75, US: 0.55, GB: 0.5, JP: 0.55, BR: 0.5, MX: 0.45, BE: 0.65, NL: 0.5, CH: 0.5, MY: 0.6, GR: 0.5, AU: 0.35 };
// Carriers giving phones IPv6 (T-Mobile US, Jio, Orange, …).
const CARRIER_V6: Record<string, number> = { US: 0.9, IN: 0.9, FR: 0.6, DE: 0.5, GB: 0.5, JP: 0.6, BR: 0.5 };

export interface Company {
  name: string;
  country: string;
  offices: City[];
  egress: CorporateEgress;
}

export interface VpnExitInfo {
  exit: VpnExit;
  country: string;
  place: Place;
}

/**
 * The shared infrastructure of the simulated internet, and the geolocation database describing it:
 * national ISPs and carriers, hotels and campuses per city, VPN providers, companies, in-flight Wi-Fi.
 * Hotels, campuses and corporate proxies are shared by everyone who passes through them.
 */
export class World {
  readonly geo = new GeoDb();
  readonly isps = new Map<string, HomeIspProfile[]>();
  readonly carriers = new Map<string, Carrier[]>();
  readonly hotels = new Map<string, SharedNat[]>();
  readonly campuses = new Map<string, SharedNat[]>();
  readonly vpnExits: VpnExitInfo[] = [];
  readonly companies: Company[] = [];
  readonly inflight: Inflight[] = [];
  readonly #space: IpSpace;
  readonly #random: Random;
  #asn = 3000;

  constructor(
    seed: number,
    readonly variant: WorldVariant = VARIANTS.lab!,
  ) {
    useCities(variant.cities ?? 'lab');
    // The lab variant keeps its historical streams; others draw theirs apart.
    this.#random = new Random(seed).fork(variant.name === 'lab' ? 'world' : `world-${variant.name}`);
    if (variant.flags === 'none') this.geo.stripFlags = true;
    this.#space = new IpSpace(this.#random.fork('ip-space'));
    for (const code of Object.keys(COUNTRIES)) {
      this.#isps(code);
      this.#carriers(code);
    }
    for (const city of CITIES) {
      this.hotels.set(city.name, Array.from({ length: 6 }, (_, i) => this.#hotel(city, i)));
      this.campuses.set(city.name, Array.from({ length: 2 }, (_, i) => this.#campus(city, i)));
    }
    this.#vpns();
    this.#companies();
    this.#inflight();
  }

  /** A new household's broadband line, from one of the country's ISPs (or the one given). */
  home(city: City, random: Random, isp?: HomeIspProfile): Home {
    const chosen = isp ?? random.pick(this.isps.get(city.country)!);
    return new Home(chosen, city, random.fork('home'));
  }

  ispOf(city: City, random: Random): HomeIspProfile {
    return random.pick(this.isps.get(city.country)!);
  }

  carrier(code: string, random: Random): Carrier {
    return random.pick(this.carriers.get(code)!);
  }

  /** A small office on a business line: one static address from a national ISP. */
  office(city: City, random: Random): SharedNat {
    const isp = random.pick(this.isps.get(city.country)!);
    const block = random.pick(isp.pools.get(city.name)!.v4);
    return new SharedNat('office', `office in ${city.name}`, [v4Host(block, random)]);
  }

  hotel(city: City, random: Random): SharedNat {
    return random.pick(this.hotels.get(city.name)!);
  }

  campus(city: City, random: Random): SharedNat {
    return random.pick(this.campuses.get(city.name)!);
  }

  company(random: Random, where: (c: Company) => boolean = () => true): Company {
    const candidates = this.companies.filter(where);
    return random.pick(candidates.length > 0 ? candidates : this.companies);
  }

  #nextAsn(): number {
    this.#asn += this.#random.int(7, 900);
    return this.#asn;
  }

  #isps(code: string): void {
    const r = this.#random.fork(`isp-${code}`);
    const base = Math.min(0.98, (V6_SHARE[code] ?? 0.3) * this.variant.v6Scale);
    const profiles: HomeIspProfile[] = [];
    for (let i = 0; i < 3; i++) {
      const asn = this.#nextAsn();
      // Same country, very different ISPs: one all-IPv6 fibre operator, one legacy cable/DSL without it.
      const v6Share = Math.min(0.98, Math.max(0.02, i === 0 ? base + 0.25 : i === 1 ? base : base - 0.3));
      const dynamic = code === 'DE' ? r.chance(0.7) : r.chance(0.3);
      const leaseDays = dynamic ? (code === 'DE' && r.chance(0.5) ? ([1, 1.2] as const) : ([2, 7] as const)) : undefined;
      const v6Block = this.#space.v6Block32();
      const pools = new Map<string, { v4: string[]; v6: string[] }>();
      for (const city of citiesOf(code)) {
        const v4 = v4Blocks24(this.#space.v4Block16(), 24, r);
        const v6 = Array.from({ length: 4 }, () => `${v6Block}:${r.int(0, 0xffff).toString(16)}`);
        for (const block of v4) this.geo.register(block, this.#homeRecord(city, asn, r, 'v4'));
        for (const block of v6) this.geo.register(block, this.#homeRecord(city, asn, r, 'v6'));
        pools.set(city.name, { v4, v6 });
      }
      profiles.push({
        name: `${code}-isp${i + 1}`,
        asn,
        country: code,
        v6Share,
        prefixLength: r.chance(0.6) ? 56 : 64,
        ...(leaseDays ? { leaseDays } : {}),
        prefixFollowsLease: dynamic && r.chance(code === 'DE' ? 0.8 : 0.3),
        pools,
      });
    }
    this.isps.set(code, profiles);
  }

  /** Mostly right to within tens of km; sometimes another city of the country, the country only, or nothing. */
  #homeRecord(city: City, asn: number, r: Random, family: 'v4' | 'v6'): GeoRecord | undefined {
    const harsh = this.variant.geoError === 'harsh';
    const mode = r.weighted<'city' | 'other-city' | 'country' | 'none'>(
      family === 'v4'
        ? harsh ? [['city', 62], ['other-city', 22], ['country', 11], ['none', 5]] : [['city', 74], ['other-city', 14], ['country', 8], ['none', 4]]
        : harsh ? [['city', 45], ['other-city', 30], ['country', 20], ['none', 5]] : [['city', 60], ['other-city', 20], ['country', 15], ['none', 5]],
    );
    const base = { country: city.country, asn, hosting: false, mobile: false };
    switch (mode) {
      case 'city':
        return { ...base, ...jitter(city, r, 15), accuracyKm: r.pick([5, 10, 20, 20, 50, 100]), city: city.name };
      case 'other-city': {
        // Mostly a neighbouring city (the ISP's regional hub); sometimes wherever the block is registered.
        const others = [...citiesOf(city.country), ...country(city.country).hubs].filter((c) => c.name !== city.name);
        const near = others.filter((c) => distanceKm(c, city) < 500);
        const other = near.length > 0 && r.chance(0.7) ? r.pick(near) : others.length > 0 ? r.pick(others) : city;
        return { ...base, lat: other.lat, lon: other.lon, accuracyKm: r.pick([20, 50, 100, 200]), city: other.name };
      }
      case 'country': {
        const centre = country(city.country).centre;
        return { ...base, lat: centre.lat, lon: centre.lon, accuracyKm: r.pick([500, 1000, 1000]) };
      }
      case 'none':
        return undefined;
    }
  }

  #carriers(code: string): void {
    const r = this.#random.fork(`carrier-${code}`);
    const { hubs, centre } = country(code);
    const list: Carrier[] = [];
    for (let i = 0; i < r.int(2, 3); i++) {
      const asn = this.#nextAsn();
      const v4 = [...v4Blocks24(this.#space.v4Block16(), 32, r), ...v4Blocks24(this.#space.v4Block16(), 32, r)];
      const record = (): GeoRecord | undefined => {
        const mode = r.weighted<'centre' | 'hub-coarse' | 'hub-200' | 'hub-50' | 'country-only' | 'none'>(
          this.variant.geoError === 'harsh'
            ? [['centre', 20], ['hub-coarse', 15], ['hub-200', 20], ['hub-50', 25], ['country-only', 10], ['none', 10]]
            : [['centre', 35], ['hub-coarse', 25], ['hub-200', 12], ['hub-50', 8], ['country-only', 12], ['none', 8]],
        );
        const base = { country: code, asn, hosting: false, mobile: r.chance(0.85) };
        const hub = r.pick(hubs);
        switch (mode) {
          case 'centre':
            // The harsh database understates a country centre's radius too.
            return { ...base, lat: centre.lat, lon: centre.lon, accuracyKm: this.variant.geoError === 'harsh' ? r.pick([300, 500, 1000]) : 1000 };
          case 'hub-coarse':
            return { ...base, lat: hub.lat, lon: hub.lon, accuracyKm: 1000, city: hub.name };
          case 'hub-200':
            return { ...base, lat: hub.lat, lon: hub.lon, accuracyKm: 200, city: hub.name };
          case 'hub-50':
            // Confidently wrong: a hub city with a city-sized radius, as databases sometimes say.
            return { ...base, lat: hub.lat, lon: hub.lon, accuracyKm: 50, city: hub.name };
          case 'country-only':
            return { country: code, asn, mobile: base.mobile };
          case 'none':
            return undefined;
        }
      };
      for (const block of v4) this.geo.register(block, record());
      let v6: string | undefined;
      if (r.chance(Math.min(0.98, (CARRIER_V6[code] ?? 0.3) * this.variant.v6Scale))) {
        v6 = this.#space.v6Block32();
        this.geo.register(v6, record());
      }
      list.push(new Carrier({ name: `${code}-mobile${i + 1}`, asn, country: code, v4, ...(v6 ? { v6 } : {}) }));
    }
    this.carriers.set(code, list);
  }

  #hotel(city: City, i: number): SharedNat {
    const r = this.#random.fork(`hotel-${city.name}-${i}`);
    const isp = r.pick(this.isps.get(city.country)!);
    return new SharedNat('hotel', `hotel ${i + 1} in ${city.name}`, [v4Host(r.pick(isp.pools.get(city.name)!.v4), r)]);
  }

  #campus(city: City, i: number): SharedNat {
    const r = this.#random.fork(`campus-${city.name}-${i}`);
    const block = `${this.#space.v4Block16()}.${r.int(0, 255)}`;
    this.geo.register(block, { ...jitter(city, r, 8), accuracyKm: r.pick([5, 10, 20]), country: city.country, city: city.name, asn: this.#nextAsn(), hosting: false, mobile: false });
    const addresses = Array.from({ length: r.int(1, 4) }, () => v4Host(block, r));
    return new SharedNat('campus', `campus ${i + 1} in ${city.name}`, addresses);
  }

  #vpns(): void {
    const exitsAt: Array<[string, Place]> = [
      ['NL', { name: 'Amsterdam', lat: 52.3676, lon: 4.9041 }],
      ['DE', { name: 'Frankfurt', lat: 50.1109, lon: 8.6821 }],
      ['GB', { name: 'London', lat: 51.5072, lon: -0.1276 }],
      ['FR', { name: 'Paris', lat: 48.8566, lon: 2.3522 }],
      ['CH', { name: 'Zurich', lat: 47.3769, lon: 8.5417 }],
      ['SE', { name: 'Stockholm', lat: 59.3293, lon: 18.0686 }],
      ['ES', { name: 'Madrid', lat: 40.4168, lon: -3.7038 }],
      ['US', { name: 'New York', lat: 40.7128, lon: -74.006 }],
      ['US', { name: 'Los Angeles', lat: 34.0522, lon: -118.2437 }],
      ['US', { name: 'Dallas', lat: 32.7767, lon: -96.797 }],
      ['CA', { name: 'Toronto', lat: 43.6532, lon: -79.3832 }],
      ['JP', { name: 'Tokyo', lat: 35.6762, lon: 139.6503 }],
      ['SG', { name: 'Singapore', lat: 1.3521, lon: 103.8198 }],
      ['AU', { name: 'Sydney', lat: -33.8688, lon: 151.2093 }],
      ['BR', { name: 'São Paulo', lat: -23.5505, lon: -46.6333 }],
      ['IN', { name: 'Mumbai', lat: 19.076, lon: 72.8777 }],
    ];
    for (const provider of ['vpn-a', 'vpn-b', 'vpn-c']) {
      const r = this.#random.fork(provider);
      const asn = this.#nextAsn();
      const block16 = this.#space.v4Block16();
      for (const [code, place] of exitsAt) {
        const block = `${block16}.${r.int(0, 255)}`;
        // Commercial VPN ranges are mostly flagged by anonymous-IP databases; fresh ones are not yet.
        this.geo.register(block, { ...jitter(place, r, 10), accuracyKm: r.pick([10, 20, 50, 100]), country: code, city: place.name, asn, hosting: r.chance(this.variant.geoError === 'harsh' ? 0.6 : 0.88), mobile: false });
        this.vpnExits.push({ exit: new VpnExit(`${provider} ${place.name}`, block), country: code, place });
      }
    }
  }

  #companies(): void {
    const clouds: Record<string, Array<[string, Place]>> = {
      europe: [['DE', { name: 'Frankfurt', lat: 50.1109, lon: 8.6821 }], ['NL', { name: 'Amsterdam', lat: 52.3676, lon: 4.9041 }], ['GB', { name: 'London', lat: 51.5072, lon: -0.1276 }], ['FR', { name: 'Paris', lat: 48.8566, lon: 2.3522 }]],
      'north-america': [['US', { name: 'Ashburn', lat: 39.0438, lon: -77.4874 }], ['US', { name: 'Chicago', lat: 41.8781, lon: -87.6298 }], ['US', { name: 'San Jose', lat: 37.3382, lon: -121.8863 }], ['US', { name: 'Dallas', lat: 32.7767, lon: -96.797 }]],
      'south-america': [['BR', { name: 'São Paulo', lat: -23.5505, lon: -46.6333 }], ['US', { name: 'Miami', lat: 25.7617, lon: -80.1918 }]],
      asia: [['SG', { name: 'Singapore', lat: 1.3521, lon: 103.8198 }], ['JP', { name: 'Tokyo', lat: 35.6762, lon: 139.6503 }], ['IN', { name: 'Mumbai', lat: 19.076, lon: 72.8777 }]],
      oceania: [['AU', { name: 'Sydney', lat: -33.8688, lon: 151.2093 }], ['SG', { name: 'Singapore', lat: 1.3521, lon: 103.8198 }]],
      africa: [['ZA', { name: 'Johannesburg', lat: -26.2041, lon: 28.0473 }], ['GB', { name: 'London', lat: 51.5072, lon: -0.1276 }], ['NL', { name: 'Amsterdam', lat: 52.3676, lon: 4.9041 }]],
    };
    for (const code of Object.keys(COUNTRIES)) {
      const cities = citiesOf(code);
      if (cities.length === 0) continue;
      for (let i = 0; i < 2; i++) {
        const r = this.#random.fork(`company-${code}-${i}`);
        const offices = r.shuffle([...cities]).slice(0, r.int(1, Math.min(3, cities.length)));
        const hq = offices[0]!;
        const mode = r.weighted<'onsite' | 'hub' | 'cloud'>([['onsite', 40], ['hub', 30], ['cloud', 30]]);
        const [egressCountry, place] =
          mode === 'onsite' ? [code, hq as Place] : mode === 'hub' ? [code, r.pick(country(code).hubs)] : r.pick(clouds[hq.continent]!);
        const block = `${this.#space.v4Block16()}.${r.int(0, 255)}`;
        this.geo.register(block, {
          ...jitter(place, r, 10),
          accuracyKm: r.pick([10, 20, 50]),
          country: egressCountry,
          city: place.name,
          asn: this.#nextAsn(),
          hosting: mode === 'onsite' ? false : r.chance(mode === 'cloud' ? 0.75 : 0.4),
          mobile: false,
        });
        const name = `${code}-company${i + 1}`;
        const addresses = Array.from({ length: r.int(2, 6) }, () => v4Host(block, r));
        this.companies.push({ name, country: code, offices, egress: new CorporateEgress(`${name} egress (${mode}, ${place.name})`, addresses) });
      }
    }
  }

  #inflight(): void {
    const providers: Array<[string, string, Place, boolean, number]> = [
      ['air-us-1', 'US', { name: 'Itasca', lat: 41.9753, lon: -88.0073 }, true, 1000],
      ['air-us-2', 'US', { name: 'Carlsbad', lat: 33.1581, lon: -117.3506 }, true, 200],
      // A ground station geolocated like an ordinary business line: nothing says "in the air".
      ['air-eu-1', 'GB', { name: 'London', lat: 51.5072, lon: -0.1276 }, false, 50],
      ['air-asia-1', 'SG', { name: 'Singapore', lat: 1.3521, lon: 103.8198 }, true, 500],
    ];
    for (const [name, code, place, hosting, accuracyKm] of providers) {
      const r = this.#random.fork(name);
      const block = `${this.#space.v4Block16()}.${r.int(0, 255)}`;
      this.geo.register(block, { lat: place.lat, lon: place.lon, accuracyKm, country: code, city: place.name, asn: this.#nextAsn(), hosting, mobile: false });
      this.inflight.push(new Inflight(`${name} in-flight Wi-Fi`, block));
    }
  }
}

/** A point within `km` of a place: blocks are geolocated to a neighbourhood, not a city hall. */
function jitter(place: { lat: number; lon: number }, r: Random, km: number): { lat: number; lon: number } {
  const d = r.uniform(0, km) / 111;
  const a = r.uniform(0, 2 * Math.PI);
  return { lat: round(place.lat + d * Math.sin(a)), lon: round(place.lon + (d * Math.cos(a)) / Math.max(0.2, Math.cos((place.lat * Math.PI) / 180))) };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
