import { ARCHETYPES, type Archetype } from './archetypes.js';
import { AccountBuilder, type AccountPlan } from './builder.js';
import { Random } from './random.js';
import type { World } from './world.js';

/**
 * `accounts` accounts split across the archetypes by weight (largest remainder, at least one each, so a
 * small run still has every archetype), in a seeded random order; each account drawn from its own stream.
 */
export function buildPopulation(world: World, seed: number, accounts: number): AccountPlan[] {
  const random = new Random(seed).fork('population');
  const kinds = random.shuffle(allocate(accounts, world.variant.weights ?? {}));
  return kinds.map((archetype, i) => {
    const id = `acct-${String(i + 1).padStart(5, '0')}`;
    const builder = new AccountBuilder(world, new Random(seed).fork(`account-${i}-${archetype.name}`), id);
    archetype.build(builder);
    return builder.build(archetype.name, archetype.sharing);
  });
}

function allocate(accounts: number, scale: Readonly<Record<string, number>>): Archetype[] {
  if (accounts < ARCHETYPES.length) throw new Error(`At least ${ARCHETYPES.length} accounts are needed, one per archetype.`);
  const weight = (a: Archetype) => a.weight * (scale[a.name] ?? 1);
  const total = ARCHETYPES.reduce((sum, a) => sum + weight(a), 0);
  const exact = ARCHETYPES.map((a) => Math.max(1, (weight(a) / total) * accounts));
  const counts = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0, left = accounts - counts.reduce((a, b) => a + b, 0); left > 0; k = (k + 1) % order.length, left--) counts[order[k]![1]]!++;
  // Only when the minimum of one per archetype overshoots: take from the largest.
  while (counts.reduce((a, b) => a + b, 0) > accounts) counts[counts.indexOf(Math.max(...counts))]!--;
  return ARCHETYPES.flatMap((a, i) => Array.from({ length: counts[i]! }, () => a));
}
