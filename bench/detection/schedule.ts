import { DAYS, MINUTE, isWeekend, localTime, weekday, type City } from './cities.js';
import type { Role, SimDevice } from './device.js';
import { Handover, type Carrier, type Network } from './networks.js';
import type { Random } from './random.js';

/** A stretch of time spent in one place. */
export interface Session {
  key: string;
  device: SimDevice;
  start: number;
  end: number;
  network: Network;
  /** Mean time between two protected requests (page views, API calls, the next episode). */
  gapMs: number;
}

/** Away from home: a hotel, a partner's or parents' home, a friend's living room; or on the way (no routine sessions). */
export interface Stay {
  from: number;
  to: number;
  kind: 'away' | 'transit';
  city: City;
  network: Network;
  /** A local SIM abroad (otherwise the phone roams on its home carrier, routed home). */
  localCarrier?: Carrier;
}

export type HabitName = 'morning' | 'commute-am' | 'work' | 'lunch' | 'commute-pm' | 'after-school' | 'afternoon' | 'evening' | 'late';

/** A daily routine slot: when it may happen, how long it lasts and which devices come out (several at once). */
export interface Habit {
  name: HabitName;
  days: 'weekday' | 'weekend' | 'all';
  /** Chance per day before the person's activity factor. */
  p: number;
  /** Local start hours (may exceed 24: after midnight). */
  start: readonly [number, number];
  /** Median length of the first device's session. */
  minutes: number;
  uses: ReadonlyArray<{ device: SimDevice; p: number }>;
  where: 'home' | 'commute' | 'work';
}

export interface Person {
  name: string;
  role: Role;
  city: City;
  /** Where they live: a home line, or a campus NAT for a student in a dorm. */
  home: Network;
  carrier: Carrier;
  /** The office network or corporate egress used at work. */
  work?: Network;
  habits: Habit[];
  stays: Stay[];
  /** Multiplies every habit's chance (heavy and light users). */
  activity: number;
  activeDay: (day: number) => boolean;
  /** Share of at-home phone sessions on mobile data (Wi-Fi off or flaky). */
  wifiOff: number;
}

const MAX_CHANCE = 0.95;

/** The person's sessions over the month, from their habits, stays and devices. */
export function sessionsOf(person: Person, random: Random, counter: Map<SimDevice, number>): Session[] {
  const sessions: Session[] = [];
  for (let day = 0; day < DAYS; day++) {
    if (!person.activeDay(day)) continue;
    const noonStay = stayAt(person, localTime(person.city.tz, day, 12));
    const tz = (noonStay?.city ?? person.city).tz;
    for (const habit of person.habits) {
      if ((habit.days === 'weekday' && isWeekend(day)) || (habit.days === 'weekend' && !isWeekend(day))) continue;
      if (!random.chance(Math.min(MAX_CHANCE, habit.p * person.activity))) continue;
      const t0 = localTime(tz, day, random.uniform(habit.start[0], habit.start[1]));
      const stay = stayAt(person, t0);
      if (stay?.kind === 'transit' || (stay && habit.where !== 'home')) continue;
      const available = habit.uses.filter((u) => u.device.isActive(day) && (!stay || u.device.portable));
      if (available.length === 0) continue;
      let chosen = available.filter((u) => random.chance(u.p));
      if (chosen.length === 0) chosen = [available.reduce((a, b) => (b.p > a.p ? b : a))];
      chosen.forEach(({ device }, i) => {
        // The first device carries the slot; the others are second screens joining a little later, for less time.
        const start = t0 + (i === 0 ? 0 : random.uniform(0, 40) * MINUTE);
        const minutes = Math.max(4, random.logNormal(habit.minutes * (i === 0 ? 1 : 0.55), 0.55));
        sessions.push(session(device, start, minutes, networkFor(person, device, habit, stay, random, start, minutes), counter));
      });
    }
  }
  return sessions;
}

export function session(device: SimDevice, start: number, minutes: number, network: Network, counter: Map<SimDevice, number>): Session {
  const n = (counter.get(device) ?? 0) + 1;
  counter.set(device, n);
  return { key: `${device.key}#${n}`, device, start, end: start + minutes * MINUTE, network, gapMs: device.profile.type === 'tv' ? 12 * MINUTE : 5 * MINUTE };
}

function networkFor(person: Person, device: SimDevice, habit: Habit, stay: Stay | undefined, random: Random, start: number, minutes: number): Network {
  if (device.always) return device.always;
  const phone = device.profile.type === 'mobile';
  let network: Network;
  if (stay) {
    network = phone && random.chance(0.5) ? (stay.localCarrier ?? person.carrier) : stay.network;
  } else if (habit.where === 'commute') {
    // Started on Wi-Fi before leaving (or finished on it after arriving), mobile data on the way.
    const [before, after] = habit.name === 'commute-am' ? [person.home, person.work] : [person.work, person.home];
    const edge = random.uniform(2, Math.min(10, minutes / 3)) * MINUTE;
    network = new Handover([
      ...(before && random.chance(0.6) ? [{ until: start + edge, network: before }] : []),
      { until: start + minutes * MINUTE - edge, network: person.carrier },
      ...(after && random.chance(0.5) ? [{ until: Infinity, network: after }] : []),
    ]);
  } else if (habit.where === 'work') {
    network = person.work ? (phone && random.chance(0.5) ? person.carrier : person.work) : phone ? person.carrier : person.home;
  } else {
    network = phone && random.chance(person.wifiOff) ? person.carrier : person.home;
  }
  if (device.vpn && random.chance(device.vpn.share)) network = device.vpn.exit;
  return network;
}

export function stayAt(person: Person, at: number): Stay | undefined {
  for (const stay of person.stays) if (stay.from <= at && at < stay.to) return stay;
  return undefined;
}

/**
 * One device, one session at a time: overlapping sessions of the same device (a family TV watched by
 * two people, two habits that collide) become one, on the first one's network.
 */
export function mergeOverlaps(sessions: Session[]): Session[] {
  const byDevice = new Map<SimDevice, Session[]>();
  for (const s of sessions) {
    const list = byDevice.get(s.device) ?? [];
    list.push(s);
    byDevice.set(s.device, list);
  }
  const merged: Session[] = [];
  for (const list of byDevice.values()) {
    list.sort((a, b) => a.start - b.start);
    let current: Session | undefined;
    for (const s of list) {
      if (current && s.start <= current.end + 2 * MINUTE) current.end = Math.max(current.end, s.end);
      else merged.push((current = { ...s }));
    }
  }
  return merged.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : 1));
}

export interface Screens {
  phone?: SimDevice[];
  laptop?: SimDevice[];
  tablet?: SimDevice[];
  tv?: SimDevice[];
  desktop?: SimDevice[];
  /** A work laptop, used at work and sometimes at home. */
  work?: SimDevice[];
}

const uses = (devices: SimDevice[] | undefined, p: number) => (devices ?? []).map((device) => ({ device, p }));

/**
 * An adult's week: phone in the morning and in bed, lunch breaks, evenings on the big screens with the
 * phone as a second screen, weekend afternoons; commutes and office hours when they have them.
 */
export function adultHabits(s: Screens, options: { commute?: number; office?: boolean; homeOffice?: boolean } = {}): Habit[] {
  const habits: Habit[] = [
    { name: 'morning', days: 'all', p: 0.2, start: [6.5, 8.8], minutes: 12, uses: uses(s.phone, 1), where: 'home' },
    { name: 'lunch', days: 'weekday', p: options.office ? 0.45 : 0.25, start: [12, 13.6], minutes: 20, uses: [...uses(s.phone, 0.8), ...uses(s.work, 0.35)], where: options.office ? 'work' : 'home' },
    { name: 'afternoon', days: 'weekend', p: 0.45, start: [13, 17.5], minutes: 70, uses: [...uses(s.tv, 0.5), ...uses(s.tablet, 0.4), ...uses(s.laptop, 0.35), ...uses(s.phone, 0.3)], where: 'home' },
    {
      name: 'evening', days: 'all', p: 0.7, start: [19, 22], minutes: 85,
      uses: [...uses(s.tv, 0.55), ...uses(s.laptop, 0.4), ...uses(s.tablet, 0.3), ...uses(s.desktop, 0.3), ...uses(s.work, 0.1), ...uses(s.phone, 0.3)],
      where: 'home',
    },
    { name: 'late', days: 'all', p: 0.22, start: [22.5, 24.8], minutes: 25, uses: [...uses(s.phone, 0.7), ...uses(s.tablet, 0.4), ...uses(s.laptop, 0.15)], where: 'home' },
  ];
  if (options.commute) {
    habits.push({ name: 'commute-am', days: 'weekday', p: options.commute, start: [7.4, 8.8], minutes: 25, uses: uses(s.phone, 1), where: 'commute' });
    habits.push({ name: 'commute-pm', days: 'weekday', p: options.commute * 0.85, start: [17.2, 18.9], minutes: 25, uses: uses(s.phone, 1), where: 'commute' });
  }
  if (options.office && s.work) habits.push({ name: 'work', days: 'weekday', p: 0.3, start: [9.5, 16.5], minutes: 25, uses: uses(s.work, 1), where: 'work' });
  if (options.homeOffice) habits.push({ name: 'work', days: 'weekday', p: 0.45, start: [9, 16.5], minutes: 40, uses: [...uses(s.desktop ?? s.laptop, 1), ...uses(s.phone, 0.3)], where: 'home' });
  return habits.filter((h) => h.uses.length > 0);
}

/** A child's week: tablet or TV after school and early evenings, more at weekends. */
export function childHabits(s: Screens): Habit[] {
  const habits: Habit[] = [
    { name: 'after-school', days: 'weekday', p: 0.55, start: [16, 18], minutes: 50, uses: [...uses(s.tablet, 0.8), ...uses(s.tv, 0.5)], where: 'home' },
    { name: 'afternoon', days: 'weekend', p: 0.7, start: [8, 17], minutes: 80, uses: [...uses(s.tv, 0.6), ...uses(s.tablet, 0.7)], where: 'home' },
    { name: 'evening', days: 'all', p: 0.35, start: [18.5, 20], minutes: 45, uses: [...uses(s.tv, 0.6), ...uses(s.tablet, 0.5)], where: 'home' },
  ];
  return habits.filter((h) => h.uses.length > 0);
}

/** A teenager's week: phone after school and late at night, laptop or console in the evening. */
export function teenHabits(s: Screens): Habit[] {
  const habits: Habit[] = [
    { name: 'after-school', days: 'weekday', p: 0.6, start: [16, 18.5], minutes: 45, uses: [...uses(s.phone, 0.8), ...uses(s.laptop, 0.4)], where: 'home' },
    { name: 'afternoon', days: 'weekend', p: 0.6, start: [12, 18], minutes: 90, uses: [...uses(s.laptop, 0.5), ...uses(s.tv, 0.4), ...uses(s.phone, 0.6)], where: 'home' },
    { name: 'evening', days: 'all', p: 0.55, start: [19.5, 22.5], minutes: 70, uses: [...uses(s.laptop, 0.5), ...uses(s.tv, 0.4), ...uses(s.phone, 0.5)], where: 'home' },
    { name: 'late', days: 'all', p: 0.35, start: [22.5, 25], minutes: 35, uses: uses(s.phone, 1), where: 'home' },
  ];
  return habits.filter((h) => h.uses.length > 0);
}

/** Only on some days of the week (0 = Monday): a friend who watches at weekends. */
export const onWeekdays = (days: number[], from = 0) => (day: number) => day >= from && days.includes(weekday(day));
export const fromDay = (from: number) => (day: number) => day >= from;
