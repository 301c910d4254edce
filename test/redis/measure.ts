/**
 * Round trips, latency per decision (Redis vs memory) and Redis memory per account, as quoted in
 * docs/redis.md. Not part of `npm test` (timings depend on the machine):
 *   npm run build && node dist/test/redis/measure.js
 */
import { Redis } from 'ioredis';
import { cpus } from 'node:os';
import { createSharelock, MemoryStore, type Decision, type Identity, type Sharelock, type Store } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';
import { startRedisServer } from '../support/redis-server.js';

const SECRET = 'a-measurement-secret-that-is-long-enough-0123456789';
const quiet = { warn: () => {}, error: () => {} };

function guardOver(store: Store, clock: FakeClock, allowTtlMs: number): Sharelock<Identity | null> {
  return createSharelock<Identity | null>({ secret: SECRET, identify: (i) => i, limits: { devices: 2 }, store, now: clock.now, logger: quiet, cache: { allowTtlMs } });
}

/** The client, with every command the store sends recorded. */
function recording(client: Redis): { client: Redis; sent: string[] } {
  const sent: string[] = [];
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'duplicate' || property === 'on') return value;
      return (...args: unknown[]) => {
        sent.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, sent };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20)); // background saveProfile

async function roundTrips(url: string): Promise<void> {
  const raw = new Redis(url);
  const { client, sent } = recording(raw);
  const clock = new FakeClock();
  const store = new RedisStore({ client, prefix: 'rt:' });
  const cached = guardOver(store, clock, 30_000);
  const uncached = guardOver(store, clock, 0);
  const paris = '81.2.69.160';
  const step = async (what: string, open: () => Promise<Decision>): Promise<void> => {
    sent.length = 0;
    const { verdict } = await open();
    await settle();
    const outcome = `${verdict.kind}${verdict.reasons.length ? ` (${verdict.reasons.map((r) => r.check).join(', ')})` : ''}`;
    console.log(`  ${what.padEnd(64)} ${outcome.padEnd(28)} ${String(sent.length).padStart(2)}  ${sent.join(', ') || '-'}`);
  };
  // Warm the script cache so EVAL (first use) does not count.
  await new CoreDevice(cached, { id: 'warm' }).at(paris).open();
  for (let i = 0; i < 3; i++) await new CoreDevice(cached, { id: 'warm', email: 'w@example.com' }).at(paris).open();

  console.log('\nRedis commands per decision (each awaited alone: one round trip each)');
  const one = new CoreDevice(cached, { id: 'alice', email: 'alice@example.com' }).at(paris);
  await step('first device of an account (attach; profile saved: new household)', () => one.open());
  await step('same device again, verdict cached', () => one.open());
  clock.advance(61_000);
  await step('same device after touchIntervalMs, cached (background touch)', () => one.open());
  // The same device (its cookie) through a guard with the verdict cache off.
  const again = new CoreDevice(uncached, { id: 'alice', email: 'alice@example.com' }, { cookie: one.cookie! }).at(paris);
  clock.advance(60_000);
  await step('known device, cache miss, same network', () => again.open());
  clock.advance(60_000);
  await step('known device, cache miss, again', () => again.open());
  const two = new CoreDevice(cached, { id: 'alice', email: 'alice@example.com' }).at('81.2.69.161');
  await step('second device within the limit', () => two.open());
  const three = new CoreDevice(cached, { id: 'alice', email: 'alice@example.com' }).at(paris);
  await step('third device: over the limit, challenge opened', () => three.open());
  await step('third device again: its pending challenge reused', () => three.open());
  await cached.close();
  await uncached.close();
  raw.disconnect();
}

interface Timing {
  mean: number;
  p50: number;
  p99: number;
}

function summarise(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { mean: samples.reduce((a, b) => a + b, 0) / samples.length, p50: at(0.5), p99: at(0.99) };
}

const show = (t: Timing) => `mean ${(t.mean * 1000).toFixed(0).padStart(4)} µs  p50 ${(t.p50 * 1000).toFixed(0).padStart(4)} µs  p99 ${(t.p99 * 1000).toFixed(0).padStart(5)} µs`;

async function latency(label: string, makeStore: () => Store, closeStore: (store: Store) => Promise<void>): Promise<void> {
  const accounts = 500;
  const clock = new FakeClock();
  const store = makeStore();
  const uncached = guardOver(store, clock, 0);
  const cached = guardOver(store, clock, 30_000);
  const devices = Array.from({ length: accounts }, (_, i) => new CoreDevice(uncached, { id: `acct-${i}` }).at(`81.2.${(i >> 8) & 255}.${i & 255}`));
  const timed = async (open: (i: number) => Promise<unknown>, rounds: number): Promise<Timing> => {
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < accounts; i++) {
        const started = performance.now();
        await open(i);
        samples.push(performance.now() - started);
      }
      clock.advance(1000);
    }
    return summarise(samples);
  };
  // New devices: each account's first device (attach, profile save in the background).
  const first = await timed((i) => devices[i]!.open(), 1);
  // Known devices, verdict cache off: every decision goes to the store.
  await timed((i) => devices[i]!.open(), 2); // warm-up
  const miss = await timed((i) => devices[i]!.open(), 4);
  // Over the limit: a third device opens a challenge.
  for (let i = 0; i < accounts; i++) await new CoreDevice(uncached, { id: `acct-${i}` }).at('81.2.200.1').open();
  const over = await timed((i) => new CoreDevice(uncached, { id: `acct-${i}` }).at('81.2.200.2').open(), 1);
  // Cache hits, for scale.
  const hitDevices = devices.slice(0, 100).map((d) => new CoreDevice(cached, d.identity, { cookie: d.cookie! }).at(d.ip!));
  for (const d of hitDevices) await d.open();
  const hits: number[] = [];
  for (let r = 0; r < 20; r++) {
    for (const d of hitDevices) {
      const started = performance.now();
      await d.open();
      hits.push(performance.now() - started);
    }
  }
  // Throughput with 32 decisions in flight, cache off.
  const started = performance.now();
  let next = 0;
  const total = 4000;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < total) await devices[next++ % accounts]!.open();
    }),
  );
  const perSecond = total / ((performance.now() - started) / 1000);
  console.log(`\n${label}`);
  console.log(`  known device, cache miss   ${show(miss)}`);
  console.log(`  new device, within limit   ${show(first)}`);
  console.log(`  new device, challenged     ${show(over)}`);
  console.log(`  verdict cache hit          ${show(summarise(hits))}`);
  console.log(`  cache misses, 32 in flight ${perSecond.toFixed(0)} decisions/s`);
  await uncached.close();
  await cached.close();
  await closeStore(store);
}

async function memory(url: string): Promise<void> {
  const client = new Redis(url);
  const prefix = 'mem:';
  const store = new RedisStore({ client, prefix });
  const clock = new FakeClock();
  const guard = guardOver(store, clock, 0);
  const accounts = 200;
  const accesses = 100; // historySize, by default
  for (let a = 0; a < accounts; a++) {
    const devices = [0, 1].map((d) => new CoreDevice(guard, { id: `user-${String(a).padStart(6, '0')}`, metadata: { sessionId: `sess_${a}_${d}_abcdefghijklmnop` } }).at(`81.2.${a & 255}.${10 + d}`));
    for (let i = 0; i < accesses; i++) {
      clock.advance(60_000);
      await devices[i % 2]!.open(`/watch/${i}`);
    }
  }
  await settle();
  const usage = async (suffix: string): Promise<number> => {
    let total = 0;
    let cursor = '0';
    do {
      const [nextCursor, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      for (const key of keys) if (key.endsWith(suffix)) total += Number(await client.memory('USAGE', key, 'SAMPLES', '0'));
      cursor = nextCursor;
    } while (cursor !== '0');
    return total;
  };
  const [d, h, p] = [await usage(':d'), await usage(':h'), await usage(':p')];
  console.log(`\nRedis memory through the core (${accounts} accounts, 2 devices, ${accesses} accesses each, MEMORY USAGE)`);
  console.log(`  devices hash ${Math.round(d / accounts)} B/account (${Math.round(d / accounts / 2)} B/device), history ${Math.round(h / accounts)} B/account (${Math.round(h / accounts / accesses)} B/access), profile ${Math.round(p / accounts)} B/account`);
  console.log(`  total ${Math.round((d + h + p) / accounts)} B per account`);
  await guard.close();
  client.disconnect();
}

const redis = await startRedisServer();
try {
  console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Redis on loopback (${redis.url})`);
  await roundTrips(redis.url);
  await latency('Latency per decision through createSharelock().decide(), MemoryStore', () => new MemoryStore(), async (s) => s.close?.());
  const client = new Redis(redis.url);
  await latency('Latency per decision through createSharelock().decide(), RedisStore (loopback)', () => new RedisStore({ client, prefix: 'lat:' }), async () => {});
  client.disconnect();
  await memory(redis.url);
} finally {
  await redis.stop();
}
