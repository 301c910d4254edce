import { parseArgs } from 'node:util';
import { createCore } from './core.js';
import { buildPopulation } from './population.js';
import { simulate } from './simulate.js';
import { variant } from './variants.js';
import { World } from './world.js';
import type { AccountProfile } from '../../src/signals/households.js';

/**
 * One account's month, request by request: where each device really was, what address and geolocation
 * the core saw, and the verdict. For tuning signals against a case the scorer flags.
 * `node dist/bench/detection/inspect.js --account acct-00042 [--accounts 2000] [--seed 1] [--variant lab] [--preset default] [--devices N] [--mobile N] [--all]`
 * (`--all` prints every request, otherwise only session starts and verdicts other than allow;
 * `--places` prints the account's places after each challenge and at the end).
 */
const { values } = parseArgs({
  options: {
    account: { type: 'string' },
    accounts: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'default' },
    all: { type: 'boolean', default: false },
    places: { type: 'boolean', default: false },
    variant: { type: 'string', default: 'lab' },
    devices: { type: 'string' },
    mobile: { type: 'string' },
  },
});
const seed = Number(values.seed);
const world = new World(seed, variant(values.variant!));
const plans = buildPopulation(world, seed, Number(values.accounts));
const plan = plans.find((p) => p.id === values.account) ?? plans[0]!;
console.log(`${plan.id}: ${plan.archetype}${plan.sharing ? ` (sharing from local day ${plan.shareDay})` : ''}, plan ${plan.identity.plan}`);
for (const d of plan.devices) console.log(`  ${d.key.split('/').slice(2).join('/')}  ${d.role.padEnd(6)} ${d.profile.name}${d.clearing.every !== 'never' ? `, clears cookies every ${d.clearing.every === 'session' ? 'session' : `${d.clearing.min}–${d.clearing.max} days`}` : ''}`);
const clock = { at: 0 };
const { guard, support } = await createCore(values.preset as 'default', () => clock.at, world.geo.lookup, values.devices === undefined ? undefined : Number(values.devices), false, values.mobile === undefined ? undefined : Number(values.mobile));
// The household model as the core last saved it, to show what a challenge was based on.
let profile: unknown;
const store = guard.config.store;
const save = store.saveProfile!.bind(store);
store.saveProfile = async (accountId, value) => {
  profile = structuredClone(value);
  return save(accountId, value);
};
const started = new Set<string>();
await simulate([plan], guard, support, clock, (e) => {
  const first = !started.has(e.session.key);
  started.add(e.session.key);
  if (!values.all && !first && e.verdict === 'allow') return;
  const geo = world.geo.lookup(e.ip);
  const where = geo ? `${geo.city ?? geo.country ?? '?'}${geo.accuracyKm ? ` ±${geo.accuracyKm}km` : ''}${geo.hosting ? ' hosting' : ''}${geo.mobile ? ' mobile' : ''}` : 'no geo';
  const when = new Date(e.at).toISOString().slice(5, 16).replace('T', ' ');
  console.log(`${when}Z ${e.session.device.key.split('/').slice(2).join('/').padEnd(7)} ${e.session.network.kind.padEnd(9)} ${e.ip.padEnd(39)} ${where.padEnd(34)} ${e.verdict}${e.checks.length ? ` [${e.checks.join(', ')}]` : ''}`);
  if (values.places && e.verdict !== 'allow') printPlaces(profile as AccountProfile | undefined);
});
if (values.places) {
  console.log('at the end of the month:');
  printPlaces(profile as AccountProfile | undefined);
}
await guard.close();

function printPlaces(saved: AccountProfile | undefined): void {
  const at = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');
  for (const p of saved?.places ?? []) {
    const where = p.lat === undefined ? p.country ?? '?' : `${p.lat.toFixed(1)},${p.lon!.toFixed(1)} ±${p.accuracyKm ?? 0}km`;
    console.log(`    place ${p.networks.join(' ')}  asn ${p.asn ?? '?'} ${where}  devices ${p.devices.map((d) => d.slice(0, 6)).join(',')}  days ${p.days.length} overlap ${p.overlapDays.length}  last ${at(p.lastSeen)}`);
  }
  if (saved?.egress?.length) console.log(`    egress ${saved.egress.join(' ')}`);
}
