import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { fnv1a32 } from '../hash.js';
import { days, hours } from '../time.js';

/**
 * A rule that learns a shared egress from traffic: in one `block`, one `observer` showing `units`
 * distinct units within `windowMs`, seen for `observers` distinct observers.
 */
interface Rule {
  name: string;
  units: number;
  windowMs: number;
  observers: number;
}

/** One address used by this many accounts within a day: a NAT (hotel, campus, proxy, CGNAT, VPN server). */
const NAT: Rule = { name: 'nat', units: 3, windowMs: days(1), observers: 1 };
/** An IPv4 /24 where two accounts each got three addresses within 3 days: a rotating pool (VPN exit, proxy, CGNAT). */
const POOL_24: Rule = { name: 'pool24', units: 3, windowMs: days(3), observers: 2 };
/**
 * An IPv4 /16 where two accounts each went through three /24s within 6 hours: a carrier pool. A
 * home's address changes once a day at most, so it never shows this.
 */
const POOL_16: Rule = { name: 'pool16', units: 3, windowMs: hours(6), observers: 2 };
/** An IPv6 /32 where two accounts each went through three /56s within 6 hours: a carrier's fresh prefix per connection. */
const POOL_V6: Rule = { name: 'pool6', units: 3, windowMs: hours(6), observers: 2 };

/** Per block: observer → its latest distinct units as `[unit, at, unit, at, …]`. */
type Observations = Map<number, number[]>;

/** Observers remembered per block; the least recently seen goes first. */
const MAX_OBSERVERS = 8;

/**
 * What sharelock learns about networks from the traffic of every account, so that a geolocation
 * database without hosting or mobile flags (a city-only one) does not turn shared egress into homes
 * or journeys: an address used by several unrelated accounts is a NAT, and a block in which several
 * accounts are each handed new addresses within hours or days is a pool (carrier, VPN, proxy). Not
 * a household, never a place, never a location to travel from.
 *
 * In process memory, bounded (`capacity` blocks per rule, 8 observers each, a few hundred bytes a
 * block: about 3 MB at the default 2,048), keyed by the address or block; accounts are kept only
 * as 32-bit hashes. Each instance of a deployment learns on its own traffic.
 */
export class NetworkKnowledge {
  // Allocated on the first access (an LRU cache preallocates its capacity): an instance that never judges costs nothing.
  #observations: Map<string, LRUCache<string, Observations>> | undefined;
  /** Blocks shown to be shared egress, kept apart so that busy observation tables do not push conclusions out. */
  #sharedBlocks: LRUCache<string, true> | undefined;

  constructor(readonly capacity = 2_048) {}

  get #shared(): LRUCache<string, true> {
    return (this.#sharedBlocks ??= new LRUCache<string, true>({ max: this.capacity }));
  }

  #table(rule: Rule): LRUCache<string, Observations> {
    this.#observations ??= new Map([NAT, POOL_24, POOL_16, POOL_V6].map((r) => [r.name, new LRUCache<string, Observations>({ max: this.capacity })]));
    return this.#observations.get(rule.name)!;
  }

  /** Blocks held (observations and conclusions), for the heap figures. */
  get size(): number {
    let n = this.#sharedBlocks?.size ?? 0;
    for (const table of this.#observations?.values() ?? []) n += table.size;
    return n;
  }

  /**
   * Note one access of `account` from `ip` and say whether the address belongs to a shared egress
   * (what this access itself shows counts).
   */
  observe(account: string, ip: string | undefined, at: number): boolean {
    if (ip === undefined || !ipaddr.isValid(ip)) return false;
    const parsed = ipaddr.parse(ip);
    const who = fnv1a32(account);
    if (parsed.kind() === 'ipv4') {
      const o = (parsed as ipaddr.IPv4).octets;
      const b16 = `${o[0]}.${o[1]}`;
      const b24 = `${b16}.${o[2]}`;
      const address = `${b24}.${o[3]}`;
      // Every rule notes the access, whatever the others concluded.
      const nat = this.#note(NAT, address, 0, who, at);
      const p24 = this.#note(POOL_24, b24, who, o[3]!, at);
      const p16 = this.#note(POOL_16, b16, who, o[2]!, at);
      return nat || p24 || p16;
    }
    const parts = (parsed as ipaddr.IPv6).parts;
    const b32 = `${parts[0]!.toString(16)}:${parts[1]!.toString(16)}`;
    // The /56: what one home keeps for days.
    return this.#note(POOL_V6, b32, who, parts[2]! * 256 + (parts[3]! >> 8), at);
  }

  /** Whether `ip` is in a block already known as shared egress (without noting anything). */
  isShared(ip: string | undefined): boolean {
    if (ip === undefined || !ipaddr.isValid(ip)) return false;
    const parsed = ipaddr.parse(ip);
    if (parsed.kind() === 'ipv4') {
      const o = (parsed as ipaddr.IPv4).octets;
      return this.#shared.has(`nat:${o.join('.')}`) || this.#shared.has(`pool24:${o[0]}.${o[1]}.${o[2]}`) || this.#shared.has(`pool16:${o[0]}.${o[1]}`);
    }
    const parts = (parsed as ipaddr.IPv6).parts;
    return this.#shared.has(`pool6:${parts[0]!.toString(16)}:${parts[1]!.toString(16)}`);
  }

  #note(rule: Rule, block: string, observer: number, unit: number, at: number): boolean {
    const key = `${rule.name}:${block}`;
    if (this.#shared.get(key)) return true;
    const table = this.#table(rule);
    let observations = table.get(key);
    if (!observations) table.set(key, (observations = new Map()));
    let seen = observations.get(observer);
    if (seen) observations.delete(observer);
    else seen = [];
    observations.set(observer, seen);
    if (observations.size > MAX_OBSERVERS) observations.delete(observations.keys().next().value!);
    // The observer's distinct units within the window, newest last.
    const known = seen.findIndex((u, i) => i % 2 === 0 && u === unit);
    if (known >= 0) seen.splice(known, 2);
    seen.push(unit, at);
    while (seen.length > 2 * rule.units || (seen.length > 0 && at - seen[1]! > rule.windowMs)) seen.splice(0, 2);
    if (seen.length < 2 * rule.units) return false;
    // This observer showed the rule's pattern: count those that did.
    let showing = 0;
    for (const units of observations.values()) if (units.length >= 2 * rule.units && units[units.length - 1]! - units[1]! <= rule.windowMs) showing++;
    if (showing < rule.observers) return false;
    this.#shared.set(key, true);
    table.delete(key);
    return true;
  }
}

