import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { AccessLine } from '../../src/cli/access-log.js';
import { createCore, PRESETS, type Preset } from './core.js';
import { buildPopulation } from './population.js';
import { simulate, type RequestTrace } from './simulate.js';
import { World } from './world.js';

export interface LabLog {
  /** Every request of the month, in time order, as `sharelock replay` reads it. */
  lines: AccessLine[];
  /** What the lab's core decided for each line, in the same order. */
  decisions: RequestTrace[];
}

/**
 * The lab's month as an access log: the population played through the core with nobody answering
 * a challenge (`passive`), each request written as a JSON Lines record (docs/cli.md), with the
 * location the lab's geolocation database gives its address. `sharelock replay` on these lines
 * must decide exactly what the lab decided in-process (test/cli/replay.test.ts).
 */
export async function labAccessLog(options: { accounts: number; seed: number; preset?: Preset }): Promise<LabLog> {
  const world = new World(options.seed);
  const plans = buildPopulation(world, options.seed, options.accounts);
  const clock = { at: 0 };
  const { guard, support } = await createCore(options.preset ?? 'default', () => clock.at, world.geo.lookup);
  const lines: AccessLine[] = [];
  const decisions: RequestTrace[] = [];
  // A device key names a lab device; each time it lost its cookie it is a new browser profile to the core.
  const generations = new Map<string, number>();
  try {
    await simulate(plans, guard, support, clock, (event) => {
      const key = event.session.device.key;
      const { headers } = event.request;
      if (headers.cookie === undefined) generations.set(key, (generations.get(key) ?? 0) + 1);
      const location = world.geo.lookup(event.ip);
      const hints = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('sec-ch-ua')).map(([name, value]) => [name, String(value)]));
      const { id, plan, limits } = event.identity;
      lines.push({
        time: new Date(event.at).toISOString(),
        account: id,
        device: `${key}#${generations.get(key)}`,
        userAgent: String(headers['user-agent'] ?? ''),
        ip: event.ip,
        ...(location ? { location } : {}),
        path: event.request.path,
        ...(plan !== undefined ? { plan } : {}),
        ...(limits ? { limits } : {}),
        ...(Object.keys(hints).length > 0 ? { headers: hints } : {}),
      });
      decisions.push(event);
    }, { passive: true });
  } finally {
    await guard.close();
  }
  return { lines, decisions };
}

/**
 * `node dist/bench/detection/log.js [--accounts 200] [--seed 1] [--preset default] [--out access.jsonl]`:
 * write the lab's month as an access log, then `npx sharelock replay access.jsonl`.
 */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { accounts: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' }, preset: { type: 'string', default: 'default' }, out: { type: 'string' } } });
  if (!PRESETS.includes(values.preset as Preset)) throw new Error(`--preset must be one of ${PRESETS.join(', ')}; got ${values.preset}`);
  const { lines } = await labAccessLog({ accounts: Number(values.accounts), seed: Number(values.seed), preset: values.preset as Preset });
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  for (const line of lines) out.write(`${JSON.stringify(line)}\n`);
  if (values.out) out.end();
  process.stderr.write(`${lines.length} requests of ${values.accounts} accounts written${values.out ? ` to ${values.out}` : ''}.\n`);
}
