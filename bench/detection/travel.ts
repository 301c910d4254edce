import { HOUR, MINUTE, distanceKm, localTime, type City } from './cities.js';
import type { SimDevice } from './device.js';
import type { Network } from './networks.js';
import type { Random } from './random.js';
import { session, type Person, type Session } from './schedule.js';
import type { World } from './world.js';

export interface Trip {
  to: City;
  /** Local day of departure. */
  day: number;
  nights: number;
  /** Where they sleep: a hotel, or someone's home. */
  lodging: Network;
  /** Chance of buying in-flight Wi-Fi on each flight. */
  inflightWifi?: number;
  /** Buys a local SIM or eSIM instead of roaming (roaming is routed through the home country). */
  localSim?: boolean;
}

/**
 * Add a trip to a person's stays: the journey (no routine sessions; a plane beyond 700 km at about
 * 820 km/h plus taxiing, else a train), the stay, and the way back. Returns the extra sessions it
 * brings: the phone at the airport, in-flight Wi-Fi on a laptop or phone, the phone on arrival.
 */
export function addTrip(person: Person, trip: Trip, devices: SimDevice[], world: World, random: Random, counter: Map<SimDevice, number>): Session[] {
  const km = distanceKm(person.city, trip.to);
  const flying = km > 700;
  const hours = flying ? km / 820 + 0.7 : km / 110 + 0.5;
  const out = localTime(person.city.tz, trip.day, random.uniform(7, 19));
  const back = localTime(trip.to.tz, trip.day + trip.nights, random.uniform(8, 18));
  const localCarrier = trip.localSim && trip.to.country !== person.city.country ? world.carrier(trip.to.country, random) : undefined;
  person.stays.push(
    { from: out - 2 * HOUR, to: out + hours * HOUR, kind: 'transit', city: trip.to, network: person.carrier },
    { from: out + hours * HOUR, to: back - 2 * HOUR, kind: 'away', city: trip.to, network: trip.lodging, ...(localCarrier ? { localCarrier } : {}) },
    { from: back - 2 * HOUR, to: back + hours * HOUR, kind: 'transit', city: person.city, network: person.carrier },
  );
  person.stays.sort((a, b) => a.from - b.from);

  const sessions: Session[] = [];
  const phone = devices.find((d) => d.profile.type === 'mobile');
  const laptop = devices.find((d) => d.profile.type === 'computer' && d.portable) ?? devices.find((d) => d.profile.type === 'tablet');
  for (const [departure, from, to] of [[out, person.city, trip.to], [back, trip.to, person.city]] as const) {
    if (phone && random.chance(0.4)) sessions.push(session(phone, departure - 80 * MINUTE, random.uniform(8, 30), from === person.city ? person.carrier : (localCarrier ?? person.carrier), counter));
    if (flying && hours >= 1.5 && random.chance(trip.inflightWifi ?? 0)) {
      const device = laptop && random.chance(0.6) ? laptop : phone;
      if (device) sessions.push(session(device, departure + HOUR, Math.min(hours * 60 - 90, random.logNormal(70, 0.4)), inflightFor(world, from, to), counter));
    }
    if (phone && random.chance(0.5)) {
      const carrier = to === person.city ? person.carrier : (localCarrier ?? person.carrier);
      sessions.push(session(phone, departure + hours * HOUR + random.uniform(10, 60) * MINUTE, random.uniform(5, 25), carrier, counter));
    }
  }
  return sessions;
}

/** The in-flight provider of a route: American, European or Asian airlines. */
function inflightFor(world: World, a: City, b: City): Network {
  const continents = new Set([a.continent, b.continent]);
  if (continents.has('north-america') || continents.has('south-america')) return world.inflight[a.name < b.name ? 0 : 1]!;
  if (continents.has('asia') || continents.has('oceania')) return world.inflight[3]!;
  return world.inflight[2]!;
}
