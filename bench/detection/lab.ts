import { DEFAULT_DEVICE_LIMIT } from '../../src/options.js';
import { createCore, PRESETS, type Preset } from './core.js';
import { buildPopulation } from './population.js';
import { score, type Figures } from './score.js';
import { simulate } from './simulate.js';
import { variant } from './variants.js';
import { World } from './world.js';

export interface LabOptions {
  accounts: number;
  seed: number;
  /** Presets to run; those the core does not support are skipped (then only its defaults run). */
  presets: readonly Preset[];
  /** The plan's device limit (`limits.devices`). Default: sharelock's, 10. */
  devices?: number;
  /** The world variant (`variants.ts`). Default: `lab`. */
  variant?: string;
  /**
   * Every policy only records (`monitor: true`): nobody is challenged, the traffic is the same for
   * every check, and each check's verdicts are scored on their own (`Figures.checks`).
   */
  monitor?: boolean;
}

/** Draw the population for the seed and play the month through a fresh core for each preset. */
export async function runLab(options: LabOptions): Promise<Figures[]> {
  const results: Figures[] = [];
  for (const preset of options.presets) {
    const started = performance.now();
    // A fresh world and population per run: devices carry state (cookies, patience) from their last run.
    const world = new World(options.seed, variant(options.variant ?? 'lab'));
    const plans = buildPopulation(world, options.seed, options.accounts);
    const clock = { at: 0 };
    const devices = options.devices ?? DEFAULT_DEVICE_LIMIT;
    const { guard, support } = await createCore(preset, () => clock.at, world.geo.lookup, devices, options.monitor === true);
    // Without presets every run would be the same: run the core's defaults once.
    if (!support.tolerance && results.length > 0) {
      await guard.close();
      break;
    }
    try {
      const outcomes = await simulate(plans, guard, support, clock);
      results.push(score(outcomes, { preset: support.tolerance ? preset : 'default', seed: options.seed, variant: world.variant.name, monitor: options.monitor === true, devices, support, seconds: (performance.now() - started) / 1000 }));
    } finally {
      await guard.close();
    }
  }
  return results;
}

export { PRESETS, type Preset };
