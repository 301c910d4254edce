import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_DEVICE_LIMIT } from '../../src/options.js';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createCore } from './core.js';
import { PRESETS, runLab, type LabOptions, type Preset } from './lab.js';
import { markdown, type Figures } from './score.js';
import { variant } from './variants.js';

/**
 * The detection lab: a month of a simulated population played through the real core, scored.
 * `node dist/bench/detection/run.js [--accounts 2000] [--seed 1] [--variant lab|city-only|harsh|city-only-harsh|city-only-v4|alt-cities] [--monitor] [--preset all|lenient|default|strict] [--devices 10] [--mobile N] [--jobs N] [--json figures.json] [--list]`
 * (`--list` also prints, on stderr, the accounts behind the misses, to look at with `inspect.js --account`).
 * Prints markdown (for BENCHMARKS.md) on stdout, timing on stderr. Presets run in parallel worker
 * threads (`--jobs`, default: one per core); each builds the same population from the seed.
 */
if (!isMainThread) {
  parentPort!.postMessage(await runLab(workerData as LabOptions));
} else {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      preset: { type: 'string', default: 'all' },
      devices: { type: 'string', default: String(DEFAULT_DEVICE_LIMIT) },
      mobile: { type: 'string' },
      help: { type: 'boolean', default: false },
      jobs: { type: 'string', default: String(availableParallelism()) },
      json: { type: 'string' },
      list: { type: 'boolean', default: false },
      variant: { type: 'string', default: 'lab' },
      monitor: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'node dist/bench/detection/run.js [--accounts 2000] [--seed 1] [--variant lab|city-only|harsh|city-only-harsh|city-only-v4|alt-cities]\n' +
        '  [--preset all|lenient|default|strict] [--devices 10] [--mobile N] [--monitor] [--jobs N] [--json figures.json] [--list]\n' +
        '  --devices, --mobile: the plan limits (`limits: { devices, mobile }`), to measure what a limit costs honest accounts.\n',
    );
    process.exit(0);
  }
  const accounts = Number(values.accounts);
  const seed = Number(values.seed);
  const jobs = Number(values.jobs);
  const devices = Number(values.devices);
  if (!Number.isInteger(devices) || devices < 1) throw new Error(`--devices must be a whole number ≥ 1, got ${values.devices}`);
  const mobile = values.mobile === undefined ? undefined : Number(values.mobile);
  if (mobile !== undefined && (!Number.isInteger(mobile) || mobile < 1)) throw new Error(`--mobile must be a whole number ≥ 1, got ${values.mobile}`);
  if (!Number.isInteger(accounts) || accounts < 16) throw new Error(`--accounts must be a whole number ≥ 16, got ${values.accounts}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be a whole number, got ${values.seed}`);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a whole number ≥ 1, got ${values.jobs}`);
  let presets: Preset[] = values.preset === 'all' ? [...PRESETS] : [values.preset as Preset];
  if (!presets.every((p) => PRESETS.includes(p))) throw new Error(`--preset must be all, ${PRESETS.join(', ')}; got ${values.preset}`);

  // A core without tolerance presets runs once, on its defaults.
  const probe = await createCore('default', Date.now, () => undefined);
  await probe.guard.close();
  if (!probe.support.tolerance) presets = ['default'];
  presets.sort((a, b) => PRESETS.indexOf(a) - PRESETS.indexOf(b));

  const started = performance.now();
  const figures = await inParallel(presets.map((preset) => ({ accounts, seed, devices, ...(mobile !== undefined ? { mobile } : {}), presets: [preset], variant: variant(values.variant!).name, monitor: values.monitor! })), jobs);
  // The target preset first.
  figures.sort((a, b) => (a.preset === 'default' ? -1 : b.preset === 'default' ? 1 : PRESETS.indexOf(a.preset) - PRESETS.indexOf(b.preset)));
  process.stdout.write(markdown(figures));
  process.stderr.write(`detection lab: ${figures.length} preset(s), ${accounts} accounts, seed ${seed}, world ${values.variant}${values.monitor ? ', monitor mode' : ''}, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  if (values.list) {
    for (const f of figures) {
      for (const m of f.misses.honest) process.stderr.write(`${f.preset} honest challenged: ${m.id} ${m.archetype} [${m.checks.join(', ')}]\n`);
      for (const m of f.misses.sharing) process.stderr.write(`${f.preset} sharer missed: ${m.id} ${m.archetype}\n`);
    }
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
}

/** Run each lab in a worker thread, at most `jobs` at a time. */
async function inParallel(labs: LabOptions[], jobs: number): Promise<Figures[]> {
  if (labs.length === 1 || jobs === 1) {
    const results: Figures[] = [];
    for (const lab of labs) results.push(...(await runLab(lab)));
    return results;
  }
  const results: Figures[] = [];
  const queue = [...labs];
  const worker = async (): Promise<void> => {
    for (let lab = queue.shift(); lab; lab = queue.shift()) {
      const thread = new Worker(new URL(import.meta.url), { workerData: lab });
      results.push(
        ...(await new Promise<Figures[]>((resolve, reject) => {
          thread.once('message', resolve);
          thread.once('error', reject);
          thread.once('exit', (code) => code !== 0 && reject(new Error(`detection lab worker exited with ${code}`)));
        })),
      );
      await thread.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, labs.length) }, worker));
  return results;
}
