import type { AgentName } from './agents.js';
import { AGENTS } from './agents.js';
import { CITIES, DAYS, MINUTE, citiesOf, distanceKm, localTime, pickCity, weekday, type City } from './cities.js';
import type { AccountBuilder } from './builder.js';
import type { SimDevice } from './device.js';
import type { Home } from './networks.js';
import { adultHabits, childHabits, fromDay, onWeekdays, teenHabits, type Person, type Screens } from './schedule.js';

/**
 * Who holds an account. Honest archetypes are ordinary lives that trip naive rules; sharer kinds are
 * an honest owner plus the people they share with, from a day of the month on. `weight` is the share
 * of the population (about one account in five shared, as surveys of streaming services report).
 */
export interface Archetype {
  name: string;
  sharing: boolean;
  weight: number;
  describe: string;
  build: (b: AccountBuilder) => void;
}

export const ARCHETYPES: readonly Archetype[] = [
  { name: 'single', sharing: false, weight: 18, describe: 'one person, 1–3 devices', build: single },
  { name: 'couple', sharing: false, weight: 8, describe: 'two adults in one home, a phone each, a shared TV, one often out', build: couple },
  { name: 'multi-device', sharing: false, weight: 6, describe: 'laptop with two browsers, desktop, phone, tablet, TV, used at once', build: multiDevice },
  { name: 'commuter', sharing: false, weight: 8, describe: 'phone on home Wi-Fi, carrier on the train, office Wi-Fi', build: commuter },
  { name: 'family', sharing: false, weight: 10, describe: 'family plan (15 devices, 5 people): 3–5 people, kids’ devices, sometimes a parent away', build: family },
  { name: 'phone-replaced', sharing: false, weight: 4, describe: 'new phone, old one still used for a day or two', build: phoneReplaced },
  { name: 'cookie-clearer', sharing: false, weight: 4, describe: 'clears cookies every few days or browses privately', build: cookieClearer },
  { name: 'traveller', sharing: false, weight: 6, describe: 'flights, hotel Wi-Fi, roaming, in-flight Wi-Fi', build: traveller },
  { name: 'vpn-user', sharing: false, weight: 4, describe: 'VPN on the laptop, sometimes on the phone, exits abroad', build: vpnUser },
  { name: 'student', sharing: false, weight: 4, describe: 'campus NAT shared by thousands, a weekend at the parents’', build: student },
  { name: 'corporate', sharing: false, weight: 6, describe: 'work laptop behind a corporate egress proxy, maybe in another country', build: corporate },
  { name: 'friend-tv', sharing: false, weight: 3, describe: 'one evening on a friend’s TV in another home of the city', build: friendTv },
  { name: 'same-city-household', sharing: true, weight: 6, describe: 'another household in the same city, evenings', build: sameCityHousehold },
  { name: 'weekend-friend', sharing: true, weight: 5, describe: 'a friend in another city or country, Friday to Sunday only', build: weekendFriend },
  { name: 'resold', sharing: true, weight: 2, describe: 'resold to 5–8 people in several countries', build: resold },
  { name: 'couple-apart', sharing: true, weight: 5, describe: 'partners in two cities, overlapping evenings, weekend visits', build: coupleApart },
  { name: 'cookie-clearing-sharer', sharing: true, weight: 3, describe: 'a sharer in private browsing who clears cookies to dodge limits', build: cookieClearingSharer },
];

// ---- honest ----

function single(b: AccountBuilder): void {
  const me = resident(b, 'owner');
  b.habits(me, adultHabits(personalScreens(b, me, b.random.int(1, 3)), { commute: b.random.chance(0.3) ? 0.4 : 0 }));
}

function couple(b: AccountBuilder): void {
  const city = pickCity(b.random);
  const home = b.world.home(city, b.random);
  const first = b.person('owner', city, home);
  const second = b.person('member', city, home);
  const tv = b.random.chance(0.65) ? [b.tv(first)] : [];
  for (const p of [first, second]) {
    const screens: Screens = { phone: [b.phone(p)], tv };
    if (b.random.chance(0.4)) screens.laptop = [b.laptop(p)];
    else if (b.random.chance(0.3)) screens.tablet = [b.tablet(p)];
    // Each on their own phone, sometimes at once; one of them often out (commuting, evenings out).
    b.habits(p, adultHabits(screens, { commute: p === first && b.random.chance(0.5) ? 0.6 : 0 }));
  }
}

function multiDevice(b: AccountBuilder): void {
  const me = resident(b, 'owner', { activity: b.random.uniform(1.1, 1.6) });
  const laptopAgent = b.random.pick<AgentName>(['windowsChrome', 'macSafari', 'macChrome', 'windowsEdge']);
  const laptop = b.device(me, laptopAgent);
  // A second browser on the same laptop: same machine, same network, another cookie jar.
  const second = b.device(me, laptopAgent.startsWith('mac') ? b.random.pick<AgentName>(['macFirefox', laptopAgent === 'macSafari' ? 'macChrome' : 'macSafari']) : b.random.pick<AgentName>(['windowsFirefox', laptopAgent === 'windowsEdge' ? 'windowsChrome' : 'windowsEdge']));
  const tvs = [b.tv(me), ...(b.random.chance(0.3) ? [b.device(me, b.random.pick<AgentName>(['playstation', 'fireTv']), { portable: false })] : [])];
  b.habits(me, adultHabits({ phone: [b.phone(me)], laptop: [laptop, second], desktop: [b.desktop(me)], tablet: [b.tablet(me)], tv: tvs }, { homeOffice: true }));
}

function commuter(b: AccountBuilder): void {
  const city = pickCity(b.random);
  const me = b.person('owner', city, b.world.home(city, b.random), { work: b.world.office(city, b.random) });
  b.habits(me, adultHabits({ phone: [b.phone(me)], laptop: [b.laptop(me)], ...(b.random.chance(0.6) ? { tv: [b.tv(me)] } : {}) }, { commute: b.random.uniform(0.6, 0.9), office: true }));
}

function family(b: AccountBuilder): void {
  b.plan('family', { devices: 15 }, 5);
  const city = pickCity(b.random);
  const home = b.world.home(city, b.random);
  const size = b.random.int(3, 5);
  const parents = b.random.chance(0.8) ? 2 : 1;
  const office = b.random.chance(0.5);
  const first = b.person('owner', city, home, office ? { work: b.world.office(city, b.random) } : {});
  const tvs = [b.tv(first), ...(b.random.chance(0.4) ? [b.tv(first)] : [])];
  const firstScreens: Screens = { phone: [b.phone(first)], laptop: [b.laptop(first)], tv: tvs, ...(office && b.random.chance(0.4) ? { work: [b.laptop(first)] } : {}) };
  b.habits(first, adultHabits(firstScreens, { commute: office ? 0.6 : 0, office }));
  if (parents === 2) {
    const second = b.person('member', city, home);
    b.habits(second, adultHabits({ phone: [b.phone(second)], ...(b.random.chance(0.5) ? { tablet: [b.tablet(second)] } : { laptop: [b.laptop(second)] }), tv: tvs }));
  }
  for (let i = parents; i < size; i++) {
    const kid = b.person('member', city, home, { wifiOff: 0.05 });
    if (b.random.chance(0.5)) {
      b.habits(kid, childHabits({ ...(b.random.chance(0.85) ? { tablet: [b.tablet(kid)] } : {}), tv: tvs }));
    } else {
      const screens: Screens = { phone: [b.phone(kid)], tv: [...tvs, ...(b.random.chance(0.2) ? [b.device(kid, 'playstation', { portable: false })] : [])] };
      if (b.random.chance(0.5)) screens.laptop = [b.laptop(kid)];
      b.habits(kid, teenHabits(screens));
    }
  }
  // A parent on a business trip while the family watches at home: two places at once, honestly.
  if (b.random.chance(0.15)) {
    const to = b.random.chance(0.5) ? otherCity(b, city, 'same-country') ?? pickCity(b.random) : pickCity(b.random, (c) => c.country !== city.country);
    b.trip(first, { to, day: b.random.int(1, 24), nights: b.random.int(2, 4), lodging: b.world.hotel(to, b.random), inflightWifi: 0.35 }, [...firstScreens.phone!, ...firstScreens.laptop!]);
  }
}

function phoneReplaced(b: AccountBuilder): void {
  const me = resident(b, 'owner');
  const day = b.random.int(2, 26);
  const overlap = b.random.int(1, 2);
  const old = b.phone(me, { activeTo: day + overlap });
  const agent = b.random.chance(0.85) ? old.profile : undefined;
  const replacement = agent ? b.device(me, agentName(agent), { activeFrom: day }) : b.phone(me, { activeFrom: day });
  const others = personalScreens(b, me, b.random.int(1, 2), false);
  b.habits(me, adultHabits({ ...others, phone: [old, replacement] }));
  // Set up in the evening: signed in on the new phone while the old one still is.
  const start = localTime(me.city.tz, day, b.random.uniform(19, 21.5));
  b.once(replacement, start, b.random.uniform(20, 60), me.home);
  b.once(old, start + 10 * MINUTE, b.random.uniform(10, 30), me.home);
}

function cookieClearer(b: AccountBuilder): void {
  const me = resident(b, 'owner');
  const clearing = b.random.chance(0.6) ? ({ every: 'days', min: 1, max: 4 } as const) : ({ every: 'session' } as const);
  const screens: Screens = {
    phone: [b.phone(me, b.random.chance(0.2) ? { clearing: { every: 'days', min: 5, max: 10 } } : {})],
    laptop: [b.laptop(me, { clearing })],
  };
  if (b.random.chance(0.4)) screens.tv = [b.tv(me)];
  else if (b.random.chance(0.3)) screens.tablet = [b.tablet(me)];
  b.habits(me, adultHabits(screens));
}

function traveller(b: AccountBuilder): void {
  const me = resident(b, 'owner');
  const phone = b.phone(me);
  const laptop = b.laptop(me);
  const screens: Screens = { phone: [phone], laptop: [laptop], ...(b.random.chance(0.4) ? { tablet: [b.tablet(me)] } : {}) };
  b.habits(me, adultHabits(screens, { commute: b.random.chance(0.3) ? 0.5 : 0 }));
  let day = b.random.int(1, 12);
  for (let i = b.random.int(1, 2); i > 0 && day < DAYS - 3; i--) {
    const to = b.random.chance(0.55) ? pickCity(b.random, (c) => c.continent !== me.city.continent) : (otherCity(b, me.city, 'same-continent') ?? pickCity(b.random));
    const nights = b.random.int(2, 7);
    b.trip(me, { to, day, nights, lodging: b.world.hotel(to, b.random), inflightWifi: 0.35, localSim: b.random.chance(0.25) }, [phone, laptop, ...(screens.tablet ?? [])]);
    day += nights + b.random.int(3, 8);
  }
}

function vpnUser(b: AccountBuilder): void {
  const me = resident(b, 'owner');
  const own = b.world.vpnExits.filter((e) => e.country === me.city.country);
  // Some pick a server at home (privacy); most pick one abroad (another country's catalogue).
  const exit = (own.length > 0 && b.random.chance(0.35) ? b.random.pick(own) : b.random.pick(b.world.vpnExits.filter((e) => e.country !== me.city.country))).exit;
  b.habits(me, adultHabits({
    phone: [b.phone(me, { vpn: { share: 0.35, exit } })],
    laptop: [b.laptop(me, { vpn: { share: 0.9, exit } })],
    ...(b.random.chance(0.5) ? { tv: [b.tv(me)] } : {}),
  }));
}

function student(b: AccountBuilder): void {
  const city = pickCity(b.random);
  const me = b.person('owner', city, b.world.campus(city, b.random), { wifiOff: 0.25, activity: b.random.uniform(0.9, 1.5) });
  const screens: Screens = {
    phone: [b.phone(me)],
    laptop: [b.device(me, b.random.pick<AgentName>(['chromebook', 'macSafari', 'macChrome', 'windowsChrome']))],
    ...(b.random.chance(0.3) ? { tablet: [b.tablet(me)] } : {}),
  };
  b.habits(me, adultHabits(screens));
  if (b.random.chance(0.4)) {
    const to = otherCity(b, city, 'same-country') ?? city;
    const friday = firstWeekday(b.random.int(3, 20), 4);
    b.trip(me, { to, day: friday, nights: 2, lodging: b.world.home(to, b.random) }, [...screens.phone!, ...screens.laptop!]);
  }
}

function corporate(b: AccountBuilder): void {
  const company = b.world.company(b.random);
  const city = b.random.pick(company.offices);
  const me = b.person('owner', city, b.world.home(city, b.random), { work: company.egress });
  const alwaysOn = b.random.chance(0.5);
  const work = b.device(me, b.random.pick<AgentName>(['windowsEdge', 'windowsChrome', 'macChrome']), alwaysOn ? { always: company.egress } : {});
  b.habits(me, adultHabits({ ...personalScreens(b, me, b.random.int(1, 3)), work: [work] }, { commute: 0.5, office: true }));
}

function friendTv(b: AccountBuilder): void {
  const me = resident(b, 'owner');
  const screens = personalScreens(b, me, b.random.int(1, 3));
  b.habits(me, adultHabits(screens));
  const day = b.random.int(2, 27);
  const friends: Home = b.world.home(me.city, b.random);
  const start = localTime(me.city.tz, day, b.random.uniform(19.3, 20.8));
  const minutes = b.random.uniform(110, 200);
  me.stays.push({ from: start - 30 * MINUTE, to: start + (minutes + 30) * MINUTE, kind: 'away', city: me.city, network: friends });
  b.once(b.tv(me, { activeFrom: day, activeTo: day }), start, minutes, friends);
  const phone = screens.phone?.[0];
  if (phone && b.random.chance(0.5)) b.once(phone, start + b.random.uniform(20, 90) * MINUTE, b.random.uniform(5, 20), b.random.chance(0.5) ? friends : me.carrier);
}

// ---- sharing ----

function sameCityHousehold(b: AccountBuilder): void {
  const owner = ownerPart(b);
  const home = b.world.home(owner.city, b.random, b.random.chance(0.35) ? (owner.home as Home).isp : undefined);
  const first = b.person('sharer', owner.city, home, { activeDay: fromDay(b.shareDay!) });
  b.habits(first, adultHabits(sharerScreens(b, first)));
  // Sometimes a second person of that household signs in too, on a phone or tablet.
  if (b.random.chance(0.35)) {
    const second = b.person('sharer', owner.city, home, { activeDay: fromDay(b.shareDay!) });
    b.habits(second, adultHabits(b.random.chance(0.6) ? { phone: [b.phone(second)] } : { tablet: [b.tablet(second)] }));
  }
}

function weekendFriend(b: AccountBuilder): void {
  const owner = ownerPart(b);
  // Judged over the 7 days after the first weekend: start on a Friday early enough in the month.
  if (b.shareDay! > 0) b.shareDay = b.random.pick([4, 11, 18]);
  const city = b.random.chance(0.5) ? (otherCity(b, owner.city, 'same-country') ?? pickCity(b.random)) : pickCity(b.random, (c) => c.country !== owner.city.country);
  const friend = b.person('sharer', city, b.world.home(city, b.random), { activeDay: onWeekdays([4, 5, 6], b.shareDay!), activity: b.random.uniform(1, 1.5) });
  b.habits(friend, adultHabits(sharerScreens(b, friend)));
}

function resold(b: AccountBuilder): void {
  b.shareDay = shareDay(b);
  // The reseller rarely watches; the buyers do, each from their own home, some joining days later.
  const reseller = resident(b, 'owner', { activity: 0.3 });
  if (b.random.chance(0.5)) b.habits(reseller, adultHabits({ phone: [b.phone(reseller)] }));
  const buyers = b.random.int(5, 8);
  const countries = new Set<string>();
  for (let i = 0; i < buyers; i++) {
    const city = countries.size < 3 ? pickCity(b.random, (c) => !countries.has(c.country)) : pickCity(b.random);
    countries.add(city.country);
    const joins = Math.min(DAYS - 1, b.shareDay + (i < 2 ? 0 : b.random.int(0, 6)));
    const buyer = b.person('sharer', city, b.world.home(city, b.random), { activeDay: fromDay(joins) });
    b.habits(buyer, adultHabits(sharerScreens(b, buyer)));
  }
}

function coupleApart(b: AccountBuilder): void {
  b.shareDay = shareDay(b);
  const me = resident(b, 'owner');
  const myScreens: Screens = { phone: [b.phone(me)], laptop: [b.laptop(me)], ...(b.random.chance(0.4) ? { tv: [b.tv(me)] } : {}) };
  b.habits(me, adultHabits(myScreens));
  const city = b.random.chance(0.6) ? (otherCity(b, me.city, 'same-country') ?? otherCity(b, me.city, 'same-continent')!) : (otherCity(b, me.city, 'same-continent') ?? pickCity(b.random));
  const partner = b.person('sharer', city, b.world.home(city, b.random), { activeDay: fromDay(b.shareDay) });
  const theirScreens: Screens = { phone: [b.phone(partner)], ...(b.random.chance(0.5) ? { laptop: [b.laptop(partner)] } : {}) };
  b.habits(partner, adultHabits(theirScreens));
  // Weekend visits, either way: then both are in one home, on one network.
  for (let friday = firstWeekday(b.shareDay, 4); friday < DAYS - 2; friday += 7) {
    if (!b.random.chance(0.35)) continue;
    const [traveller, host, devices] = b.random.chance(0.5) ? [me, partner, [...myScreens.phone!, ...myScreens.laptop!]] : [partner, me, [...theirScreens.phone!, ...(theirScreens.laptop ?? [])]];
    b.trip(traveller, { to: host.city, day: friday, nights: 2, lodging: host.home, inflightWifi: 0.2 }, devices);
  }
}

function cookieClearingSharer(b: AccountBuilder): void {
  const owner = ownerPart(b);
  const city = b.random.chance(0.5) ? (otherCity(b, owner.city, 'same-country') ?? owner.city) : pickCity(b.random);
  const p = b.person('sharer', city, b.world.home(city, b.random), { activeDay: fromDay(b.shareDay!) });
  const screens: Screens = { laptop: [b.laptop(p, { clearing: { every: 'session' }, dodges: true })] };
  if (b.random.chance(0.5)) screens.phone = [b.phone(p, { clearing: { every: 'days', min: 1, max: 3 }, dodges: true })];
  b.habits(p, adultHabits(screens));
}

// ---- helpers ----

function resident(b: AccountBuilder, role: 'owner', options: { activity?: number } = {}): Person {
  const city = pickCity(b.random);
  return b.person(role, city, b.world.home(city, b.random), options);
}

/** The honest side of a shared account: a single owner with 1–3 devices, and the day sharing starts. */
function ownerPart(b: AccountBuilder): Person {
  b.shareDay = shareDay(b);
  const me = resident(b, 'owner');
  b.habits(me, adultHabits(personalScreens(b, me, b.random.int(1, 3)), { commute: b.random.chance(0.3) ? 0.5 : 0 }));
  return me;
}

/** A third of sharing predates the deployment (day 0: detection starts cold); the rest starts during the month, early enough to be judged over 7 days. */
function shareDay(b: AccountBuilder): number {
  return b.random.chance(0.35) ? 0 : b.random.int(1, DAYS - 8);
}

/** What someone using another's account signs in on: usually one screen (a TV or a laptop), sometimes a phone too. */
function sharerScreens(b: AccountBuilder, p: Person): Screens {
  const kind = b.random.weighted<'tv' | 'laptop' | 'tablet' | 'phone'>([['tv', 45], ['laptop', 30], ['tablet', 10], ['phone', 15]]);
  const screens: Screens = { [kind]: [kind === 'tv' ? b.tv(p) : kind === 'laptop' ? b.laptop(p) : kind === 'tablet' ? b.tablet(p) : b.phone(p)] };
  if (!screens.phone && b.random.chance(0.35)) screens.phone = [b.phone(p)];
  return screens;
}

/** A phone plus `n - 1` of laptop, TV, tablet. */
function personalScreens(b: AccountBuilder, me: Person, n: number, withPhone = true): Screens {
  const screens: Screens = withPhone ? { phone: [b.phone(me)] } : {};
  const kinds = b.random.shuffle(['laptop', 'laptop', 'tv', 'tv', 'tablet'] as const).filter((k, i, all) => all.indexOf(k) === i);
  for (const kind of kinds.slice(0, withPhone ? n - 1 : n)) {
    screens[kind] = [kind === 'laptop' ? b.laptop(me) : kind === 'tv' ? b.tv(me) : b.tablet(me)];
  }
  return screens;
}

function otherCity(b: AccountBuilder, city: City, where: 'same-country' | 'same-continent'): City | undefined {
  const candidates = where === 'same-country' ? citiesOf(city.country).filter((c) => c.name !== city.name) : CITIES.filter((c) => c.continent === city.continent && c.country !== city.country && distanceKm(c, city) > 300);
  return candidates.length === 0 ? undefined : b.random.weighted(candidates.map((c) => [c, c.weight] as const));
}

/** The first day ≥ `day` that falls on `weekdayIndex` (0 = Monday). */
function firstWeekday(day: number, weekdayIndex: number): number {
  return day + ((weekdayIndex - weekday(day) + 7) % 7);
}

function agentName(profile: SimDevice['profile']): AgentName {
  return (Object.keys(AGENTS) as AgentName[]).find((k) => AGENTS[k] === profile)!;
}
