import type { Access, DeviceRecord } from '../model.js';
import { isNeighbour, networkOf } from '../net/network.js';
import { days, hours, minutes } from '../time.js';
import { effectiveDistanceKm, isPrecise } from './distance.js';
import { dayOf, isWorkingHour } from './local-time.js';

/**
 * A place: the fixed networks one home (or office, campus, hotel) uses, the devices seen there and
 * the days it was in use. Carrier and VPN networks are not places: they say nothing about where a
 * person is. The IPv4 and IPv6 networks of one dual-stack home become one place when a device
 * moves between them within minutes.
 */
export interface Place {
  networks: string[];
  devices: string[];
  /** Days (since the epoch, in the account's local time: see `AccountProfile.tzMinutes`) with use here; the latest `MAX_DAYS`. */
  days: number[];
  /** Days when this place was in use at the same time as a place of another household. */
  overlapDays: number[];
  lastSeen: number;
  lat?: number;
  lon?: number;
  accuracyKm?: number;
  /** The network operator, when geolocation knows it. */
  asn?: number;
  country?: string;
  /** The latest distinct IPv4 addresses seen here, each with when it was first seen (see `EGRESS_ADDRESSES`). */
  addresses?: Array<[ip: string, at: number]>;
  /**
   * `true` while every use here was in working hours (see `isWorkingHour`), `false` once one was
   * not. Absent on places recorded before sharelock kept it: taken as used at any hour.
   */
  workHoursOnly?: boolean;
}

/** What sharelock remembers about an account between requests, to tell households apart. Plain JSON. */
export interface AccountProfile {
  v: 1;
  places: Place[];
  /** IPv4 networks shown to be shared egress (VPN exits, proxies, NAT pools): never places. */
  egress?: string[];
  /**
   * The account's UTC offset in minutes, from the longitude of its first precisely placed network
   * (an hour per 15°): days are counted in local time, so an evening that spans midnight UTC (the
   * Americas, Asia) is one day, not two.
   */
  tzMinutes?: number;
}

export interface HouseholdSettings {
  /** A device moving between an IPv4 and an IPv6 network within this window links them as one place. */
  dualStackLinkMs: number;
  /** Places of two households in use within `overlapWindowMs` of each other were in use at the same time. */
  people: { overlapWindowMs: number };
}

const MAX_PLACES = 16;
const MAX_NETWORKS = 8;
const MAX_DEVICES = 16;
/** Days of use remembered per place (so `travel.minPlaceDays` can ask for at most this many). */
export const MAX_DAYS = 31;
const MAX_EGRESS = 8;
/** A phone or tablet links a home's two networks when it comes back to one within this long of leaving it (see `dualStackPartner`). */
const RETURN_WINDOW_MS = minutes(30);
/** A place is located when the database knows it to this radius (a city, not a region or a country). */
const PRECISE_KM = 250;
/**
 * A home has one IPv4 address, renewed every few days at most. A network that shows this many
 * different addresses within `EGRESS_WINDOW_MS` is a shared egress — a VPN exit giving each
 * session another address, a corporate proxy or carrier NAT pool rotating them — and says nothing
 * about where anyone is, even when the database does not flag it.
 */
const EGRESS_ADDRESSES = 3;
const EGRESS_WINDOW_MS = days(3);
/** Two addresses within this window are enough: a lease renewed twice a day is no home's. */
const EGRESS_PAIR_WINDOW_MS = hours(12);

export const emptyProfile = (): AccountProfile => ({ v: 1, places: [] });

/**
 * A profile read back from a store, for the core to change (`recordAccess` changes it in place):
 * anything unexpected becomes an empty profile, never an error, and a frozen one (a store may hand
 * out a shared frozen record) is copied. The built-in stores hand out a fresh one each time.
 */
export function readProfile(value: unknown): AccountProfile {
  if (!value || typeof value !== 'object' || (value as AccountProfile).v !== 1 || !Array.isArray((value as AccountProfile).places)) return emptyProfile();
  const profile = value as AccountProfile;
  const own = Object.isFrozen(profile) || Object.isFrozen(profile.places) || profile.places.some((p) => Object.isFrozen(p)) ? copyProfile(profile) : profile;
  if (own.egress !== undefined && !Array.isArray(own.egress)) delete own.egress;
  return own;
}


/** Whether an access is from a fixed network that can stand for a place. */
export function isPlaceAccess(access: Pick<Access, 'network' | 'location'>): access is Access & { network: string } {
  return access.network !== undefined && !access.location?.hosting && !access.location?.mobile && !access.location?.pooled;
}

/**
 * Fold one access into the profile, in place (see `readProfile`). Returns the profile and whether
 * anything changed but the place's `lastSeen` (so the store is written only when it did: a few
 * times a day per account; `lastSeen` is saved with the next real change).
 */
export function recordAccess(
  profile: AccountProfile,
  access: Access,
  devices: readonly DeviceRecord[],
  recent: readonly Access[],
  settings: HouseholdSettings,
): { profile: AccountProfile; changed: boolean } {
  if (!isPlaceAccess(access) || isEgress(profile, access.network)) return { profile, changed: false };
  let changed = false;
  if (profile.tzMinutes === undefined && isPrecise(access.location, PRECISE_KM)) {
    profile.tzMinutes = Math.round(access.location.lon / 15) * 60;
    changed = true;
  }
  const day = dayOf(access.at, profile);
  let place = placeOf(profile, access.network);
  // A block that hands out another address is a pool (see `householdsOf`): no dual-stack home's half.
  const pool = place !== undefined && isSecondAddress(place, access);
  if (place && pool && place.networks.length > 1) {
    place = splitOff(profile, place, access.network);
    changed = true;
  }
  if (!place) {
    place = dualStackPartner(profile, access, devices, recent, settings);
    // A pool is no one home: the other IP family's network joins no pool's place.
    if (place && isPool(place)) place = undefined;
    if (place) {
      place.networks = [...place.networks, access.network].slice(-MAX_NETWORKS);
    } else {
      place = { networks: [access.network], devices: [], days: [], overlapDays: [], lastSeen: access.at, ...(isWorkingHour(access.at, profile) ? { workHoursOnly: true } : {}) };
      profile.places.push(place);
    }
    changed = true;
  } else {
    // Both networks of a dual-stack home may have become places before a device moved between them.
    const partner = pool ? undefined : dualStackPartner(profile, access, devices, recent, settings);
    if (partner && partner !== place && !isPool(place) && !isPool(partner)) {
      mergeInto(place, partner);
      profile.places = profile.places.filter((p) => p !== partner);
      changed = true;
    }
  }
  changed = addTo(place.devices, access.deviceId, MAX_DEVICES) || changed;
  changed = addTo(place.days, day, MAX_DAYS) || changed;
  if (place.workHoursOnly && !isWorkingHour(access.at, profile)) {
    place.workHoursOnly = false;
    changed = true;
  }
  if (isPrecise(access.location, PRECISE_KM) && place.lat === undefined) {
    place.lat = access.location.lat;
    place.lon = access.location.lon;
    if (access.location.accuracyKm !== undefined) place.accuracyKm = access.location.accuracyKm;
    changed = true;
  }
  if (access.location?.asn !== undefined && place.asn === undefined) {
    place.asn = access.location.asn;
    changed = true;
  }
  if (access.location?.country !== undefined && place.country === undefined) {
    place.country = access.location.country;
    changed = true;
  }
  // Only a new address can make a network an egress.
  if (access.ip !== undefined && !access.network.includes(':') && noteAddress(place, access.ip, access.at)) {
    if (showsEgress(place, access.network)) {
      memo.delete(profile);
      return { profile: asEgress(profile, place, access.network), changed: true };
    }
    changed = true;
  }
  place.lastSeen = Math.max(place.lastSeen, access.at);
  if (profile.places.length > MAX_PLACES) {
    profile.places.sort((a, b) => b.lastSeen - a.lastSeen);
    profile.places.length = MAX_PLACES;
  }

  // Places and their devices group households: group them anew if they changed.
  if (changed) memo.delete(profile);
  // Use at the same time from a place of another household is the evidence of a second person.
  const clusters = householdsOf(profile);
  const mine = clusters.get(place)!;
  for (const other of devices) {
    if (other.id === access.deviceId || other.status !== 'attached' || access.at - other.lastSeen > settings.people.overlapWindowMs) continue;
    const otherNetwork = other.lastLocation?.mobile || other.lastLocation?.hosting || other.lastLocation?.pooled ? undefined : other.lastNetwork;
    const otherPlace = placeOf(profile, otherNetwork);
    if (!otherPlace || clusters.get(otherPlace) === mine) continue;
    // A household seen on one day only (a friend's TV for an evening, a misplaced hop) is no household yet.
    if (daysOf(mine) < 2 || daysOf(clusters.get(otherPlace)!) < 2) continue;
    changed = addTo(place.overlapDays, day, MAX_DAYS) || changed;
    changed = addTo(otherPlace.overlapDays, day, MAX_DAYS) || changed;
  }
  return { profile, changed };
}

/** A copy of what `recordAccess` changes. The `[ip, at]` pairs are never changed, so they are shared. */
function copyProfile(profile: AccountProfile): AccountProfile {
  const places = profile.places.map((p) => {
    const place: Place = { ...p, networks: p.networks.slice(), devices: p.devices.slice(), days: p.days.slice(), overlapDays: p.overlapDays.slice() };
    if (p.addresses) place.addresses = p.addresses.slice();
    return place;
  });
  return profile.egress ? { ...profile, places, egress: profile.egress.slice() } : { ...profile, places };
}

/** One place from two: the IPv4 and IPv6 networks of one home. */
function mergeInto(place: Place, other: Place): void {
  place.networks = [...new Set([...other.networks, ...place.networks])].slice(-MAX_NETWORKS);
  place.devices = [...new Set([...other.devices, ...place.devices])].slice(-MAX_DEVICES);
  place.days = [...new Set([...other.days, ...place.days])].sort((a, b) => a - b).slice(-MAX_DAYS);
  place.overlapDays = [...new Set([...other.overlapDays, ...place.overlapDays])].sort((a, b) => a - b).slice(-MAX_DAYS);
  place.lastSeen = Math.max(place.lastSeen, other.lastSeen);
  if (place.lat === undefined && other.lat !== undefined) {
    place.lat = other.lat;
    place.lon = other.lon!;
    if (other.accuracyKm !== undefined) place.accuracyKm = other.accuracyKm;
  }
  if (place.asn === undefined && other.asn !== undefined) place.asn = other.asn;
  if (place.country === undefined && other.country !== undefined) place.country = other.country;
  if (other.addresses) place.addresses = [...other.addresses, ...(place.addresses ?? [])].sort((a, b) => a[1] - b[1]).slice(-EGRESS_ADDRESSES);
  if (place.workHoursOnly && !other.workHoursOnly) place.workHoursOnly = false;
}

/** The addresses recorded at a place that are in `network`, oldest first. */
function addressesOf(place: Place, network: string): Array<[ip: string, at: number]> {
  return (place.addresses ?? []).filter(([ip]) => networkOf(ip) === network);
}

/** Whether this IPv4 access shows its network's place a second address: the place turns into a pool (see `isPool`). */
function isSecondAddress(place: Place, access: Access & { network: string }): boolean {
  const { ip, network } = access;
  if (ip === undefined || network.includes(':')) return false;
  const addresses = addressesOf(place, network);
  return addresses.length > 0 && !addresses.some(([known]) => known === ip);
}

/** The network leaves its place, with its addresses, which are returned. */
function takeNetwork(place: Place, network: string): Array<[ip: string, at: number]> {
  const addresses = addressesOf(place, network);
  place.networks = place.networks.filter((n) => n !== network);
  place.addresses = (place.addresses ?? []).filter(([ip]) => networkOf(ip) !== network);
  if (place.addresses.length === 0) delete place.addresses;
  return addresses;
}

/**
 * The network leaves its place for a place of its own, with its addresses: a dual-stack home's
 * IPv4 block that turned out to be a pool stays a pool (see `householdsOf`), and the home keeps
 * its IPv6 network, its devices and its days.
 */
function splitOff(profile: AccountProfile, place: Place, network: string): Place {
  const block: Place = { networks: [network], devices: [], days: [], overlapDays: [], lastSeen: place.lastSeen, addresses: takeNetwork(place, network) };
  if (place.country !== undefined) block.country = place.country;
  profile.places.push(block);
  return block;
}

function noteAddress(place: Place, ip: string, at: number): boolean {
  const addresses = (place.addresses ??= []);
  if (addresses.some(([known]) => known === ip)) return false;
  addresses.push([ip, at]);
  if (addresses.length > EGRESS_ADDRESSES) addresses.shift();
  return true;
}

function showsEgress(place: Place, network: string): boolean {
  const recent = addressesOf(place, network);
  if (recent.length >= 2 && recent.at(-1)![1] - recent.at(-2)![1] <= EGRESS_PAIR_WINDOW_MS) return true;
  return recent.length >= EGRESS_ADDRESSES && recent.at(-1)![1] - recent[0]![1] <= EGRESS_WINDOW_MS;
}

/**
 * A place that stands for somewhere a person is: in use on at least `minDays` days, and (for an
 * IPv4 network, when addresses are recorded) one address there: a network that handed this account
 * several addresses (a VPN exit per session, a proxy, a carrier pool a database does not flag) is
 * not where anyone lives, even before it shows enough to be called an egress.
 */
export function isStablePlace(place: Place | undefined, minDays: number): boolean {
  return place !== undefined && place.days.length >= minDays && !isPool(place);
}

/** Whether an IPv4 network of the place handed this account several addresses: a pool, no one home (see `isStablePlace`). */
function isPool(place: Place): boolean {
  return place.networks.some((network) => !network.includes(':') && addressesOf(place, network).length >= 2);
}

/** The network leaves its place (the place goes when it has no other network) and joins the egress list. */
function asEgress(profile: AccountProfile, place: Place, network: string): AccountProfile {
  takeNetwork(place, network);
  if (place.networks.length === 0) profile.places = profile.places.filter((p) => p !== place);
  profile.egress = [...(profile.egress ?? []), network].slice(-MAX_EGRESS);
  return profile;
}

/** Whether a network was shown to be a shared egress (see `EGRESS_ADDRESSES`). */
export function isEgress(profile: AccountProfile, network: string | undefined): boolean {
  return network !== undefined && (profile.egress?.includes(network) ?? false);
}

/**
 * The place of this device's access on the other IP family a moment ago, if any: the same dual-stack
 * home. A phone or tablet must also have come from this network to that one shortly before: leaving
 * home it moves from the home's network to its carrier's within minutes, once, and an unflagged
 * carrier network glued to a home would hide the home's real other half (see `mayBeOneHome`); at a
 * dual-stack home it goes back and forth.
 */
function dualStackPartner(
  profile: AccountProfile,
  access: Access & { network: string },
  devices: readonly DeviceRecord[],
  recent: readonly Access[],
  settings: HouseholdSettings,
): Place | undefined {
  const v6 = access.network.includes(':');
  for (let i = recent.length - 1; i >= 0; i--) {
    const previous = recent[i]!;
    if (access.at - previous.at > settings.dualStackLinkMs) break;
    if (previous.deviceId !== access.deviceId || !isPlaceAccess(previous) || previous.network.includes(':') === v6) continue;
    if (isHandheld(devices.find((d) => d.id === access.deviceId)) && !cameFrom(recent, i, access.network, RETURN_WINDOW_MS)) return undefined;
    return profile.places.find((p) => p.networks.includes(previous.network));
  }
  return undefined;
}

/** Phones and tablets: the devices that leave home with their owner, and use a home's IPv6 whenever it has it. */
const isHandheld = (device: Pick<DeviceRecord, 'type'> | undefined): boolean => device?.type === 'mobile' || device?.type === 'tablet';

/** The ids of the account's phones and tablets (see `isHandheld`). */
export function handheldDevices(devices: readonly DeviceRecord[]): Set<string> {
  const ids = new Set<string>();
  for (const device of devices) if (isHandheld(device)) ids.add(device.id);
  return ids;
}

/** Whether the device of `recent[i]` was on `network` within `windowMs` before it. */
function cameFrom(recent: readonly Access[], i: number, network: string, windowMs: number): boolean {
  const { deviceId, at } = recent[i]!;
  for (let j = i - 1; j >= 0 && at - recent[j]!.at <= windowMs; j--) if (recent[j]!.deviceId === deviceId && recent[j]!.network === network) return true;
  return false;
}

/**
 * Households: places joined by the devices they share (a laptop used at home and at the office
 * joins them). Returns each place's household as a shared Set of places.
 *
 * A place that handed this account several IPv4 addresses (see `isPool`) joins none: it is
 * a block of a pool, not one home, and the devices seen there need not have been together. A
 * dynamic ISP hands the homes of a city addresses from a few dozen blocks, so a household across
 * town on the owner's ISP is soon given an address in a block the owner's home had the week before.
 */
export function householdsOf(profile: AccountProfile): Map<Place, Set<Place>> {
  // Every signal of a decision asks; the grouping is computed once per profile.
  const known = memo.get(profile);
  if (known) return known;
  const places = profile.places;
  const parent = places.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  // Each device joins every place it was used at to the first one: one pass, not every pair of places.
  const firstPlace = new Map<string, number>();
  for (let i = 0; i < places.length; i++) {
    if (isPool(places[i]!)) continue;
    for (const device of places[i]!.devices) {
      const j = firstPlace.get(device);
      if (j === undefined) firstPlace.set(device, i);
      else if (root(i) !== root(j)) parent[root(i)] = root(j);
    }
  }
  const groups = new Map<number, Set<Place>>();
  const result = new Map<Place, Set<Place>>();
  places.forEach((place, i) => {
    const r = root(i);
    if (!groups.has(r)) groups.set(r, new Set());
    groups.get(r)!.add(place);
    result.set(place, groups.get(r)!);
  });
  memo.set(profile, result);
  return result;
}

/**
 * Whether two households may be one dual-stack home whose IPv4 and IPv6 networks are not linked
 * yet: one household's most used place with IPv6 has IPv6 only (a phone that has not fallen back
 * to IPv4 there yet), the other's most used place with IPv4 has IPv4 only (a TV without IPv6), and
 * nothing says those two are apart: not two different operators, not two different countries, not
 * placed certainly more than `apartKm` apart (unless both are one operator's in one country, or the
 * database names no operator and both are in one country). Databases place a home's IPv4 and IPv6
 * networks separately, often hundreds of kilometres apart (an operator's IPv6 at its hub, or in
 * another city of the country) or not at all. A second household whose home is linked across
 * families already (its own dual-stack home) never pairs. Nor does an IPv4-only household where a
 * phone or tablet is used (`handheld`): a phone uses a home's IPv6 whenever the home has it (and a
 * phone of a dual-stack home is seen on both halves, which joins them), so a phone seen there on
 * IPv4 only says the home has no IPv6: it is a home of its own, not the IPv4 half of another.
 */
export function mayBeOneHome(a: Set<Place>, b: Set<Place>, apartKm: number, handheld?: ReadonlySet<string>): boolean {
  const family = (p: Place) => (p.networks.every((n) => n.includes(':')) ? 'v6' : p.networks.some((n) => n.includes(':')) ? 'dual' : 'v4');
  // A home whose IPv4 line takes another network every day (a daily reconnect) shows each network on one day only.
  const main = (h: Set<Place>, v6: boolean) => [...h].filter((p) => p.networks.some((n) => n.includes(':') === v6) && (mayBeHome(p) || daysOf(h) >= 2)).sort((x, y) => y.days.length - x.days.length)[0];
  for (const [six, four] of [[a, b], [b, a]] as const) {
    const q = main(four, false);
    if (!q || family(q) !== 'v4') continue;
    // Any IPv6-only home of the other: its most used IPv6 place may be an office a phone glued a carrier's IPv6 to.
    if (handheld && handheld.size > 0 && [...four].every((p) => family(p) === 'v4') && [...four].some((p) => p.devices.some((d) => handheld.has(d)))) continue;
    if ([...six].some((p) => family(p) === 'v6' && mayBeHome(p) && mayBeTogether(p, q, apartKm))) return true;
  }
  return false;
}

/**
 * A network seen on one day only and placed no closer than a region (an unflagged carrier's) is no
 * home to pair. (A place has coordinates only from a precise location.)
 */
const mayBeHome = (place: Place): boolean => place.days.length >= 2 || place.lat !== undefined;

function mayBeTogether(p: Place, q: Place, apartKm: number): boolean {
  if (p.asn !== undefined && q.asn !== undefined && p.asn !== q.asn) return false;
  if (p.country !== undefined && q.country !== undefined && p.country !== q.country) return false;
  if (p.lat === undefined || q.lat === undefined) return true;
  // Databases often place an operator's IPv6 at its hub, hundreds of kilometres from its IPv4 homes.
  if (p.asn !== undefined && p.asn === q.asn && p.country !== undefined && p.country === q.country) return true;
  // Without an operator to tell (a city-only database), an IPv6 network's position says no more than
  // its country: databases place a home's IPv6 at its operator's hub or in another city altogether.
  if (p.asn === undefined && p.country !== undefined && p.country === q.country) return true;
  return effectiveDistanceKm({ lat: p.lat, lon: p.lon!, accuracyKm: p.accuracyKm }, { lat: q.lat, lon: q.lon!, accuracyKm: q.accuracyKm }) <= apartKm;
}

/** Distinct days a household was in use (at least 2 as soon as one of its places was). */
function daysOf(household: ReadonlySet<Place>): number {
  let first: number | undefined;
  for (const place of household) {
    for (const day of place.days) {
      if (first === undefined) first = day;
      else if (day !== first) return 2;
    }
  }
  return first === undefined ? 0 : 1;
}

/** Profiles are not regrouped once their households are asked for (until `recordAccess` changes their places). */
const memo = new WeakMap<AccountProfile, Map<Place, Set<Place>>>();

function addTo<T>(list: T[], value: T, max: number): boolean {
  if (list.includes(value)) return false;
  list.push(value);
  if (list.length > max) list.shift();
  return true;
}

/** Whether two networks belong to one household (the same place, or places joined by a device). */
export function sameHousehold(profile: AccountProfile, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (samePlace(profile, a, b)) return true;
  const households = householdsOf(profile);
  const [pa, pb] = [placeOf(profile, a), placeOf(profile, b)];
  return pa !== undefined && pb !== undefined && households.get(pa) === households.get(pb);
}

/**
 * Whether an access from `network` may be a device that replaced `device` in the same home: the
 * same network, the other IP family of the same place, a place of the household the old device
 * was used in (its last network may be a carrier's, or the home's IPv4 while the new one shows on
 * its IPv6 prefix), or a network next to its last one or to a place it was used at, whichever
 * household that network is in so far (see `isNeighbour`: the home's line renumbered by its ISP).
 */
export function sameHomeAs(profile: AccountProfile, network: string, device: { id: string; lastNetwork?: string }): boolean {
  if (network === device.lastNetwork || samePlace(profile, network, device.lastNetwork)) return true;
  if (device.lastNetwork !== undefined && isNeighbour(network, device.lastNetwork)) return true;
  const here = placeOf(profile, network);
  const household = here && householdsOf(profile).get(here);
  return profile.places.some((p) => p.devices.includes(device.id) && (household?.has(p) || p.networks.some((n) => isNeighbour(network, n))));
}

export function placeOf(profile: AccountProfile, network: string | undefined): Place | undefined {
  return network === undefined ? undefined : profile.places.find((p) => p.networks.includes(network));
}

/**
 * Whether two accesses may be one dual-stack home that a database places apart: one IPv4 and one
 * IPv6 network of the same operator.
 */
export function maybeDualStack(a: Pick<Access, 'network' | 'location'>, b: Pick<Access, 'network' | 'location'>): boolean {
  if (a.network === undefined || b.network === undefined || a.location?.asn === undefined) return false;
  return a.location.asn === b.location?.asn && a.network.includes(':') !== b.network.includes(':');
}

/**
 * Whether two networks are one place: the same network, or the IPv4 and IPv6 networks of one home.
 * (Not "one household": a copied cookie would join the places it is used from.)
 */
export function samePlace(profile: AccountProfile, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a === b || profile.places.some((p) => p.networks.includes(a) && p.networks.includes(b));
}
