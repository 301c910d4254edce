import { expect } from 'chai';
import { createSharelock, hours, minutes, type Decision, type Identity, type Options } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';
import { lookup, nextAddress, PLACES } from '../support/places.js';

const IPHONE = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' };
const TV = { 'user-agent': 'Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) 94.0.4606.31/7.0 TV Safari/537.36' };
const MAC = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' };

function setup(options: Partial<Options<Identity | null>> = {}) {
  const clock = new FakeClock();
  const guard = createSharelock<Identity | null>({
    secret: 'a-test-secret-that-is-long-enough-0123456789',
    identify: (identity) => identity,
    limits: { devices: 5 },
    trustProxy: 'loopback',
    geo: { lookup },
    cache: { allowTtlMs: 0 },
    now: clock.now,
    logger: { warn: () => {}, error: () => {} },
    ...options,
  });
  return { guard, clock, device: (identity: Identity, headers: Record<string, string> = {}) => new CoreDevice(guard, identity, headers) };
}

/** Places as a city-only database gives them: latitude, longitude, radius and country, no operator. */
const CITY_ONLY = {
  atlantaHomeV4: { ip: '176.107.198.223', location: { lat: 33.75, lon: -84.39, accuracyKm: 50, country: 'US', city: 'Atlanta' } },
  /** The same home's IPv6, placed at its operator's hub (Ashburn, 850 km away) to a region. */
  atlantaHomeV6: { ip: '2601:cd9d:8a96:e000::5bfa', location: { lat: 39.04, lon: -77.49, accuracyKm: 200, country: 'US', city: 'Ashburn' } },
  atlantaOtherHomeV6: { ip: '2600:1700:4a20:7e00::9', location: { lat: 33.76, lon: -84.4, accuracyKm: 10, country: 'US', city: 'Atlanta' } },
  /** An Atlanta home's IPv6 placed confidently in another city of the country (Los Angeles, 3,100 km away). */
  atlantaHomeV6InLosAngeles: { ip: '2601:cd9d:8a96:e100::7', location: { lat: 34.05, lon: -118.24, accuracyKm: 20, country: 'US', city: 'Los Angeles' } },
  torontoHomeV6: { ip: '2607:fea8:1c40:9a00::3', location: { lat: 43.65, lon: -79.38, accuracyKm: 20, country: 'CA', city: 'Toronto' } },
};
/** A carrier's IPv4 pool, a different network each day, placed in the country as a whole. */
const CARRIER_V4 = '172.58.1';
/** A home line that reconnects every day to an address in another /24, placed in the country as a whole. */
const DAILY_LINE_V4 = '73.20.1';
const cityOnly = (ip: string) =>
  ip.startsWith(CARRIER_V4) || ip.startsWith(DAILY_LINE_V4) ? { lat: 37.75, lon: -97.82, accuracyKm: 1000, country: 'US' } : Object.values(CITY_ONLY).find((p) => p.ip === ip)?.location;

const kind = (d: Decision) => d.verdict.kind;
const checks = (d: Decision) => d.verdict.reasons.filter((r) => !r.monitor).map((r) => r.check);
const carol: Identity = { id: 'carol', email: 'carol@example.com' };
/** Judge one hop on its own (`travel.minPlaceDays: 0`), as the tests of travel geometry need; the default asks for two days at each end. */
const ONE_HOP = { signals: { travel: { minPlaceDays: 0 } } } as const;

/**
 * Evenings at two homes: each day the owner's devices, then `gapMs` later a friend's device at
 * another home. Returns the friend's verdict of each day; the owner is never challenged.
 */
async function eveningsAlongside(clock: FakeClock, owner: CoreDevice[], friend: CoreDevice, days: number, gapMs = minutes(2)): Promise<string[]> {
  const verdicts: string[] = [];
  for (let day = 0; day < days; day++) {
    for (const d of owner) expect(kind(await d.open()), `owner, day ${day}`).to.equal('allow');
    clock.advance(gapMs);
    verdicts.push(kind(await friend.open()));
    clock.advance(hours(24));
  }
  return verdicts;
}

describe('sharing signals, end to end through decide()', () => {
  it("does not challenge one hop to New York, but challenges carol's desktop there once both homes have been in use on two days", async () => {
    const { device, clock } = setup();
    const paris = device(carol).at(PLACES.parisHome.ip);
    const newYorker = device(carol).at(PLACES.newYork.ip);
    expect(kind(await paris.open())).to.equal('allow');
    clock.advance(minutes(1));
    expect(kind(await newYorker.open()), 'one hop: a misplaced network as likely as a second person').to.equal('allow');
    clock.advance(hours(24));
    expect(kind(await paris.open())).to.equal('allow');
    clock.advance(minutes(1));
    const again = await newYorker.open();
    expect(again.verdict).to.deep.include({ kind: 'challenge' });
    expect(checks(again)).to.include('impossible_travel');
  });

  it("challenges carol's second desktop in New York a minute after her first in Paris when one hop is enough (travel.minPlaceDays: 0)", async () => {
    const { device, clock } = setup(ONE_HOP);
    expect(kind(await device(carol).at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(minutes(1));
    const newYork = await device(carol).at(PLACES.newYork.ip).open();
    expect(newYork.verdict).to.deep.include({ kind: 'challenge' });
    expect(newYork.verdict.kind === 'challenge' && newYork.verdict.challenge.kind).to.equal('verify');
    expect(checks(newYork)).to.include('impossible_travel');
    expect(newYork.verdict.reasons.find((r) => r.check === 'impossible_travel')).to.include({ policy: 'impossible_travel', threshold: 1000 });
  });

  it("lets alice's two desktops behind one Paris IP be used at once", async () => {
    const { device, clock } = setup();
    const one = device({ id: 'alice' }).at(PLACES.parisHome.ip);
    const two = device({ id: 'alice' }).at(PLACES.parisHome.ip);
    for (let i = 0; i < 20; i++) {
      expect(kind(await one.open())).to.equal('allow');
      expect(kind(await two.open())).to.equal('allow');
      clock.advance(minutes(i % 5 === 4 ? 600 : 2));
    }
  });

  it('lets a laptop and a phone be used together at home, on IPv4 and IPv6', async () => {
    const { device, clock } = setup();
    const laptop = device({ id: 'al' }).at(PLACES.parisHome.ip);
    const phone = device({ id: 'al' }, IPHONE).at(PLACES.parisHome.ip);
    for (let day = 0; day < 5; day++) {
      expect(kind(await laptop.open())).to.equal('allow');
      expect(kind(await phone.open())).to.equal('allow');
      clock.advance(minutes(3));
      // The phone prefers IPv6 once the home's prefix is up; the laptop stays on IPv4.
      expect(kind(await phone.at(PLACES.parisHomeV6a.ip).open())).to.equal('allow');
      expect(kind(await laptop.open())).to.equal('allow');
      clock.advance(hours(24));
    }
  });

  it('treats a dual-stack home whose devices each show another IPv6 address as one place', async () => {
    const { device, clock } = setup();
    const mac = device({ id: 'dual' }, MAC).at(PLACES.parisHomeV6a.ip);
    const pc = device({ id: 'dual' }).at(PLACES.parisHomeV6b.ip);
    for (let day = 0; day < 4; day++) {
      expect(kind(await mac.open())).to.equal('allow');
      clock.advance(minutes(1));
      mac.at(PLACES.parisHome.ip); // falls back to IPv4 for a while
      expect(kind(await mac.open())).to.equal('allow');
      expect(kind(await pc.open())).to.equal('allow');
      mac.at(PLACES.parisHomeV6a.ip);
      clock.advance(hours(24));
    }
  });

  it("counts a TV on the home's IPv4 only and a phone on its IPv6 only as one person, though the database places them 360 km apart", async () => {
    const { device, clock } = setup();
    const tv = device({ id: 'rio' }, TV).at(PLACES.rioHomeV4.ip);
    const phone = device({ id: 'rio' }, IPHONE).at(PLACES.rioHomeV6.ip);
    for (let day = 0; day < 5; day++) {
      expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
      expect(kind(await phone.open()), `phone, day ${day}`).to.equal('allow');
      clock.advance(hours(24));
    }
  });

  it("still counts a second home of another operator, on IPv6, in use alongside an IPv4-only home", async () => {
    const { device, clock } = setup();
    const tv = device({ id: 'rio2' }, TV).at(PLACES.rioHomeV4.ip);
    const friend = device({ id: 'rio2' }, IPHONE).at(PLACES.rioOtherHomeV6.ip);
    const verdicts: string[] = [];
    // Evenings, 21:00 in Rio: a phone alone somewhere at 09:00 on weekdays may be at the office.
    clock.advance(hours(12));
    for (let day = 0; day < 5; day++) {
      expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
      verdicts.push(kind(await friend.open()));
      clock.advance(hours(24));
    }
    expect(verdicts).to.include('challenge');
  });

  it("counts a TV on the home's IPv4 and a laptop on its IPv6 as one person when the database places the IPv6 at the operator's hub, 850 km away", async () => {
    const { device, clock } = setup();
    const tv = device({ id: 'atlanta' }, TV).at(PLACES.atlantaHomeV4.ip);
    const laptop = device({ id: 'atlanta' }).at(PLACES.atlantaHomeV6.ip);
    const desktop = device({ id: 'atlanta' }, MAC).at(PLACES.atlantaHomeV4.ip);
    for (let day = 0; day < 5; day++) {
      expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
      expect(kind(await laptop.open()), `laptop, day ${day}`).to.equal('allow');
      // Two computers at once, one on each family: not two households in use at the same time.
      const both = await desktop.open();
      expect(kind(both), `desktop, day ${day}`).to.equal('allow');
      expect(both.verdict.reasons.map((r) => r.check), 'not even recorded as concurrent').not.to.include('concurrent_sessions');
      clock.advance(hours(24));
    }
  });

  it("keeps pairing a home's IPv4 TV with its IPv6 when the phone also uses the operator's mobile network", async () => {
    const { device, clock } = setup();
    const tv = device({ id: 'phone-on-carrier' }, TV).at(PLACES.rioHomeV4.ip);
    const phone = device({ id: 'phone-on-carrier' }, IPHONE);
    for (let day = 0; day < 5; day++) {
      expect(kind(await phone.at(PLACES.rioHomeV6.ip).open()), `phone at home, day ${day}`).to.equal('allow');
      expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
      clock.advance(hours(2));
      // An IPv4 network of the same operator, country-level: the phone on the way to work, not the home's IPv4.
      expect(kind(await phone.at(PLACES.rioOperatorCarrier.ip).open()), `phone out, day ${day}`).to.equal('allow');
      clock.advance(hours(22));
    }
  });

  for (const [where, v6] of [
    ['in a region 850 km away', CITY_ONLY.atlantaHomeV6],
    ['precisely in another city of the country, 3,100 km away', CITY_ONLY.atlantaHomeV6InLosAngeles],
  ] as const) {
    it(`counts a TV on the home's IPv4 and a laptop on its IPv6 as one person when a city-only database places the IPv6 ${where}`, async () => {
      const { device, clock } = setup({ geo: { lookup: cityOnly } });
      const tv = device({ id: 'atlanta-city-only' }, TV).at(CITY_ONLY.atlantaHomeV4.ip);
      const laptop = device({ id: 'atlanta-city-only' }).at(v6.ip);
      for (let day = 0; day < 5; day++) {
        expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
        clock.advance(minutes(2));
        // Neither a second household nor a journey of hundreds of kilometres in two minutes.
        expect(kind(await laptop.open()), `laptop, day ${day}`).to.equal('allow');
        clock.advance(hours(24));
      }
    });
  }

  it('still counts, through a city-only database, a second home on IPv6 in another country in use alongside an IPv4-only home', async () => {
    const { device, clock } = setup({ geo: { lookup: cityOnly } });
    const tv = device({ id: 'atlanta-toronto' }, TV).at(CITY_ONLY.atlantaHomeV4.ip);
    const friend = device({ id: 'atlanta-toronto' }).at(CITY_ONLY.torontoHomeV6.ip);
    const verdicts: string[] = [];
    for (let day = 0; day < 5; day++) {
      expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
      clock.advance(minutes(2));
      verdicts.push(kind(await friend.open()));
      clock.advance(hours(24));
    }
    expect(verdicts).to.include('challenge');
  });

  it("counts a TV on the home's IPv4 and a phone on its IPv6 as one person though the phone leaves each morning on its carrier's unflagged IPv4", async () => {
    const { device, clock } = setup({ geo: { lookup: cityOnly } });
    const tv = device({ id: 'atlanta-commuter' }, TV).at(CITY_ONLY.atlantaHomeV4.ip);
    const phone = device({ id: 'atlanta-commuter' }, IPHONE).at(CITY_ONLY.atlantaHomeV6.ip);
    for (let day = 0; day < 7; day++) {
      expect(kind(await phone.at(CITY_ONLY.atlantaHomeV6.ip).open()), `phone at home, day ${day}`).to.equal('allow');
      clock.advance(minutes(4));
      // Out of the door: a city-only database cannot say this IPv4 network is a carrier's.
      expect(kind(await phone.at(`${CARRIER_V4}${day}.17`).open()), `phone out, day ${day}`).to.equal('allow');
      clock.advance(hours(12));
      expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
      clock.advance(minutes(1));
      expect(kind(await phone.at(CITY_ONLY.atlantaHomeV6.ip).open()), `phone back home, day ${day}`).to.equal('allow');
      clock.advance(hours(12) - minutes(5));
    }
  });

  it("counts a phone seen only on its carrier's unflagged networks, another each day, as no household beside the home's TV", async () => {
    const { device, clock } = setup({ geo: { lookup: cityOnly } });
    const tv = device({ id: 'atlanta-phone-out' }, TV).at(CITY_ONLY.atlantaHomeV4.ip);
    const phone = device({ id: 'atlanta-phone-out' }, IPHONE);
    for (let day = 0; day < 6; day++) {
      expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
      clock.advance(minutes(2));
      // Out all evening: each day one address of another /24, which a city-only database cannot tell from a home.
      expect(kind(await phone.at(`${CARRIER_V4}${day}.17`).open()), `phone, day ${day}`).to.equal('allow');
      clock.advance(hours(24));
    }
  });

  it("takes a phone going back and forth between a home's IPv4 and its IPv6, placed 850 km apart, for one place, not a copied cookie", async () => {
    const { device, clock } = setup({ geo: { lookup: cityOnly } });
    const phone = device({ id: 'atlanta-happy-eyeballs' }, IPHONE);
    for (let day = 0; day < 4; day++) {
      for (const [i, ip] of [CITY_ONLY.atlantaHomeV6.ip, CITY_ONLY.atlantaHomeV4.ip, CITY_ONLY.atlantaHomeV6.ip, CITY_ONLY.atlantaHomeV4.ip, CITY_ONLY.atlantaHomeV6.ip].entries()) {
        expect(kind(await phone.at(ip).open()), `day ${day}, hop ${i}`).to.equal('allow');
        clock.advance(minutes(i % 2 === 0 ? 12 : 2));
      }
      clock.advance(hours(23));
    }
  });

  it("counts a TV on a home line that takes another IPv4 network every day and a phone on the home's IPv6 as one person", async () => {
    const { device, clock } = setup({ geo: { lookup: cityOnly } });
    const tv = device({ id: 'atlanta-reconnects' }, TV);
    const phone = device({ id: 'atlanta-reconnects' }, IPHONE).at(CITY_ONLY.atlantaHomeV6.ip);
    for (let day = 0; day < 7; day++) {
      // A daily reconnect: a new address in another /24, which the database places in the country only.
      expect(kind(await tv.at(`${DAILY_LINE_V4}${day}.9`).open()), `TV, day ${day}`).to.equal('allow');
      clock.advance(minutes(2));
      expect(kind(await phone.open()), `phone, day ${day}`).to.equal('allow');
      clock.advance(hours(24));
    }
  });

  it("counts a home line its ISP renumbered as the same home though every cookie was cleared on the new line, and a neighbour on that ISP as a second household", async () => {
    const { device, clock } = setup({ geo: { lookup: cityOnly } });
    const phones = new Map<string, CoreDevice>();
    // The friend's browser is the owner's make: a Mac's Safari of the same version, keeping its cookies.
    const friendMac = device({ id: 'neighbour-line' }, MAC);
    const day = async (id: string, homeIp: string, n: number, friendIp?: string, phoneHomeDays = 3) => {
      if (!phones.has(id)) phones.set(id, device({ id }, IPHONE));
      const phone = phones.get(id)!;
      // A Mac browsing privately (a new cookie jar each session); the phone at home the first days, then out on its carrier's unflagged IPv4.
      const verdicts = [kind(await device({ id }, MAC).at(homeIp).open()), kind(await phone.at(n < phoneHomeDays ? homeIp : `${CARRIER_V4}${n}.17`).open())];
      clock.advance(hours(2));
      const friend = friendIp === undefined ? undefined : kind(await friendMac.at(friendIp).open());
      clock.advance(hours(22));
      return { owner: verdicts, friend };
    };
    for (let n = 0; n < 3; n++) expect((await day('renumbered-line', '73.20.10.9', n)).owner, `day ${n}, the old line`).to.deep.equal(['allow', 'allow']);
    // The ISP moved the line to another /24 of its /16; nothing of the old line is used again.
    for (let n = 3; n < 8; n++) expect((await day('renumbered-line', '73.20.77.9', n)).owner, `day ${n}, the renumbered line`).to.deep.equal(['allow', 'allow']);

    // Renumbered twice; on the middle line the address changed within its /24, so that line is no one-address home.
    const lines = ['73.20.10.9', '73.20.10.9', '73.20.10.9', '73.20.60.9', '73.20.60.44', '73.20.77.9', '73.20.77.9', '73.20.77.9', '73.20.77.9', '73.20.77.9'];
    for (const [n, ip] of lines.entries()) expect((await day('renumbered-twice', ip, n, undefined, 5)).owner, `day ${n}, ${ip}`).to.deep.equal(['allow', 'allow']);

    // The same, but the owner stays on 73.20.10.9 and a friend on the same ISP watches at 73.20.77.9.
    const friend: Array<string | undefined> = [];
    for (let n = 0; n < 6; n++) friend.push((await day('neighbour-line', '73.20.10.9', n, n >= 1 ? '73.20.77.9' : undefined)).friend);
    expect(friend).to.include('challenge');
  });

  it("counts a dual-stack home as one person though its IPv4 address changed within its block, then moved to another block, where only the TV goes", async () => {
    const { device, clock } = setup({ geo: { lookup: cityOnly } });
    const laptop = device({ id: 'atlanta-renumbered' }, MAC);
    const tv = device({ id: 'atlanta-renumbered' }, TV);
    const tvAddresses = [CITY_ONLY.atlantaHomeV4.ip, CITY_ONLY.atlantaHomeV4.ip, nextAddress(CITY_ONLY.atlantaHomeV4.ip, 10), `${DAILY_LINE_V4}9.9`, `${DAILY_LINE_V4}9.9`, `${DAILY_LINE_V4}9.9`, `${DAILY_LINE_V4}9.9`];
    for (const [day, tvAt] of tvAddresses.entries()) {
      // The laptop goes to the office by day (a place of the household with one address), home in the evening.
      expect(kind(await laptop.at(`${CARRIER_V4}200.5`).open()), `laptop at the office, day ${day}`).to.equal('allow');
      clock.advance(hours(6));
      expect(kind(await laptop.at(CITY_ONLY.atlantaHomeV6.ip).open()), `laptop, day ${day}`).to.equal('allow');
      clock.advance(minutes(2));
      // The first evening the laptop falls back to the home's IPv4 once: one dual-stack place.
      if (day === 0) expect(kind(await laptop.at(CITY_ONLY.atlantaHomeV4.ip).open()), 'laptop on IPv4').to.equal('allow');
      clock.advance(minutes(2));
      expect(kind(await tv.at(tvAt).open()), `TV on ${tvAt}, day ${day}`).to.equal('allow');
      clock.advance(hours(18) - minutes(4));
    }
  });

  it("counts a household across town as a second household though its ISP gave it an address in the block the owner's home had before", async () => {
    const { device, clock } = setup();
    const owner = [device({ id: 'same-isp' }, TV), device({ id: 'same-isp' }, IPHONE)];
    const friend = device({ id: 'same-isp' }, MAC);
    const verdicts: string[] = [];
    for (let day = 0; day < 7; day++) {
      // Renumbered after the first day: the owner's old block goes to other customers of the ISP.
      const home = day === 0 ? PLACES.parisHome.ip : PLACES.parisNeighbour.ip;
      for (const d of owner) expect(kind(await d.at(home).open()), `owner, day ${day}`).to.equal('allow');
      clock.advance(hours(3));
      // From the second day a friend: on that day their line had an address in the owner's old block, since then one of its own.
      if (day > 0) verdicts.push(kind(await friend.at(day === 1 ? nextAddress(PLACES.parisHome.ip, 77) : PLACES.franceCoarse.ip).open()));
      clock.advance(hours(21));
    }
    expect(verdicts).to.include('challenge');
  });

  it('counts an IPv4-only home where a phone is used as a home of its own, not the IPv4 half of a household on IPv6 in the same city', async () => {
    const { device, clock } = setup({ geo: { lookup: cityOnly } });
    const phone = device({ id: 'atlanta-v4-home' }, IPHONE).at(CITY_ONLY.atlantaHomeV4.ip);
    const tv = device({ id: 'atlanta-v4-home' }, TV).at(CITY_ONLY.atlantaHomeV4.ip);
    const friend = device({ id: 'atlanta-v4-home' }).at(CITY_ONLY.atlantaOtherHomeV6.ip);
    const verdicts: string[] = [];
    for (let day = 0; day < 5; day++) {
      expect(kind(await phone.open()), `phone, day ${day}`).to.equal('allow');
      expect(kind(await tv.open()), `TV, day ${day}`).to.equal('allow');
      clock.advance(minutes(2));
      verdicts.push(kind(await friend.open()));
      clock.advance(hours(24));
    }
    expect(verdicts).to.include('challenge');
  });

  it('lets a family plan be used from two cities at once, where a one-person plan is challenged', async () => {
    const { device, clock } = setup(ONE_HOP);
    const family: Identity = { id: 'family', limits: { devices: 10, people: 4 } };
    expect(kind(await device(family).at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(minutes(1));
    const daughter = await device(family, MAC).at(PLACES.newYork.ip).open();
    expect(kind(daughter), 'a family member in New York').to.equal('allow');
    expect(daughter.verdict.reasons.map((r) => r.check)).not.to.include('impossible_travel');

    expect(kind(await device(carol).at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(minutes(1));
    expect(checks(await device(carol, MAC).at(PLACES.newYork.ip).open()), 'carol, on a one-person plan').to.include('impossible_travel');
  });

  it('lets a household of four devices behind one IP watch at once', async () => {
    const { device, clock } = setup();
    const family = [device({ id: 'fam' }), device({ id: 'fam' }, MAC), device({ id: 'fam' }, IPHONE), device({ id: 'fam' }, IPHONE)];
    for (let day = 0; day < 5; day++) {
      for (const d of family) expect(kind(await d.at(PLACES.parisHome.ip).open())).to.equal('allow');
      clock.advance(hours(24));
    }
  });

  it("lets a commuter's phone switch from Wi-Fi to mobile data", async () => {
    const { device, clock } = setup();
    const phone = device({ id: 'commuter' }, IPHONE);
    const laptop = device({ id: 'commuter' }).at(PLACES.parisHome.ip);
    for (let day = 0; day < 5; day++) {
      expect(kind(await laptop.open())).to.equal('allow');
      expect(kind(await phone.at(PLACES.parisHome.ip).open())).to.equal('allow');
      clock.advance(minutes(10));
      expect(kind(await phone.at(PLACES.parisCarrier.ip).open())).to.equal('allow');
      clock.advance(hours(24));
    }
  });

  it('counts a country-level location by its certain distance: India against Paris fires, France against Paris does not', async () => {
    const { device, clock } = setup(ONE_HOP);
    expect(kind(await device(carol).at(PLACES.indiaCoarse.ip).open())).to.equal('allow');
    clock.advance(minutes(30));
    expect(checks(await device(carol).at(PLACES.parisHome.ip).open())).to.include('impossible_travel');

    const { device: other, clock: otherClock } = setup();
    const dana = { id: 'dana' };
    expect(kind(await other(dana).at(PLACES.franceCoarse.ip).open())).to.equal('allow');
    otherClock.advance(minutes(1));
    expect(kind(await other(dana).at(PLACES.parisHome.ip).open())).to.equal('allow');
  });

  it('counts a country-level location as "somewhere in this country": no travel within the country, travel abroad', async () => {
    const { device, clock } = setup(ONE_HOP);
    const phone = device({ id: 'us' }, IPHONE).at(PLACES.usCountryLevel.ip);
    expect(kind(await phone.open())).to.equal('allow');
    clock.advance(minutes(1));
    expect(kind(await device({ id: 'us' }).at(PLACES.losAngeles.ip).open()), 'Los Angeles, 2,000 km from the centre of the US').to.equal('allow');
    clock.advance(minutes(1));
    expect(checks(await device({ id: 'us' }, MAC).at(PLACES.parisHome.ip).open()), 'Paris').to.include('impossible_travel');
  });

  it('with travel.minPlaceDays, waits until both places have been in use on that many days', async () => {
    const { device, clock } = setup({ signals: { travel: { minPlaceDays: 2 } } });
    const paris = device(carol).at(PLACES.parisHome.ip);
    const newYork = device(carol, MAC).at(PLACES.newYork.ip);
    expect(kind(await paris.open())).to.equal('allow');
    clock.advance(minutes(1));
    expect(kind(await newYork.open()), 'one access from a new place is not travel yet').to.equal('allow');
    clock.advance(hours(24));
    expect(kind(await paris.open())).to.equal('allow');
    clock.advance(minutes(1));
    expect(checks(await newYork.open()), 'both places in use on a second day').to.include('impossible_travel');
  });

  it('lets a traveller fly from Paris to New York (8 h)', async () => {
    const { device, clock } = setup();
    const laptop = device({ id: 'flyer' }).at(PLACES.parisHome.ip);
    const phone = device({ id: 'flyer' }, IPHONE).at(PLACES.parisHome.ip);
    expect(kind(await laptop.open())).to.equal('allow');
    expect(kind(await phone.open())).to.equal('allow');
    clock.advance(hours(8));
    expect(kind(await phone.at(PLACES.newYork.ip).open())).to.equal('allow');
    expect(kind(await laptop.at(PLACES.newYork.ip).open())).to.equal('allow');
  });

  it('ignores a VPN hop', async () => {
    const { device, clock } = setup();
    const laptop = device({ id: 'vpn' }).at(PLACES.parisHome.ip);
    const phone = device({ id: 'vpn' }, IPHONE).at(PLACES.parisHome.ip);
    expect(kind(await laptop.open())).to.equal('allow');
    expect(kind(await phone.open())).to.equal('allow');
    clock.advance(minutes(5));
    expect(kind(await laptop.at(PLACES.vpnUs.ip).open())).to.equal('allow');
    expect(kind(await phone.open())).to.equal('allow');
  });

  it('counts an unflagged VPN exit that gives each session another address as no place: a laptop always on it and a phone at home are one person', async () => {
    const { device, clock } = setup();
    const laptop = device({ id: 'vpn-always' });
    const phone = device({ id: 'vpn-always' }, IPHONE).at(PLACES.dallasHomeV6.ip);
    for (let day = 0; day < 6; day++) {
      expect(kind(await laptop.at(nextAddress(PLACES.dallasVpnUnflagged.ip, 10 + day)).open()), `laptop, day ${day}`).to.equal('allow');
      clock.advance(minutes(2));
      expect(kind(await phone.open()), `phone, day ${day}`).to.equal('allow');
      expect(kind(await laptop.open()), `laptop again, day ${day}`).to.equal('allow');
      clock.advance(hours(24));
    }
  });

  it("counts a company proxy rotating its addresses as no place: no travel between it and an employee's home", async () => {
    const { device, clock } = setup();
    const laptop = device({ id: 'employee' });
    for (const host of [241, 92, 191]) {
      expect(kind(await laptop.at(nextAddress(PLACES.mumbaiProxy.ip, host)).open())).to.equal('allow');
      clock.advance(minutes(40));
    }
    expect(kind(await device({ id: 'employee' }, IPHONE).at(PLACES.seoulHome.ip).open()), 'Seoul, 40 min after the Mumbai proxy').to.equal('allow');
  });

  it('still sees travel from a network with one address (a home) far from another', async () => {
    const { device, clock } = setup(ONE_HOP);
    const laptop = device({ id: 'employee' }).at(PLACES.mumbaiProxy.ip);
    for (let i = 0; i < 3; i++) {
      expect(kind(await laptop.open())).to.equal('allow');
      clock.advance(minutes(40));
    }
    expect(checks(await device({ id: 'employee' }, IPHONE).at(PLACES.seoulHome.ip).open())).to.include('impossible_travel');
  });

  it('challenges a second household in the same city once it is in use alongside the first, never the owner', async () => {
    const { device, clock } = setup();
    const owner = [device({ id: 'shared' }).at(PLACES.parisHome.ip), device({ id: 'shared' }, IPHONE).at(PLACES.parisHome.ip)];
    const friend = device({ id: 'shared' }, MAC).at(PLACES.parisNeighbour.ip);
    const friendVerdicts = await eveningsAlongside(clock, owner, friend, 4);
    expect(friendVerdicts[0], 'one evening elsewhere is not a second person').to.equal('allow');
    expect(friendVerdicts.slice(1)).to.include('challenge');
  });

  it("counts a second home in use on the evenings the owner's home is, within people.overlapWindowMs of it or not", async () => {
    const friendVerdicts = async (options: Partial<Options<Identity | null>>) => {
      const { device, clock } = setup(options);
      const owner = device({ id: 'evening' }).at(PLACES.parisHome.ip);
      const friend = device({ id: 'evening' }, MAC).at(PLACES.parisNeighbour.ip);
      return eveningsAlongside(clock, [owner], friend, 5, minutes(8));
    };
    expect(await friendVerdicts({})).to.include('challenge');
    // Never at the same minute, but on 3 days (people.minDays) when the owner's home was in use too.
    expect(await friendVerdicts({ signals: { people: { overlapWindowMs: minutes(5) } } }), 'with a 5-minute window').to.include('challenge');
  });

  it("counts a commuter's office, where the phone is seen day after day before it is ever seen at home, as no second household; a phone at another home in the evenings is one", async () => {
    const weekdays = async (id: string, phoneAt: number) => {
      // The clock starts on a Monday at noon, Paris time (UTC+0 as the account's longitude gives it).
      const { device, clock } = setup();
      const tv = device({ id }, TV).at(PLACES.parisHome.ip);
      const phone = device({ id }, IPHONE).at(PLACES.parisNeighbour.ip);
      const verdicts: string[] = [];
      clock.advance(hours(phoneAt - 12));
      for (let day = 0; day < 4; day++) {
        verdicts.push(kind(await phone.open()));
        clock.advance(hours(3));
        verdicts.push(kind(await phone.open()));
        clock.advance(hours(20 - phoneAt - 3));
        verdicts.push(kind(await tv.open()));
        clock.advance(hours(4 + phoneAt));
      }
      return verdicts;
    };
    expect(await weekdays('commuter', 9), 'the phone at the office, 09:00–12:00, Monday to Thursday').to.not.include('challenge');
    expect(await weekdays('evenings', 17), 'the phone at another home, 17:00–20:00').to.include('challenge');
  });

  it('challenges a friend who watches at weekends only, at other hours than the owner, on the third day', async () => {
    const { device, clock } = setup();
    const owner = device({ id: 'weekend' }).at(PLACES.parisHome.ip);
    const friend = device({ id: 'weekend' }, MAC).at(PLACES.parisNeighbour.ip);
    const verdicts: string[] = [];
    for (let day = 0; day < 3; day++) {
      expect(kind(await owner.open()), `owner, day ${day}`).to.equal('allow');
      clock.advance(hours(5));
      verdicts.push(kind(await friend.open()));
      clock.advance(hours(19));
    }
    expect(verdicts.slice(0, 2), 'two days are not yet a household').to.deep.equal(['allow', 'allow']);
    expect(verdicts[2]).to.equal('challenge');
  });

  it('challenges a weekend friend on the Sunday when the owner watched on weekdays only, up to the Friday', async () => {
    const { device, clock } = setup();
    const owner = device({ id: 'weekdays-owner' }).at(PLACES.parisHome.ip);
    const friend = device({ id: 'weekdays-owner' }, MAC).at(PLACES.parisNeighbour.ip);
    const verdicts: string[] = [];
    for (let day = 0; day < 7; day++) {
      // Monday to Friday the owner, at noon; Friday to Sunday the friend, in the evening.
      if (day <= 4) expect(kind(await owner.open()), `owner, day ${day}`).to.equal('allow');
      clock.advance(hours(8));
      if (day >= 4) verdicts.push(kind(await friend.open()));
      clock.advance(hours(16));
    }
    expect(verdicts).to.deep.equal(['allow', 'allow', 'challenge']);
  });

  it('still challenges that second household when the owner once used an IPv6 network the database does not know', async () => {
    const { device, clock } = setup();
    const owner = [device({ id: 'shared-v6' }).at(PLACES.parisHome.ip), device({ id: 'shared-v6' }, IPHONE).at(PLACES.parisHome.ip)];
    // One evening on an unknown IPv6 network (a carrier's the database neither places nor flags): no home of the owner's to pair with.
    expect(kind(await owner[1]!.at('2a02:8400:1:2::9').open())).to.equal('allow');
    owner[1]!.at(PLACES.parisHome.ip);
    const friend = device({ id: 'shared-v6' }, MAC).at(PLACES.parisNeighbour.ip);
    const friendVerdicts = await eveningsAlongside(clock, owner, friend, 4);
    expect(friendVerdicts.slice(1)).to.include('challenge');
  });

  it('challenges a device cookie copied to a browser on another continent once both are in use', async () => {
    const { device, clock } = setup(ONE_HOP);
    const original = device({ id: 'cloned' }).at(PLACES.parisHome.ip);
    expect(kind(await original.open())).to.equal('allow');
    clock.advance(minutes(2));
    const copy = original.clone().at(PLACES.newYork.ip);
    expect(kind(await copy.open()), 'one jump could be a misplaced network').to.equal('allow');
    clock.advance(minutes(2));
    expect(kind(await original.open()), 'and one jump back: a carrier network misplaced for a few minutes').to.equal('allow');
    clock.advance(minutes(2));
    const decision = await copy.open();
    expect(kind(decision)).to.equal('challenge');
    expect(checks(decision)).to.include('cloned_device');
  });

  it('challenges a copied device cookie going back and forth between two homes in use the day before', async () => {
    const { device, clock } = setup();
    const original = device({ id: 'cloned2' }).at(PLACES.parisHome.ip);
    expect(kind(await original.open())).to.equal('allow');
    clock.advance(minutes(2));
    expect(kind(await original.at(PLACES.newYork.ip).open()), 'one jump').to.equal('allow');
    clock.advance(hours(24));
    expect(kind(await original.at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(minutes(2));
    const copy = original.clone().at(PLACES.newYork.ip);
    expect(kind(await copy.open())).to.equal('allow');
    clock.advance(minutes(2));
    expect(kind(await original.open())).to.equal('allow');
    clock.advance(minutes(2));
    const decision = await copy.open();
    expect(checks(decision)).to.include('cloned_device');
  });

  it('lets one phone hop between three distant places within two hours (corporate proxy, misplaced carrier, home): no copy goes back and forth', async () => {
    const { device, clock } = setup();
    const phone = device({ id: 'hopper' }, IPHONE);
    for (const place of [PLACES.dallasOffice, PLACES.montrealUnflaggedCarrier, PLACES.vancouverHome]) {
      expect(kind(await phone.at(place.ip).open()), place.location.city).to.equal('allow');
      clock.advance(minutes(45));
    }
  });

  it('lets a browser whose cookies were cleared take its old slot, and gives a sharer doing it none', async () => {
    const { guard, device, clock } = setup({ limits: { devices: 2 } });
    const phone = device({ id: 'clearer' }, IPHONE).at(PLACES.parisHome.ip);
    expect(kind(await phone.open())).to.equal('allow');
    for (let day = 0; day < 4; day++) {
      // Private browsing: a new cookie jar every evening, same browser, same home.
      expect(kind(await device({ id: 'clearer' }).at(PLACES.parisHome.ip).open()), `day ${day}`).to.equal('allow');
      clock.advance(hours(24));
    }
    expect((await guard.devices('clearer')).filter((d) => d.status === 'attached')).to.have.length(2);
    const friend = device({ id: 'clearer' }).at(PLACES.parisNeighbour.ip);
    expect(kind(await friend.open()), 'another network: no slot to take').to.equal('challenge');
  });

  it('lets a browser whose cookies were cleared take its old slot when it first shows on the home line its ISP renumbered', async () => {
    const { guard, device, clock } = setup({ limits: { devices: 2 } });
    expect(kind(await device({ id: 'renumbered' }, IPHONE).at(PLACES.parisHome.ip).open())).to.equal('allow');
    expect(kind(await device({ id: 'renumbered' }).at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(hours(24));
    // The same ISP's block (81.2.0.0/16), another /24: the new cookie is the first to show there.
    expect(kind(await device({ id: 'renumbered' }).at('81.2.203.18').open()), 'renumbered, cookies cleared').to.equal('allow');
    expect((await guard.devices('renumbered')).filter((d) => d.status === 'attached')).to.have.length(2);
    clock.advance(hours(24));
    expect(kind(await device({ id: 'renumbered' }).at(PLACES.parisNeighbour.ip).open()), "another ISP's network: no slot to take").to.equal('challenge');
  });

  it('lets a browser whose cookies were cleared take its old slot on the renumbered home line, though a new device showed there first', async () => {
    const { guard, device, clock } = setup({ limits: { devices: 3 } });
    const mac = device({ id: 'renumbered-shown' }, MAC);
    expect(kind(await mac.at(PLACES.parisHome.ip).open())).to.equal('allow');
    expect(kind(await device({ id: 'renumbered-shown' }, TV).at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(minutes(2));
    // Last seen on the home's IPv6: its IPv4, where it was before, is what the renumbered line is next to.
    expect(kind(await mac.at(PLACES.parisHomeV6a.ip).open())).to.equal('allow');
    clock.advance(hours(24));
    // The line renumbered (81.2.0.0/16): a new phone is the first to show there, a household of its own so far.
    expect(kind(await device({ id: 'renumbered-shown' }, IPHONE).at('81.2.203.18').open()), 'a new phone').to.equal('allow');
    clock.advance(minutes(5));
    expect(kind(await device({ id: 'renumbered-shown' }, MAC).at('81.2.203.18').open()), 'the Mac, cookies cleared').to.equal('allow');
    expect((await guard.devices('renumbered-shown')).filter((d) => d.status === 'attached')).to.have.length(3);
  });

  it("lets a browser whose cookies were cleared take its old slot when its home's IPv6 prefix was renumbered into another /48 of the ISP's /32", async () => {
    const { guard, device, clock } = setup({ limits: { devices: 2 } });
    expect(kind(await device({ id: 'renumbered-v6' }, IPHONE).at(PLACES.parisHomeV6a.ip).open())).to.equal('allow');
    expect(kind(await device({ id: 'renumbered-v6' }, MAC).at(PLACES.parisHomeV6a.ip).open())).to.equal('allow');
    clock.advance(hours(24));
    // 2a01:cb00:1234:… → 2a01:cb00:9c22:…: the same ISP's /32, a prefix the new cookie is the first to show.
    expect(kind(await device({ id: 'renumbered-v6' }, MAC).at('2a01:cb00:9c22:ca00::5').open()), 'renumbered, cookies cleared').to.equal('allow');
    expect((await guard.devices('renumbered-v6')).filter((d) => d.status === 'attached')).to.have.length(2);
    clock.advance(hours(24));
    expect(kind(await device({ id: 'renumbered-v6' }, MAC).at('2a02:8428:9c22:ca00::5').open()), "another ISP's prefix: no slot to take").to.equal('challenge');
  });

  it('lets a browser that updated itself take its old slot after its cookies were cleared, and never an older one', async () => {
    const { guard, device, clock } = setup({ limits: { devices: 2 } });
    const chrome = (version: string) => ({ 'user-agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Safari/537.36` });
    expect(kind(await device({ id: 'updater' }, chrome('130.0.6723.58')).at(PLACES.parisHome.ip).open())).to.equal('allow');
    expect(kind(await device({ id: 'updater' }, IPHONE).at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(hours(24));
    expect(kind(await device({ id: 'updater' }, chrome('131.0.6778.86')).at(PLACES.parisHome.ip).open()), 'updated, cookies cleared').to.equal('allow');
    expect((await guard.devices('updater')).filter((d) => d.status === 'attached')).to.have.length(2);
    clock.advance(hours(24));
    expect(kind(await device({ id: 'updater' }, chrome('129.0.6668.100')).at(PLACES.parisHome.ip).open()), 'an older Chrome is another computer').to.equal('challenge');
  });

  it("lets a browser that clears its cookies every session keep one slot below the limit, so the phone's new cookie on its carrier finds room", async () => {
    const { guard, device, clock } = setup({ limits: { devices: 3 } });
    const attached = async () => (await guard.devices('private')).filter((d) => d.status === 'attached').length;
    expect(kind(await device({ id: 'private' }, IPHONE).at(PLACES.parisHome.ip).open())).to.equal('allow');
    const firstJar = device({ id: 'private' }, MAC).at(PLACES.parisHome.ip);
    expect(kind(await firstJar.open())).to.equal('allow');
    for (let day = 0; day < 4; day++) {
      clock.advance(hours(24));
      expect(kind(await device({ id: 'private' }, MAC).at(PLACES.parisHome.ip).open()), `the Mac, a new cookie jar, day ${day}`).to.equal('allow');
    }
    expect(await attached(), 'a phone and one Mac').to.equal(2);
    clock.advance(hours(5));
    // The phone's cookies were cleared too; it first shows on its carrier, which no place of the home is next to.
    expect(kind(await device({ id: 'private' }, IPHONE).at(PLACES.parisCarrier.ip).open()), "the phone's new cookie").to.equal('allow');
    expect(await attached()).to.equal(3);
    clock.advance(hours(2));
    // Not a cleared jar after all (a second browser profile): it is known, so it is never logged out, and takes no one's slot.
    expect(kind(await firstJar.open()), 'the first jar, back over the limit').to.equal('challenge');
    expect(await attached()).to.equal(3);
  });

  it("lets a new phone take the old one's slot when it first shows on the home's IPv6 and the old one was last seen on its IPv4", async () => {
    const { guard, device, clock } = setup({ limits: { devices: 2 } });
    expect(kind(await device({ id: 'swapper' }, TV).at(PLACES.parisHome.ip).open())).to.equal('allow');
    const old = device({ id: 'swapper' }, IPHONE).at(PLACES.parisHome.ip);
    expect(kind(await old.open())).to.equal('allow');
    clock.advance(minutes(5));
    expect(kind(await old.at(PLACES.parisHomeV6a.ip).open()), 'the same phone on the home IPv6: one place').to.equal('allow');
    clock.advance(minutes(5));
    expect(kind(await old.at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(hours(3));
    const replacement = device({ id: 'swapper' }, IPHONE).at(PLACES.parisHomeV6b.ip);
    expect(kind(await replacement.open()), 'the new phone, on the home IPv6').to.equal('allow');
    expect((await guard.devices('swapper')).filter((d) => d.status === 'attached')).to.have.length(2);
  });

  it('in monitor mode records what it would do and challenges no one', async () => {
    const { guard, device, clock } = setup({ ...ONE_HOP, monitor: true, limits: { devices: 1 } });
    expect(kind(await device(carol).at(PLACES.parisHome.ip).open())).to.equal('allow');
    clock.advance(minutes(1));
    const decision = await device(carol).at(PLACES.newYork.ip).open();
    expect(kind(decision)).to.equal('allow');
    expect(decision.verdict.reasons.map((r) => `${r.policy}:${r.check}:${r.monitor}`)).to.include.members(['impossible_travel:impossible_travel:true', 'device_limit:device_count:true']);
    expect(guard.stats()).to.deep.include({ challenge: 0, monitoredAccounts: 1 });
    expect(await guard.devices('carol')).to.have.length(2, 'monitor mode attaches over the limit');
  });

  it('spares a device whose owner just proved it is theirs', async () => {
    const { guard, device, clock } = setup(ONE_HOP);
    await device(carol).at(PLACES.parisHome.ip).open();
    clock.advance(minutes(1));
    const traveller = device(carol).at(PLACES.newYork.ip);
    const first = await traveller.open();
    if (first.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const { id } = first.verdict.challenge;
    await guard.challenges.claimOwnership(id, first.deviceId!);
    await guard.challenges.verifyCode(id, first.deviceId!, guard.outbox!.latest()!.code);
    expect((await guard.challenges.complete(id, first.deviceId!)).ok).to.equal(true);
    clock.advance(minutes(1));
    expect(kind(await traveller.open())).to.equal('allow');
  });
});
