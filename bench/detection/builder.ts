import { computerAgent, phoneAgent, tabletAgent, tvAgent, type AgentName } from './agents.js';
import type { City } from './cities.js';
import { SimDevice, type DeviceOptions, type Role } from './device.js';
import type { Network } from './networks.js';
import type { Random } from './random.js';
import { mergeOverlaps, sessionsOf, type Habit, type Person, type Session } from './schedule.js';
import { addTrip, type Trip } from './travel.js';
import type { World } from './world.js';

/** What the app's `identify()` returns for the account, and the plan's limits. */
export interface SimIdentity {
  id: string;
  email: string;
  plan: string;
  limits?: { devices: number };
  /** The plan's people limit (family plans), passed to the core only when it supports one. */
  people?: number;
}

/** One simulated account, ready to play: its devices and every session of the month. */
export interface AccountPlan {
  id: string;
  archetype: string;
  sharing: boolean;
  identity: SimIdentity;
  devices: SimDevice[];
  sessions: Session[];
  /** Local day the sharing starts (sharing accounts). */
  shareDay?: number;
}

/** Assembles an account: people, their homes and devices, habits and trips; then draws the month. */
export class AccountBuilder {
  readonly people: Person[] = [];
  readonly devices: SimDevice[] = [];
  readonly #extra: Session[] = [];
  readonly #counter = new Map<SimDevice, number>();
  #plan = 'standard';
  #limits: SimIdentity['limits'];
  #peopleLimit: number | undefined;
  // Device keys seed every per-device hash (addresses, sessions): salted so another seed gives another month.
  readonly #salt: string;
  shareDay: number | undefined;

  constructor(
    readonly world: World,
    readonly random: Random,
    readonly id: string,
  ) {
    this.#salt = random.hex(6);
  }

  plan(name: string, limits?: { devices: number }, people?: number): void {
    this.#plan = name;
    this.#limits = limits;
    this.#peopleLimit = people;
  }

  person(role: Role, city: City, home: Network, options: { work?: Network; activity?: number; wifiOff?: number; activeDay?: (day: number) => boolean } = {}): Person {
    const person: Person = {
      name: `p${this.people.length + 1}`,
      role,
      city,
      home,
      carrier: this.world.carrier(city.country, this.random),
      ...(options.work ? { work: options.work } : {}),
      habits: [],
      stays: [],
      activity: options.activity ?? Math.min(1.8, Math.max(0.4, this.random.logNormal(1, 0.35))),
      activeDay: options.activeDay ?? (() => true),
      wifiOff: options.wifiOff ?? this.random.uniform(0.03, 0.15),
    };
    this.people.push(person);
    return person;
  }

  device(person: Person, agent: AgentName, options: Partial<Omit<DeviceOptions, 'key' | 'agent' | 'role' | 'person'>> = {}): SimDevice {
    const device = new SimDevice(
      {
        key: `${this.id}/${this.#salt}/${person.name}/d${this.devices.length + 1}`,
        agent,
        role: person.role,
        person: person.name,
        portable: options.portable ?? true,
        ...options,
      },
      this.random.fork(`device-${this.devices.length}`),
    );
    this.devices.push(device);
    return device;
  }

  phone(person: Person, options: Partial<DeviceOptions> = {}): SimDevice {
    return this.device(person, phoneAgent(this.random, person.city.country), options);
  }

  laptop(person: Person, options: Partial<DeviceOptions> = {}): SimDevice {
    return this.device(person, computerAgent(this.random), options);
  }

  desktop(person: Person, options: Partial<DeviceOptions> = {}): SimDevice {
    return this.device(person, this.random.weighted<AgentName>([['windowsChrome', 60], ['windowsEdge', 20], ['windowsFirefox', 10], ['macChrome', 10]]), { portable: false, ...options });
  }

  tablet(person: Person, options: Partial<DeviceOptions> = {}): SimDevice {
    return this.device(person, tabletAgent(this.random), options);
  }

  tv(person: Person, options: Partial<DeviceOptions> = {}): SimDevice {
    return this.device(person, tvAgent(this.random), { portable: false, ...options });
  }

  habits(person: Person, habits: Habit[]): void {
    person.habits.push(...habits);
  }

  trip(person: Person, trip: Trip, devices: SimDevice[]): void {
    this.#extra.push(...addTrip(person, trip, devices, this.world, this.random, this.#counter));
  }

  /** A one-off session outside the routine (an evening at a friend's). */
  once(device: SimDevice, start: number, minutes: number, network: Network): void {
    this.#extra.push({ key: `${device.key}#x${this.#extra.length}`, device, start, end: start + minutes * 60_000, network, gapMs: device.profile.type === 'tv' ? 12 * 60_000 : 5 * 60_000 });
  }

  build(archetype: string, sharing: boolean): AccountPlan {
    const sessions = this.people.flatMap((p, i) => sessionsOf(p, this.random.fork(`sessions-${i}`), this.#counter));
    const identity: SimIdentity = {
      id: this.id,
      email: `${this.id}@example.com`,
      plan: this.#plan,
      ...(this.#limits ? { limits: this.#limits } : {}),
      ...(this.#peopleLimit !== undefined ? { people: this.#peopleLimit } : {}),
    };
    return {
      id: this.id,
      archetype,
      sharing,
      identity,
      devices: this.devices,
      sessions: mergeOverlaps([...sessions, ...this.#extra]),
      ...(this.shareDay !== undefined ? { shareDay: this.shareDay } : {}),
    };
  }
}
