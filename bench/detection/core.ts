import { DEFAULT_DEVICE_LIMIT } from '../../src/options.js';
import { createSharelock, MemoryStore, SharelockError, type Identity, type Options, type Sharelock } from '../../src/index.js';
import type { GeoRecord } from './geo.js';

export type Preset = 'lenient' | 'default' | 'strict';
export const PRESETS: readonly Preset[] = ['lenient', 'default', 'strict'];

/** What the core under test supports; the lab uses each part only when it exists. */
export interface CoreSupport {
  /** `geo: { lookup }` accepted: the core sees the simulated geolocation database. */
  geo: boolean;
  /** `tolerance` presets accepted. */
  tolerance: boolean;
  /** A per-account people limit (`identify().limits.people`) accepted. */
  peopleLimit: boolean;
  notes: string[];
}

export const SECRET = 'sharelock-detection-lab-secret-0123456789';
const silent = { warn: () => undefined, error: () => undefined };

export interface Core {
  guard: Sharelock<Identity>;
  /** The guard's store (the default, made here so the lab can weigh it apart from the rest of the core). */
  store: MemoryStore;
  support: CoreSupport;
}

/**
 * The real core as an app would configure it for a paid plan of `devices` devices (sharelock's default, 10), with the lab's clock and
 * geolocation. Options the core does not know yet are dropped (unknown options throw
 * `SHARELOCK_E_OPTION_UNKNOWN`), so the lab runs against today's core and picks up new ones as they land.
 */
export async function createCore(preset: Preset, now: () => number, lookup: (ip: string) => GeoRecord | undefined, devices = DEFAULT_DEVICE_LIMIT, monitor = false, mobile?: number): Promise<Core> {
  const notes: string[] = [];
  const extras: Record<string, unknown> = { geo: { lookup }, tolerance: preset };
  const base = { secret: SECRET, identify: (identity: Identity) => identity, limits: { devices, ...(mobile !== undefined ? { mobile } : {}) }, now, trustProxy: true, cache: { allowTtlMs: 30_000 }, logger: silent, production: false, ...(monitor ? { monitor: true } : {}) };
  for (;;) {
    try {
      const store = new MemoryStore();
      const guard = createSharelock<Identity>({ ...base, ...extras, store } as Options<Identity>);
      const support: CoreSupport = { geo: 'geo' in extras, tolerance: 'tolerance' in extras, peopleLimit: false, notes };
      if (support.geo && !('geo' in guard.config)) notes.push('`geo` was accepted but `guard.config.geo` is missing; check the option still means `{ lookup }`.');
      support.peopleLimit = await probePeopleLimit(base);
      return { guard, store, support };
    } catch (error) {
      const rejected = error instanceof SharelockError && (error.code === 'SHARELOCK_E_OPTION_UNKNOWN' || error.code === 'SHARELOCK_E_OPTION_INVALID')
        ? Object.keys(extras).find((key) => error.message.includes(`\`${key}`))
        : undefined;
      if (!rejected) throw error;
      notes.push(`\`${rejected}\` not supported by this core (${(error as SharelockError).code}); running without it.`);
      delete extras[rejected];
    }
  }
}

/** Whether `identify()` may return `limits.people`: an unknown limit makes identify fail, counted in stats. */
async function probePeopleLimit(base: object): Promise<boolean> {
  const probe = createSharelock<Identity>(base as Options<Identity>);
  const identity = { id: 'probe', limits: { devices: 10, people: 5 } } as unknown as Identity;
  try {
    await probe.decide({ method: 'GET', path: '/watch/1', url: '/watch/1', headers: { host: 'localhost' }, remoteAddress: '127.0.0.1', https: false }, identity);
    return probe.stats().identifyFailures === 0;
  } finally {
    await probe.close();
  }
}
