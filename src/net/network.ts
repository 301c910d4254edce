import ipaddr from 'ipaddr.js';

/**
 * The network an address belongs to: IPv4 /24, IPv6 /56. Devices of one home share it even when
 * each has its own IPv6 privacy address, rotated daily (ISPs delegate a /56 or /64 per home).
 */
export function networkOf(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  // Signals ask for the networks of an account's remembered addresses at every decision: parsing
  // them each time was a quarter of a decision's CPU. A bounded memo, emptied when full.
  const known = memo.get(ip);
  if (known !== undefined || memo.has(ip)) return known;
  const network = parse(ip);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(ip, network);
  return network;
}

/**
 * Whether two networks (as `networkOf` gives them) are next to each other: the same IPv4 /16 or
 * IPv6 /32, where an ISP moves a home when it renumbers its line (an IPv6 prefix is often drawn
 * afresh from anywhere in the ISP's /32, not from the /48 of the last one).
 */
export function isNeighbour(a: string, b: string): boolean {
  const v6 = a.includes(':');
  return v6 === b.includes(':') && sameUpTo(a, b, v6 ? ':' : '.', 2);
}

/** Whether `a` and `b` have the same first `parts` parts, each ended by `separator`. */
function sameUpTo(a: string, b: string, separator: string, parts: number): boolean {
  let end = -1;
  for (let n = 0; n < parts; n++) {
    end = a.indexOf(separator, end + 1);
    if (end < 0) return false;
  }
  return a.slice(0, end + 1) === b.slice(0, end + 1);
}

const MEMO_MAX = 8192;
const memo = new Map<string, string | undefined>();

function parse(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === 'ipv4') return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  const parts = (parsed as ipaddr.IPv6).parts;
  const fourth = parts[3]! & 0xff00;
  return `${[parts[0]!, parts[1]!, parts[2]!, fourth].map((p) => p.toString(16)).join(':')}::/56`;
}

const LOCAL_RANGES = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);

/** Loopback, private, link-local and similar addresses, which can have no location. */
export function isLocalIp(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return true;
  return LOCAL_RANGES.has(ipaddr.parse(ip).range());
}
