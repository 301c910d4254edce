import type { Location } from '../../src/model.js';
import ipaddr from 'ipaddr.js';

/**
 * What a MaxMind-like database says about an address: the shape of sharelock's `geo.lookup` answer.
 * Deliberately imperfect: carriers at a hub or the country centre, some home blocks in the wrong city,
 * VPN exits not always flagged. The simulator knows where people really are; the core only sees this.
 */
export type GeoRecord = Location;

/**
 * Address blocks → records, longest prefix first: IPv4 /24 then /16, IPv6 /48 then /32
 * (the granularity geolocation databases publish at).
 */
export class GeoDb {
  readonly #blocks = new Map<string, GeoRecord>();
  // The core may look an address up on every request; parsing it each time would show in the lab's profile.
  readonly #answers = new Map<string, GeoRecord | null>();

  /** `prefix`: `'a.b.c'` (/24), `'a.b'` (/16), `'x:y:z'` (/48) or `'x:y'` (/32), hextets without leading zeros. */
  /** A city-only database: latitude, longitude, radius, country and city, no hosting, mobile or ASN. */
  stripFlags = false;

  register(prefix: string, record: GeoRecord | undefined): void {
    if (!record) return;
    if (this.stripFlags) {
      const { hosting: _h, mobile: _m, asn: _a, ...rest } = record;
      record = rest;
    }
    this.#blocks.set(prefix, Object.freeze(record));
  }

  /** Forget the memoised answers (so the lab's heap figures are the core's). */
  forget(): void {
    this.#answers.clear();
  }

  get size(): number {
    return this.#blocks.size;
  }

  /** The record for an address in any notation the core may pass (compressed IPv6, IPv4-mapped). */
  readonly lookup = (ip: string): GeoRecord | undefined => {
    let answer = this.#answers.get(ip);
    if (answer === undefined) {
      if (this.#answers.size >= 200_000) this.#answers.clear();
      answer = this.#find(ip) ?? null;
      this.#answers.set(ip, answer);
    }
    return answer ?? undefined;
  };

  #find(ip: string): GeoRecord | undefined {
    if (!ipaddr.isValid(ip)) return undefined;
    let parsed = ipaddr.parse(ip);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    if (parsed.kind() === 'ipv4') {
      const o = (parsed as ipaddr.IPv4).octets;
      return this.#blocks.get(`${o[0]}.${o[1]}.${o[2]}`) ?? this.#blocks.get(`${o[0]}.${o[1]}`);
    }
    const h = (parsed as ipaddr.IPv6).parts.map((p) => p.toString(16));
    return this.#blocks.get(`${h[0]}:${h[1]}:${h[2]}`) ?? this.#blocks.get(`${h[0]}:${h[1]}`);
  }
}
