import ipaddr from 'ipaddr.js';

/** A list entry: a value, or a value that stops applying at `expiresAt` (ms since the epoch). */
export type ListEntry = string | { value: string; expiresAt?: number };

export interface ListSpec {
  accounts?: ListEntry[];
  devices?: ListEntry[];
  /** Addresses or CIDR ranges, IPv4 or IPv6. */
  ips?: ListEntry[];
  /** ISO 3166-1 alpha-2 codes. */
  countries?: ListEntry[];
}

interface Compiled {
  accounts: Map<string, number>;
  devices: Map<string, number>;
  countries: Map<string, number>;
  ranges: Array<{ range: [ipaddr.IPv4 | ipaddr.IPv6, number]; expiresAt: number }>;
}

/** The subject of one request, checked against a list. */
export interface ListSubject {
  accountId: string;
  deviceId: string;
  ip?: string;
  country?: string;
}

/** An allow or deny list, compiled once. Throws a message naming the bad entry. */
export class AccessList {
  readonly #compiled: Compiled;

  constructor(option: string, spec: ListSpec) {
    const map = (key: 'accounts' | 'devices' | 'countries') =>
      new Map((spec[key] ?? []).map((entry, i) => {
        const { value, expiresAt } = normalise(`${option}.${key}[${i}]`, entry);
        return [key === 'countries' ? value.toUpperCase() : value, expiresAt] as const;
      }));
    this.#compiled = {
      accounts: map('accounts'),
      devices: map('devices'),
      countries: map('countries'),
      ranges: (spec.ips ?? []).map((entry, i) => {
        const { value, expiresAt } = normalise(`${option}.ips[${i}]`, entry);
        try {
          const range = value.includes('/') ? ipaddr.parseCIDR(value) : ([ipaddr.parse(value), ipaddr.parse(value).kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number]);
          return { range, expiresAt };
        } catch {
          throw new Error(`\`${option}.ips[${i}]\` is ${JSON.stringify(value)}, not an IP address or CIDR range.`);
        }
      }),
    };
  }

  /** Which kind of entry matched this subject now, if any: `accounts`, `devices`, `ips` or `countries`. */
  match(subject: ListSubject, now: number): string | undefined {
    const live = (expiresAt: number | undefined) => expiresAt !== undefined && expiresAt > now;
    if (live(this.#compiled.accounts.get(subject.accountId))) return 'accounts';
    if (live(this.#compiled.devices.get(subject.deviceId))) return 'devices';
    if (subject.country && live(this.#compiled.countries.get(subject.country))) return 'countries';
    if (subject.ip && this.#compiled.ranges.length > 0 && ipaddr.isValid(subject.ip)) {
      const address = ipaddr.parse(subject.ip);
      for (const { range, expiresAt } of this.#compiled.ranges) {
        if (expiresAt > now && address.kind() === range[0].kind() && address.match(range)) return 'ips';
      }
    }
    return undefined;
  }
}

function normalise(option: string, entry: ListEntry): { value: string; expiresAt: number } {
  const value = typeof entry === 'string' ? entry : entry?.value;
  const expiresAt = typeof entry === 'string' ? Infinity : (entry?.expiresAt ?? Infinity);
  if (typeof value !== 'string' || value.length === 0 || typeof expiresAt !== 'number') {
    throw new Error(`\`${option}\` must be a string or { value, expiresAt? }, got ${JSON.stringify(entry)}.`);
  }
  return { value, expiresAt };
}
