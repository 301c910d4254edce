import { expect } from 'chai';
import { NetworkKnowledge } from '../../src/net/knowledge.js';
import { days, hours, minutes } from '../../src/time.js';

const T0 = Date.UTC(2026, 2, 2, 18);

describe('network knowledge learned from traffic', () => {
  it('takes an address used by three accounts within a day for a NAT', () => {
    const k = new NetworkKnowledge();
    expect(k.observe('a', '198.51.100.7', T0)).to.equal(false);
    expect(k.observe('b', '198.51.100.7', T0 + hours(3))).to.equal(false);
    expect(k.observe('c', '198.51.100.7', T0 + hours(20))).to.equal(true);
    expect(k.isShared('198.51.100.7')).to.equal(true);
    expect(k.isShared('198.51.100.8')).to.equal(false);
  });

  it('does not take a home address that changed hands days apart for a NAT', () => {
    const k = new NetworkKnowledge();
    for (const [i, account] of ['a', 'b', 'c'].entries()) expect(k.observe(account, '198.51.100.7', T0 + days(2 * i))).to.equal(false);
  });

  it('takes a /24 where two accounts each got three addresses within three days for a pool, for every account', () => {
    const k = new NetworkKnowledge();
    for (const [i, host] of [10, 11, 12].entries()) k.observe('a', `203.0.113.${host}`, T0 + hours(10 * i));
    expect(k.isShared('203.0.113.99')).to.equal(false);
    for (const [i, host] of [20, 21].entries()) k.observe('b', `203.0.113.${host}`, T0 + hours(10 * i));
    expect(k.observe('b', '203.0.113.22', T0 + hours(30))).to.equal(true);
    expect(k.isShared('203.0.113.200'), 'a third account, first time there').to.equal(true);
  });

  it('does not take daily lease changes of one /16 for a carrier pool', () => {
    const k = new NetworkKnowledge();
    for (const [host, account] of ['a', 'b', 'c'].entries()) {
      for (let day = 0; day < 5; day++) expect(k.observe(account, `192.0.${day * 7}.${host + 9}`, T0 + days(day))).to.equal(false);
    }
  });

  it('takes an IPv6 /32 where two accounts each went through three /56s within hours for a carrier pool', () => {
    const k = new NetworkKnowledge();
    for (const account of ['a', 'b']) {
      for (let i = 0; i < 3; i++) k.observe(account, `2001:db8:${(i + 1) * 17}:${i}00::1`, T0 + minutes(40 * i));
    }
    expect(k.isShared('2001:db8:ffff:ff00::5')).to.equal(true);
    expect(k.isShared('2001:db9::1')).to.equal(false);
  });

  it('does not take a home IPv6 prefix renewed daily for a pool', () => {
    const k = new NetworkKnowledge();
    for (const account of ['a', 'b', 'c']) {
      for (let day = 0; day < 5; day++) expect(k.observe(account, `2001:db8:${day + 1}:${account === 'a' ? 1 : 2}00::1`, T0 + days(day))).to.equal(false);
    }
  });

  it('stays within its capacity whatever the traffic', () => {
    const k = new NetworkKnowledge(64);
    for (let i = 0; i < 10_000; i++) k.observe(`acct-${i}`, `10.${i & 255}.${(i >> 8) & 255}.${i % 251}`, T0 + i * 1000);
    expect(k.size).to.be.at.most(5 * 64);
  });
});
