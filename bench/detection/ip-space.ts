import type { Random } from './random.js';

// Plain global-unicast first octets: no private, CGNAT (100.64/10), loopback, link-local,
// documentation or reserved ranges, so the core treats every simulated address as public.
const V4_FIRST = [
  ...range(2, 9), ...range(11, 99), ...range(101, 126), ...range(128, 168), 170, 171,
  ...range(173, 191), ...range(193, 197), ...range(199, 202), ...range(204, 223),
];
// Real regional-registry /16s of 2000::/3 (not 2001:db8, the documentation prefix).
const V6_FIRST = [0x2003, 0x2400, 0x2401, 0x2404, 0x2600, 0x2601, 0x2602, 0x2603, 0x2604, 0x2605, 0x2607, 0x2800, 0x2803, 0x2a00, 0x2a01, 0x2a02, 0x2a03, 0x2a04, 0x2a05, 0x2c0f];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Hands out distinct public address blocks, as registries hand them to ISPs, carriers and hosts. */
export class IpSpace {
  readonly #random: Random;
  readonly #used = new Set<string>();

  constructor(random: Random) {
    this.#random = random;
  }

  /** A fresh IPv4 /16, as `'a.b'`. */
  v4Block16(): string {
    for (;;) {
      const block = `${this.#random.pick(V4_FIRST)}.${this.#random.int(0, 255)}`;
      if (!this.#used.has(block)) {
        this.#used.add(block);
        return block;
      }
    }
  }

  /** A fresh IPv6 /32, as `'x:y'`. */
  v6Block32(): string {
    for (;;) {
      const block = `${this.#random.pick(V6_FIRST).toString(16)}:${this.#random.int(0, 0xffff).toString(16)}`;
      if (!this.#used.has(block)) {
        this.#used.add(block);
        return block;
      }
    }
  }
}

/** The /24s of a /16, as `'a.b.c'`, in a shuffled order so neighbours are not always adjacent. */
export function v4Blocks24(block16: string, count: number, random: Random): string[] {
  return random.shuffle(range(0, 255)).slice(0, count).map((c) => `${block16}.${c}`);
}

/** A host address in a /24. */
export function v4Host(block24: string, random: Random): string {
  return `${block24}.${random.int(1, 254)}`;
}

/** `n` random hextets (no leading zeros, as ipaddr.js prints them). */
export function hextets(n: number, random: Random): string {
  return Array.from({ length: n }, () => random.int(0, 0xffff).toString(16)).join(':');
}

/** Hextets from a 32-bit hash pair, for addresses that must not depend on draw order. */
export function hashHextets(a: number, b: number): string {
  return [a >>> 16, a & 0xffff, b >>> 16, b & 0xffff].map((x) => x.toString(16)).join(':');
}
