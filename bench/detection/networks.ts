import { DAY, MINUTE, MONTH_START, type City } from './cities.js';
import { hashHextets, v4Host } from './ip-space.js';
import { hash, unit, type Random } from './random.js';

export type NetworkKind = 'home' | 'carrier' | 'vpn' | 'corporate' | 'office' | 'inflight' | 'hotel' | 'campus';

/** One request's view of the network: which device, when, in which session (a VPN tunnel, a hotel login). */
export interface Link {
  device: { key: string; v6: boolean };
  at: number;
  session: string;
  request: number;
}

/**
 * Where a device is connected. Every address is a pure function of the link (hashes of device, time
 * and session, or schedules drawn up front), so the month is identical whatever the order of play and
 * however the core's verdicts cut sessions short.
 */
export interface Network {
  readonly kind: NetworkKind;
  readonly label: string;
  address(link: Link): string;
}

export interface HomeIspProfile {
  name: string;
  asn: number;
  country: string;
  /** Share of its homes with working IPv6. */
  v6Share: number;
  /** What each home is delegated: a /56 (one /64 used on the LAN) or a single /64. */
  prefixLength: 56 | 64;
  /** IPv4 reassigned every [min, max] days (a forced reconnect), or never this month. */
  leaseDays?: readonly [number, number];
  /** The IPv6 prefix changes with the IPv4 lease (as at several German ISPs). */
  prefixFollowsLease: boolean;
  /** Per city: the ISP's IPv4 /24s and IPv6 /48s there. */
  pools: ReadonlyMap<string, { v4: readonly string[]; v6: readonly string[] }>;
}

interface Lease {
  from: number;
  v4: string;
  v6?: string;
}

/**
 * A home broadband line: one NATed IPv4 for the household; with IPv6, one /64 on the LAN and each
 * device its own privacy address, rotated daily. Dual-stack devices still fall back to IPv4 now and then
 * (Happy Eyeballs, a v4-only path).
 */
export class Home implements Network {
  readonly kind = 'home';
  readonly label: string;
  readonly #leases: Lease[] = [];

  constructor(
    readonly isp: HomeIspProfile,
    readonly city: City,
    random: Random,
    readonly v4FallbackShare = 0.05,
  ) {
    this.label = `${isp.name} home in ${city.name}`;
    const pool = isp.pools.get(city.name);
    if (!pool) throw new Error(`${isp.name} does not serve ${city.name}`);
    const v6 = random.chance(isp.v6Share);
    const prefix = (): string => {
      const block48 = random.pick(pool.v6);
      const lan = isp.prefixLength === 56 ? (random.int(0, 255) << 8).toString(16) : random.int(0, 0xffff).toString(16);
      return `${block48}:${lan}`;
    };
    let v6Prefix = v6 ? prefix() : undefined;
    // Leases start before the month so a home's address is not renewed on day 0 for everyone.
    let t = MONTH_START - random.uniform(0, 7) * DAY;
    while (t < MONTH_START + 32 * DAY) {
      if (this.#leases.length > 0 && isp.prefixFollowsLease && v6) v6Prefix = prefix();
      this.#leases.push({ from: t, v4: v4Host(random.pick(pool.v4), random), ...(v6Prefix ? { v6: v6Prefix } : {}) });
      if (!isp.leaseDays) break;
      t += random.uniform(isp.leaseDays[0], isp.leaseDays[1]) * DAY;
    }
  }

  get dualStack(): boolean {
    return this.#leases[0]?.v6 !== undefined;
  }

  address(link: Link): string {
    let lease = this.#leases[0]!;
    for (const next of this.#leases) {
      if (next.from > link.at) break;
      lease = next;
    }
    if (lease.v6 && link.device.v6 && unit(`${link.session}|${link.request}|v4`) >= this.v4FallbackShare) {
      // RFC 8981 temporary address: a new random interface id every day, at a time of its own per device.
      const epoch = Math.floor((link.at - MONTH_START) / DAY + unit(`${link.device.key}|phase`));
      return `${lease.v6}:${hashHextets(hash(`${link.device.key}|${epoch}|a`), hash(`${link.device.key}|${epoch}|b`))}`;
    }
    return lease.v4;
  }
}

export interface CarrierProfile {
  name: string;
  asn: number;
  country: string;
  /** CGNAT pool /24s. */
  v4: readonly string[];
  /** IPv6 /32 when the carrier gives phones IPv6 (a fresh /64 per connection). */
  v6?: string;
}

const CGNAT_TICK = 15 * MINUTE;

/**
 * A mobile carrier: CGNAT addresses from a shared pool, a new one every 15–120 minutes (a new
 * connection); IPv6 carriers give a new /64 per connection. Abroad, home-routed roaming keeps using
 * the home carrier's pool.
 */
export class Carrier implements Network {
  readonly kind = 'carrier';
  readonly label: string;

  constructor(readonly profile: CarrierProfile) {
    this.label = `${profile.name} (${profile.country})`;
  }

  address(link: Link): string {
    // The connection started at the latest 15-minute tick that was a change point (about one tick in
    // four); at least every eighth tick is one, so an address never lasts beyond two hours.
    const base = `${link.device.key}|${this.profile.name}`;
    const tick = Math.floor((link.at - MONTH_START) / CGNAT_TICK);
    let start = tick;
    while (start > tick - 7 && unit(`${base}|${start}`) >= 0.27) start--;
    const a = hash(`${base}|${start}|a`);
    const b = hash(`${base}|${start}|b`);
    if (this.profile.v6 && link.device.v6 && a % 100 < 85) {
      // The carrier's /32, a /64 of its own for this connection, and an interface id.
      return `${this.profile.v6}:${(a >>> 16).toString(16)}:${(a & 0xffff).toString(16)}:${hashHextets(b, hash(`${base}|${start}|c`))}`;
    }
    return `${this.profile.v4[a % this.profile.v4.length]}.${1 + (b % 254)}`;
  }
}

/** A VPN exit: one provider's servers in one city; every connection (session) gets another address. */
export class VpnExit implements Network {
  readonly kind = 'vpn';

  constructor(
    readonly label: string,
    readonly block24: string,
  ) {}

  address(link: Link): string {
    return `${this.block24}.${1 + (hash(`${link.session}|vpn`) % 254)}`;
  }
}

/** A company's egress proxy (on premises or a cloud proxy): a few load-balanced addresses shared by every employee. */
export class CorporateEgress implements Network {
  readonly kind = 'corporate';

  constructor(
    readonly label: string,
    readonly addresses: readonly string[],
  ) {}

  address(link: Link): string {
    return this.addresses[hash(`${link.device.key}|${Math.floor(link.at / (10 * MINUTE))}`) % this.addresses.length]!;
  }
}

/** In-flight Wi-Fi: egress at the provider's ground station, far from the plane. */
export class Inflight implements Network {
  readonly kind = 'inflight';

  constructor(
    readonly label: string,
    readonly block24: string,
  ) {}

  address(link: Link): string {
    return `${this.block24}.${1 + (hash(`${link.session}|air`) % 254)}`;
  }
}

/** One NAT for many people: a hotel (one address), a campus (a few), a small office. */
export class SharedNat implements Network {
  constructor(
    readonly kind: 'hotel' | 'campus' | 'office',
    readonly label: string,
    readonly addresses: readonly string[],
  ) {}

  address(link: Link): string {
    return this.addresses.length === 1 ? this.addresses[0]! : this.addresses[hash(`${link.session}|nat`) % this.addresses.length]!;
  }
}

/**
 * A phone moving between networks during one session: home Wi-Fi to mobile data as the commuter
 * leaves, mobile data to office or home Wi-Fi on arrival. Switches at the given times.
 */
export class Handover implements Network {
  readonly kind: NetworkKind;
  readonly label: string;

  constructor(readonly legs: ReadonlyArray<{ until: number; network: Network }>) {
    const main = legs.reduce((a, b) => (b.network.kind === 'carrier' ? b : a), legs[0]!);
    this.kind = main.network.kind;
    this.label = legs.map((l) => l.network.label).join(' → ');
  }

  address(link: Link): string {
    const leg = this.legs.find((l) => link.at < l.until) ?? this.legs[this.legs.length - 1]!;
    return leg.network.address(link);
  }
}
