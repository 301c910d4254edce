import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The client's address: the socket peer, or the first untrusted `X-Forwarded-For` hop when the
 * peer is a trusted proxy. Garbage in the header falls back to the socket address; IPv4-mapped
 * IPv6 (`::ffff:1.2.3.4`) is reported as IPv4.
 */
export function clientIp(headers: IncomingHttpHeaders, remoteAddress: string | undefined, trust: (address: string, hop: number) => boolean): string | undefined {
  let address = remoteAddress;
  if (remoteAddress && headers['x-forwarded-for']) {
    try {
      address = proxyAddr({ headers, socket: { remoteAddress } } as never, trust);
    } catch {
      address = remoteAddress;
    }
  }
  return normaliseIp(address) ?? normaliseIp(remoteAddress);
}

export function normaliseIp(address: string | undefined): string | undefined {
  if (!address || address.length > 64 || !ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.parse(address.replace(/%.*$/, ''));
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  return parsed.toString();
}

/** `203.0.113.x` / `2001:db8:1:2::/64`: enough for an owner to recognise a place, not to identify a host. */
export function maskIp(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === 'ipv4') return `${parsed.toString().split('.').slice(0, 3).join('.')}.x`;
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
