import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { invalidStoreOption, wholeNumberOption } from '../store-options.js';
import type { Claimed, Delivery, DeliveryQueue } from './queue.js';
import { LuaScript } from '../lua-script.js';

export interface RedisDeliveryQueueOptions {
  /** An ioredis client (`new Redis(...)` or `new Cluster(...)`), e.g. the one your `RedisStore` uses. It stays yours: sharelock never quits it. */
  client: Redis | Cluster;
  /** Prefix of every key. Default `'sharelock:webhooks:'`. Must not contain `{` or `}`: the queue adds its own hash tag. */
  prefix?: string;
  /** Dead letters kept, the oldest forgotten first. Default 1 000. */
  maxDeadLetters?: number;
  /** How long a dead letter is kept, in ms. Default 30 days. */
  deadLetterTtlMs?: number;
}

const DAY_MS = 86_400_000;

// Every key shares the `{wh}` hash tag: one Cluster slot, so each script is atomic there.
// KEYS[1] pending, ARGV[1] message key prefix, then (id, dueAt, json) triples.
const PUSH = `
local added = 0
for i = 2, #ARGV, 3 do
  local key = ARGV[1] .. ARGV[i]
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'data', ARGV[i + 2])
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
    added = added + 1
  end
end
return added`;

// KEYS[1] pending; ARGV: prefix, now, max, visible again at, lease token.
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local data = redis.call('HGET', key, 'data')
  if data then
    redis.call('ZADD', KEYS[1], ARGV[4], id)
    redis.call('HSET', key, 'lease', ARGV[5])
    out[#out + 1] = data
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`;

// KEYS[1] pending, KEYS[2] dead; ARGV: prefix, id.
const ACK = `
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('DEL', ARGV[1] .. ARGV[2])
return 1`;

// KEYS[1] pending; ARGV: prefix, id, lease, due at, json.
const RESCHEDULE = `
local key = ARGV[1] .. ARGV[2]
if redis.call('HGET', key, 'lease') ~= ARGV[3] or not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('HSET', key, 'data', ARGV[5])
redis.call('HDEL', key, 'lease')
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
return 1`;

// KEYS[1] pending, KEYS[2] dead; ARGV: prefix, id, lease, failed at, json, max dead letters, ttl ms.
const BURY = `
local key = ARGV[1] .. ARGV[2]
if redis.call('HGET', key, 'lease') ~= ARGV[3] or not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('HSET', key, 'data', ARGV[5])
redis.call('HDEL', key, 'lease')
redis.call('PEXPIRE', key, ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[4]) - tonumber(ARGV[7])))
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
if over > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do redis.call('DEL', ARGV[1] .. id) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
return 1`;

// KEYS[1] dead; ARGV: prefix, limit. Drops ids whose message expired.
const DEAD = `
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)) do
  local data = redis.call('HGET', ARGV[1] .. id, 'data')
  if data then out[#out + 1] = data else redis.call('ZREM', KEYS[1], id) end
end
return out`;

// KEYS[1] pending, KEYS[2] dead; ARGV: prefix, id, due at, json. Only while it is still dead.
const REVIVE = `
local key = ARGV[1] .. ARGV[2]
if redis.call('ZREM', KEYS[2], ARGV[2]) == 0 or redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'data', ARGV[4])
redis.call('HDEL', key, 'lease')
redis.call('PERSIST', key)
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return 1`;

/**
 * A delivery queue in Redis, shared by every app server: pending webhook deliveries survive a
 * restart or a crash (at-least-once). Each step is one Lua script; a claim hides a delivery for a
 * lease, so a worker that dies mid-delivery leaves it to be claimed again when the lease lapses.
 *
 * Keys (`P` is `prefix`; all share the `{wh}` hash tag, so Cluster runs each script on one slot):
 *
 * | key              | type | holds                                                                  |
 * | ---------------- | ---- | ---------------------------------------------------------------------- |
 * | `P{wh}:pending`  | zset | delivery id → when it is due (while claimed: when its lease lapses)    |
 * | `P{wh}:dead`     | zset | delivery id → when it failed for good                                  |
 * | `P{wh}:msg:<id>` | hash | `data`: the delivery JSON (body, attempts, last error); `lease`: token |
 *
 * A pending message has no TTL (it is deleted when delivered); a dead letter expires after
 * `deadLetterTtlMs`, and at most `maxDeadLetters` are kept.
 *
 * @example
 * const client = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
 * const guard = createSharelock({ ..., store: new RedisStore({ client }),
 *   webhooks: { endpoints: [{ url, secret }], queue: new RedisDeliveryQueue({ client }) } });
 */
export class RedisDeliveryQueue implements DeliveryQueue {
  readonly #client: Redis | Cluster;
  readonly #prefix: string;
  readonly #pending: string;
  readonly #dead: string;
  readonly #maxDead: number;
  readonly #deadTtlMs: number;

  constructor(options: RedisDeliveryQueueOptions) {
    const client = (options as Partial<RedisDeliveryQueueOptions> | undefined)?.client;
    if (typeof client?.evalsha !== 'function' || typeof client.zcard !== 'function') {
      throw invalidStoreOption('RedisDeliveryQueue', 'client', client, 'pass an ioredis client: new RedisDeliveryQueue({ client: new Redis(url) })');
    }
    const prefix = options.prefix ?? 'sharelock:webhooks:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) throw invalidStoreOption('RedisDeliveryQueue', 'prefix', prefix, 'use a string without `{` or `}` (the queue adds its own hash tag), e.g. "myapp:webhooks:"');
    this.#client = client;
    this.#prefix = `${prefix}{wh}:msg:`;
    this.#pending = `${prefix}{wh}:pending`;
    this.#dead = `${prefix}{wh}:dead`;
    this.#maxDead = wholeNumberOption('RedisDeliveryQueue', 'maxDeadLetters', options.maxDeadLetters ?? 1000, 1);
    this.#deadTtlMs = wholeNumberOption('RedisDeliveryQueue', 'deadLetterTtlMs', options.deadLetterTtlMs ?? 30 * DAY_MS, 1, 'ms');
  }

  async push(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const args = [this.#prefix, ...deliveries.flatMap((d) => [d.id, String(d.dueAt), JSON.stringify(d)])];
    await scripts.push.run(this.#client, [this.#pending], args);
  }

  async claim(now: number, max: number, leaseMs: number): Promise<Claimed[]> {
    const lease = randomBytes(12).toString('base64url');
    const found = (await scripts.claim.run(this.#client, [this.#pending], [this.#prefix, String(now), String(max), String(now + leaseMs), lease])) as string[];
    return found.map((json) => ({ delivery: JSON.parse(json) as Delivery, lease }));
  }

  async ack(id: string): Promise<void> {
    await scripts.ack.run(this.#client, [this.#pending, this.#dead], [this.#prefix, id]);
  }

  async reschedule(delivery: Delivery, lease: string): Promise<void> {
    await scripts.reschedule.run(this.#client, [this.#pending], [this.#prefix, delivery.id, lease, String(delivery.dueAt), JSON.stringify(delivery)]);
  }

  async bury(delivery: Delivery, lease: string): Promise<void> {
    const failedAt = delivery.failedAt ?? delivery.lastAttemptAt ?? delivery.dueAt;
    await scripts.bury.run(this.#client, [this.#pending, this.#dead], [this.#prefix, delivery.id, lease, String(failedAt), JSON.stringify(delivery), String(this.#maxDead), String(this.#deadTtlMs)]);
  }

  async deadLetters(limit: number): Promise<Delivery[]> {
    const found = (await scripts.dead.run(this.#client, [this.#dead], [this.#prefix, String(Math.max(1, limit))])) as string[];
    return found.map((json) => JSON.parse(json) as Delivery);
  }

  async revive(id: string, now: number): Promise<boolean> {
    const json = await this.#client.hget(`${this.#prefix}${id}`, 'data');
    if (json === null || (await this.#client.zscore(this.#dead, id)) === null) return false;
    const { failedAt: _failedAt, ...rest } = JSON.parse(json) as Delivery;
    const delivery: Delivery = { ...rest, attempts: 0, dueAt: now };
    const revived = await scripts.revive.run(this.#client, [this.#pending, this.#dead], [this.#prefix, id, String(now), JSON.stringify(delivery)]);
    return revived === 1;
  }

  size(): Promise<number> {
    return this.#client.zcard(this.#pending);
  }

  async nextDueAt(): Promise<number | undefined> {
    const [, score] = await this.#client.zrange(this.#pending, 0, 0, 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }
}


const scripts = {
  push: new LuaScript(PUSH),
  claim: new LuaScript(CLAIM),
  ack: new LuaScript(ACK),
  reschedule: new LuaScript(RESCHEDULE),
  bury: new LuaScript(BURY),
  dead: new LuaScript(DEAD),
  revive: new LuaScript(REVIVE),
};

