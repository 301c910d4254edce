/**
 * The bounded soak of test/faults/soak.test.ts, run in its own process with `--expose-gc` so the
 * heap it measures is its own: `node --expose-gc dist/test/faults/soak-child.js`. Prints one JSON
 * line (`SoakReport`). Sizes come from the environment (SOAK_CAP, SOAK_FILL_ROUNDS, SOAK_CHURN).
 *
 * Core level: `decide()` on a MemoryStore with a small `maxAccounts`, the verdict cache on, a fake
 * clock. Phase 1 fills the store to its cap with accounts at their fullest (3 attached devices, a
 * 4th challenged, 100 recent accesses); phase 2 churns far more accounts than the cap through it
 * (a drifting hot set plus one-off accounts), known and new devices, and measures the heap after GC.
 */
import { createSharelock, MemoryStore, type Identity, type RequestLike } from '../../src/index.js';
import { DeviceIdentity } from '../../src/device/identity.js';
import { FakeClock } from '../support/clock.js';

export interface SoakReport {
  cap: number;
  maxChallenges: number;
  cacheMax: number;
  decisions: { fill: number; churn: number };
  verdicts: Record<string, number>;
  cacheHits: number;
  /** Heap used after GC, in bytes: before any account, after filling the store to its cap, and at each churn checkpoint. */
  heap: { empty: number; full: number; checkpoints: number[] };
  perAccountBytes: number;
  /** Accounts the store holds at the end (each holds at least one device in this workload), and the most attached devices of any. */
  storedAccounts: number;
  mostAttached: number;
  distinctAccounts: number;
  ms: { fill: number; churn: number };
  rss: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const CAP = Number(process.env.SOAK_CAP ?? 1000);
const FILL_ROUNDS = Number(process.env.SOAK_FILL_ROUNDS ?? 34);
const CHURN = Number(process.env.SOAK_CHURN ?? 160_000);
const CHECKPOINTS = 4;
const MAX_CHALLENGES = 2 * CAP;
const CACHE_MAX = 10_000;
const HOT = Math.floor(CAP * 0.8);
const COLD_RANGE = 1_000_000;
const SLOTS = 4; // devices per account that come back; the plan allows 3, so the 4th is challenged
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0',
];

/** mulberry32: the same traffic on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const clock = new FakeClock();
const store = new MemoryStore({ maxAccounts: CAP, maxChallenges: MAX_CHALLENGES });
const guard = createSharelock<Identity | null>({
  secret: 'a-soak-secret-that-is-long-enough-0123456789',
  identify: (identity) => identity,
  limits: { devices: 3 },
  store,
  cache: { max: CACHE_MAX },
  now: clock.now,
  logger: { warn: () => {}, error: () => {} },
});
// The harness keeps no per-device state: a device's cookie is derived from (account, slot) and signed as sharelock would.
const cookies = new DeviceIdentity(guard.config);
const idOf = (account: number, slot: number) => Buffer.from(`${account.toString(36).padStart(10, '0')}${slot.toString(36).padStart(6, '0')}`).toString('base64url').slice(0, 22);
const cookieOf = (account: number, slot: number) => cookies.serialize(idOf(account, slot), false).split(';')[0]!;

const verdicts: Record<string, number> = {};
async function visit(account: number, slot: number | undefined): Promise<void> {
  const request: RequestLike = {
    method: 'GET',
    path: `/watch/${account % 97}`,
    url: `/watch/${account % 97}`,
    headers: { host: 'localhost', 'user-agent': AGENTS[(slot ?? account) % AGENTS.length]!, ...(slot === undefined ? {} : { cookie: cookieOf(account, slot) }) },
    remoteAddress: `100.${64 + ((account >> 16) & 63)}.${(account >> 8) & 255}.${account & 255}`,
    https: false,
  };
  const identity = { id: `acct-${account}`, email: `acct-${account}@example.com` };
  const decision = await guard.decide(request, identity);
  verdicts[decision.verdict.kind] = (verdicts[decision.verdict.kind] ?? 0) + 1;
}

// Warm the code paths on a few throwaway accounts, then forget them: the empty heap is measured with compiled code.
for (let i = 0; i < 2000; i++) await visit(COLD_RANGE + 10 + (i % 10), i % SLOTS);
await store.close();
for (const key of Object.keys(verdicts)) delete verdicts[key];
const empty = heapAfterGc();

// Phase 1: every account of the cap at its fullest. A round visits each device once, then 31 s pass (past cache.allowTtlMs).
let started = performance.now();
let fill = 0;
for (let round = 0; round < FILL_ROUNDS; round++) {
  for (let account = 0; account < CAP; account++) {
    for (let slot = 0; slot < SLOTS; slot++, fill++) await visit(account, slot);
  }
  clock.advance(31_000);
}
const fillMs = performance.now() - started;
const full = heapAfterGc();

// Phase 2: churn. 70% of requests from a hot set of HOT accounts drifting through new ids (so
// accounts grow heavy, then leave), 30% from one-off accounts; 5% of requests from a new browser
// (no cookie). The LRU forgets accounts throughout.
const rand = random(19);
const checkpoints: number[] = [];
let hotBase = CAP;
let highest = CAP;
started = performance.now();
for (let i = 1; i <= CHURN; i++) {
  if (i % 50 === 0) hotBase++;
  const account = rand() < 0.7 ? hotBase + Math.floor(rand() * HOT) : COLD_RANGE * 2 + Math.floor(rand() * COLD_RANGE);
  if (account < COLD_RANGE) highest = Math.max(highest, account);
  await visit(account, rand() < 0.05 ? undefined : Math.floor(rand() * SLOTS));
  clock.advance(Math.floor(rand() * 60));
  if (i % Math.floor(CHURN / CHECKPOINTS) === 0) checkpoints.push(heapAfterGc());
}
const churnMs = performance.now() - started;

// What the store holds: every id the traffic used (in this workload an account the store holds always has a device).
let storedAccounts = 0;
let mostAttached = 0;
const distinct = new Set<number>();
const tally = async (account: number) => {
  const devices = await store.listDevices(`acct-${account}`);
  if (devices.length === 0) return;
  storedAccounts++;
  mostAttached = Math.max(mostAttached, devices.filter((d) => d.status === 'attached').length);
};
for (let account = 0; account <= highest + HOT; account++) await tally(account);
for (let account = COLD_RANGE * 2; account < COLD_RANGE * 3; account++) await tally(account);
// The one-off accounts the churn used, replayed from the same seed, to count the distinct accounts.
const replay = random(19);
for (let i = 1; i <= CHURN; i++) {
  if (replay() < 0.7) {
    replay();
  } else distinct.add(Math.floor(replay() * COLD_RANGE));
  if (replay() < 0.05) {
    /* a new browser */
  } else replay();
  replay();
}

const stats = guard.stats();
const report: SoakReport = {
  cap: CAP,
  maxChallenges: MAX_CHALLENGES,
  cacheMax: CACHE_MAX,
  decisions: { fill, churn: CHURN },
  verdicts,
  cacheHits: stats.cacheHits,
  heap: { empty, full, checkpoints },
  perAccountBytes: Math.round((full - empty) / CAP),
  storedAccounts,
  mostAttached,
  distinctAccounts: CAP + (hotBase - CAP + HOT) + distinct.size,
  ms: { fill: Math.round(fillMs), churn: Math.round(churnMs) },
  rss: process.memoryUsage().rss,
};
await guard.close();
console.log(JSON.stringify(report));
