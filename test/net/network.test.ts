import { expect } from 'chai';
import { isNeighbour, networkOf } from '../../src/net/network.js';

describe('neighbouring networks (a home line its ISP renumbered)', () => {
  const neighbours = (a: string, b: string) => isNeighbour(networkOf(a)!, networkOf(b)!);

  it('takes two IPv4 networks of one /16 for neighbours, and of two /16s for strangers', () => {
    expect(neighbours('129.248.198.59', '129.248.96.178')).to.equal(true);
    expect(neighbours('129.248.198.59', '129.249.198.59')).to.equal(false);
    // Octets compared whole: 1.2.x is not 12.2.x, 1.23.x is not 1.2.x.
    expect(neighbours('1.2.3.4', '12.2.3.4')).to.equal(false);
    expect(neighbours('1.23.4.5', '1.2.34.5')).to.equal(false);
  });

  it('takes two IPv6 /56s of one /32 for neighbours, and of two /32s for strangers', () => {
    expect(neighbours('2404:fbab:341b:8000::1', '2404:fbab:341b:4500::1')).to.equal(true);
    expect(neighbours('2404:fbab:341b:8000::1', '2404:fbab:9c22:ca00::1')).to.equal(true);
    expect(neighbours('2404:fbab:341b:8000::1', '2404:fbac:341b:8000::1')).to.equal(false);
    // The written form drops leading zeros: 2404:fba:… is not 2404:fbab:….
    expect(neighbours('2404:fba::1', '2404:fbab::1')).to.equal(false);
  });

  it('never takes an IPv4 network and an IPv6 network for neighbours', () => {
    expect(neighbours('1.2.3.4', '::ffff:1.2.3.4')).to.equal(false);
    expect(neighbours('1.2.3.4', '2404:fbab:341b:8000::1')).to.equal(false);
  });
});
