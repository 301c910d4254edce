import { AGENTS, type AgentName, type AgentProfile } from './agents.js';
import { DAY, DAYS, MONTH_START } from './cities.js';
import type { Network } from './networks.js';
import type { Random } from './random.js';

/** Whose device: the account holder, a member of their household or plan, or someone the account is shared with. */
export type Role = 'owner' | 'member' | 'sharer';

/** How often a browser profile loses its cookies: never, every few days, or every session (private browsing). */
export type Clearing = { every: 'never' } | { every: 'session' } | { every: 'days'; min: number; max: number };

export interface DeviceOptions {
  key: string;
  agent: AgentName;
  role: Role;
  person: string;
  /** Goes on trips and to other homes (phones, laptops, tablets); desktops and TVs stay. */
  portable: boolean;
  clearing?: Clearing;
  /** Days of the month it is in use (a replaced phone, a friend's TV for one evening). */
  activeFrom?: number;
  activeTo?: number;
  /** A VPN used for a share of sessions. */
  vpn?: { share: number; exit: Network };
  /** Always reaches the internet through this network (a work laptop behind an always-on corporate proxy). */
  always?: Network;
  /** A sharer who clears cookies and retries when challenged. */
  dodges?: boolean;
}

/**
 * One browser profile = one cookie jar. Holds only what a browser would: the device cookie the core set,
 * its User-Agent (updated once mid-month), and the user's cookie-clearing habit.
 */
export class SimDevice {
  readonly key: string;
  readonly profile: AgentProfile;
  readonly role: Role;
  readonly person: string;
  readonly portable: boolean;
  readonly clearing: Clearing;
  readonly activeFrom: number;
  readonly activeTo: number;
  readonly vpn: DeviceOptions['vpn'];
  readonly always: Network | undefined;
  readonly dodges: boolean;
  /** When the browser updates itself (its User-Agent changes). */
  readonly updateAt: number;
  readonly #clearAt: number[] = [];
  #nextClear = 0;
  #lastSession = '';
  /** The device cookie (`name=value`), as the browser would send it. */
  cookie: string | undefined;
  /** Sharer state: challenged and without the owner's code, so stuck until they give up. */
  blocked = false;
  blockedSessions = 0;
  gaveUp = false;

  constructor(options: DeviceOptions, random: Random) {
    this.key = options.key;
    this.profile = AGENTS[options.agent];
    this.role = options.role;
    this.person = options.person;
    this.portable = options.portable;
    this.clearing = options.clearing ?? { every: 'never' };
    this.activeFrom = options.activeFrom ?? 0;
    this.activeTo = options.activeTo ?? DAYS - 1;
    this.vpn = options.vpn;
    this.always = options.always;
    this.dodges = options.dodges ?? false;
    this.updateAt = MONTH_START + random.uniform(2, 27) * DAY;
    if (this.clearing.every === 'days') {
      let t = MONTH_START + random.uniform(0, this.clearing.max) * DAY;
      while (t < MONTH_START + (DAYS + 1) * DAY) {
        this.#clearAt.push(t);
        t += random.uniform(this.clearing.min, this.clearing.max) * DAY;
      }
    }
  }

  get v6(): boolean {
    return this.profile.v6;
  }

  headers(at: number): Readonly<Record<string, string>> {
    return this.profile.headers(at >= this.updateAt ? 1 : 0);
  }

  /** Drop the cookie when the habit says so (before a request at `at` in `session`). */
  clearIfDue(at: number, session: string): void {
    if (this.clearing.every === 'session' && session !== this.#lastSession) this.cookie = undefined;
    while (this.#nextClear < this.#clearAt.length && this.#clearAt[this.#nextClear]! <= at) {
      this.cookie = undefined;
      this.#nextClear++;
    }
    this.#lastSession = session;
  }

  isActive(day: number): boolean {
    return day >= this.activeFrom && day <= this.activeTo;
  }
}
