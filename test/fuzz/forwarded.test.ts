import { expect } from 'chai';
import * as fc from 'fast-check';
import { isIP } from 'node:net';
import { createSharelock, type Identity, type Sharelock } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { headerValue, quietLogger, requestLike, runs, SECRET } from './support.js';

/** An address as a proxy, a client or an attacker may write it in `X-Forwarded-For`. */
const address: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV4Extended() },
  { weight: 3, arbitrary: fc.ipV6() },
  { weight: 1, arbitrary: fc.tuple(fc.ipV6(), fc.constantFrom('eth0', '1', 'en0', 'x', '%', '')).map(([ip, zone]) => `${ip}%${zone}`) },
  { weight: 1, arbitrary: fc.ipV4().map((ip) => `::ffff:${ip}`) },
  { weight: 1, arbitrary: fc.tuple(fc.ipV6(), fc.option(fc.integer({ min: 0, max: 70_000 }))).map(([ip, port]) => `[${ip}]${port === null ? '' : `:${port}`}`) },
  { weight: 1, arbitrary: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 70_000 })).map(([ip, port]) => `${ip}:${port}`) },
  { weight: 1, arbitrary: fc.constantFrom('unknown', '_hidden', '<script>', '999.1.1.1', '1.2.3', '01.02.03.04', '0x7f.1', '4294967295', '::', '::1', '0.0.0.0', 'fe80::1%25eth0', '1.2.3.4.5', ':::', '') },
  { weight: 2, arbitrary: headerValue(60) },
);

/** A header list of addresses, with the separators and blanks proxies write. */
const addressList = fc.tuple(fc.array(address, { minLength: 0, maxLength: 6 }), fc.constantFrom(',', ', ', ' , ', ',,', ',\t')).map(([list, separator]) => list.join(separator));

/** RFC 7239 `Forwarded`, which sharelock does not read: it must not trip on it either. */
const forwarded = fc.array(fc.tuple(fc.constantFrom('for', 'by', 'proto', 'host', 'FOR'), address, fc.boolean()).map(([key, value, quoted]) => `${key}=${quoted ? `"${value}"` : value}`), { maxLength: 4 }).map((pairs) => pairs.join(';'));

/** What a socket reports: IPv4, IPv6, or IPv4-mapped IPv6 as Node gives on a dual-stack listener. */
const socketAddress = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((ip) => `::ffff:${ip}`));

/**
 * The spellings an address may be recorded as, independent of ipaddr.js: the WHATWG URL parser's host
 * serialisation (IPv4 in any legacy form to dotted quad, IPv6 compressed), IPv4-mapped IPv6 as IPv4,
 * zone ids and surrounding blanks dropped. Empty for what is no IP address. ipaddr.js reads the
 * deprecated IPv4-compatible `::1.2.3.4` as mapped, so its IPv4 counts too.
 */
function spellingsOf(value: string): string[] {
  const text = value.trim().replace(/%.*$/, '');
  try {
    if (text.includes(':')) {
      const host = new URL(`http://[${text}]/`).hostname.slice(1, -1);
      const embedded = /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
      if (!embedded) return [host];
      const [high, low] = [parseInt(embedded[1]!, 16), parseInt(embedded[2]!, 16)];
      return [host, [high >> 8, high & 255, low >> 8, low & 255].join('.')];
    }
    const host = new URL(`http://${text}/`).hostname;
    return isIP(host) === 4 ? [host] : [];
  } catch {
    return [];
  }
}

describe('fuzz: X-Forwarded-For, Forwarded and IPv6 forms (trustProxy: true)', () => {
  let guard: Sharelock<Identity | null>;
  let account = 0;
  before(() => {
    guard = createSharelock<Identity | null>({ secret: SECRET, identify: (identity) => identity, trustProxy: true, now: new FakeClock().now, logger: quietLogger });
  });
  after(() => guard.close());

  it('clientIp() never throws and gives a valid IP the request carried: a listed address or the socket (10 000 requests)', () => {
    fc.assert(
      fc.property(addressList, forwarded, socketAddress, (xff, fwd, socket) => {
        const ip = guard.clientIp({ headers: { 'x-forwarded-for': xff, forwarded: fwd }, remoteAddress: socket });
        expect(ip, 'a socket address is always there to fall back on').to.be.a('string');
        expect(isIP(ip!), ip).not.to.equal(0);
        const carried = [socket, ...xff.split(',')].flatMap(spellingsOf);
        expect(spellingsOf(ip!), ip).not.to.be.empty;
        expect(carried, `${JSON.stringify(xff)} from ${socket}`).to.include(spellingsOf(ip!)[0]);
      }),
      runs(0x5eed_0401, 10_000),
    );
  });

  it('decide() never throws and records a valid lastIp, or none without a socket address (5 000 requests)', async () => {
    await fc.assert(
      fc.asyncProperty(addressList, forwarded, fc.option(socketAddress, { freq: 20 }), headerValue(40), async (xff, fwd, socket, realIp) => {
        const id = `ip-${account++}`;
        const request = requestLike({ 'x-forwarded-for': xff, forwarded: fwd, 'x-real-ip': realIp, 'x-forwarded-proto': 'https' }, { remoteAddress: socket ?? undefined });
        const decision = await guard.decide(request, { id });
        expect(decision.verdict.kind).to.equal('allow');
        const [device] = await guard.devices(id);
        if (socket === null) expect(device!.lastIp).to.equal(undefined);
        else expect(isIP(device!.lastIp ?? ''), String(device!.lastIp)).not.to.equal(0);
      }),
      runs(0x5eed_0402, 5_000),
    );
  });
});
