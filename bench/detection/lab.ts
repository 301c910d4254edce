import { DEFAULT_DEVICE_LIMIT } from '../../src/options.js';
import type { MemoryStore } from '../../src/index.js';
import { createCore, PRESETS, type Core, type Preset } from './core.js';
import { buildPopulation } from './population.js';
import { score, type CostFigures, type Figures } from './score.js';
import { simulate, type DecisionCost } from './simulate.js';
import { variant } from './variants.js';
import { World } from './world.js';

export interface LabOptions {
  accounts: number;
  seed: number;
  /** Presets to run; those the core does not support are skipped (then only its defaults run). */
  presets: readonly Preset[];
  /** The plan's device limit (`limits.devices`). Default: sharelock's, 10. */
  devices?: number;
  /** The plan's phone limit (`limits.mobile`). Default: none. */
  mobile?: number;
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
    const heapBefore = heapUsed();
    const devices = options.devices ?? DEFAULT_DEVICE_LIMIT;
    // Held only here, so that once closed and dropped the core's heap can be told from the lab's.
    let core: Core | undefined = await createCore(preset, () => clock.at, world.geo.lookup, devices, options.monitor === true, options.mobile);
    const { support } = core;
    // Without presets every run would be the same: run the core's defaults once.
    if (!support.tolerance && results.length > 0) {
      await core.guard.close();
      break;
    }
    try {
      const cost: DecisionCost = { uncachedMs: [], cachedMs: 0, cached: 0, devices: 0 };
      const outcomes = await simulate(plans, core.guard, support, clock, undefined, { cost });
      world.geo.forget();
      const heapAfter = heapUsed();
      await core.guard.close();
      // The store is weighed apart: first everything but the store is dropped, then the store.
      let store: MemoryStore | undefined = core.store;
      core = undefined;
      const heapStoreOnly = heapUsed();
      await store.close(); // a store the app passed is the app's to close (its sweep timer holds it)
      store = undefined;
      const heapWithoutCore = heapUsed();
      results.push(score(outcomes, { preset: support.tolerance ? preset : 'default', seed: options.seed, variant: world.variant.name, monitor: options.monitor === true, devices, ...(options.mobile !== undefined ? { mobile: options.mobile } : {}), support, seconds: (performance.now() - started) / 1000, cost: costFigures(cost, heapBefore, heapAfter, heapWithoutCore, heapStoreOnly) }));
    } finally {
      await core?.guard.close();
      await core?.store.close();
    }
  }
  return results;
}

export { PRESETS, type Preset };

/** Heap in use after a full collection, when the lab runs with `node --expose-gc`. */
function heapUsed(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function costFigures(cost: DecisionCost, before: number | undefined, after: number | undefined, withoutCore: number | undefined, storeOnly: number | undefined): CostFigures {
  const q = (p: number) => cost.uncachedMs[Math.min(cost.uncachedMs.length - 1, Math.floor(p * cost.uncachedMs.length))] ?? 0;
  const mean = cost.uncachedMs.reduce((a, b) => a + b, 0) / Math.max(1, cost.uncachedMs.length);
  return {
    uncached: cost.uncachedMs.length,
    uncachedMeanUs: Math.round(mean * 1000),
    uncachedP50Us: Math.round(q(0.5) * 1000),
    uncachedP99Us: Math.round(q(0.99) * 1000),
    cached: cost.cached,
    cachedMeanUs: Math.round((1000 * cost.cachedMs) / Math.max(1, cost.cached)),
    devices: cost.devices,
    ...(before !== undefined && after !== undefined ? { heapBytesPerDevice: Math.round((after - before) / Math.max(1, cost.devices)) } : {}),
    ...(after !== undefined && withoutCore !== undefined ? { coreHeapBytesPerDevice: Math.round((after - withoutCore) / Math.max(1, cost.devices)) } : {}),
    ...(storeOnly !== undefined && withoutCore !== undefined ? { storeHeapBytesPerDevice: Math.round((storeOnly - withoutCore) / Math.max(1, cost.devices)) } : {}),
  };
}
