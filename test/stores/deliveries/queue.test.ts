import { expect } from 'chai';
import { Redis } from 'ioredis';
import { MemoryDeliveryQueue, RedisDeliveryQueue, SharelockError } from '../../../src/index.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { delivery, describeDeliveryQueueContract } from './queue-contract.js';

const T0 = Date.UTC(2026, 0, 5, 12);

describeDeliveryQueueContract('MemoryDeliveryQueue', () => new MemoryDeliveryQueue({ maxDeadLetters: 5 }), { maxDeadLetters: 5 });

describe('MemoryDeliveryQueue', () => {
  it('makes a delivery beyond `maxPending` a dead letter at once, so memory stays bounded', async () => {
    const queue = new MemoryDeliveryQueue({ maxPending: 2 });
    const extra = delivery();
    await queue.push([delivery(), delivery(), extra]);
    expect(await queue.size()).to.equal(2);
    expect((await queue.deadLetters(10)).map((d) => [d.id, d.lastError])).to.deep.equal([[extra.id, 'queue full']]);
  });

  it('refuses a bad bound', () => {
    expect(() => new MemoryDeliveryQueue({ maxPending: 0 })).to.throw(SharelockError, /maxPending/);
  });
});

describe('RedisDeliveryQueue', function () {
  this.timeout(30_000);
  let server: RedisServer;
  let client: Redis;
  let prefixes = 0;
  before(async () => {
    server = await startRedisServer();
    client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  after(async () => {
    client?.disconnect();
    await server?.stop();
  });

  describeDeliveryQueueContract('RedisDeliveryQueue', () => new RedisDeliveryQueue({ client, prefix: `q${++prefixes}:`, maxDeadLetters: 5 }), { maxDeadLetters: 5 });

  it('keeps its keys under the prefix and one hash tag, as documented', async () => {
    const queue = new RedisDeliveryQueue({ client, prefix: 'keys:' });
    const d = delivery();
    await queue.push([d, delivery()]);
    const [claim] = await queue.claim(T0, 1, 1000);
    await queue.bury({ ...claim!.delivery, attempts: 1, failedAt: T0 }, claim!.lease);
    const keys = (await client.keys('keys:*')).sort();
    expect(keys.filter((k) => !k.startsWith('keys:{wh}:msg:'))).to.deep.equal(['keys:{wh}:dead', 'keys:{wh}:pending']);
    expect(keys.filter((k) => k.startsWith('keys:{wh}:msg:'))).to.have.length(2);
    // Pending messages live until delivered; a dead letter expires.
    const deadKey = `keys:{wh}:msg:${claim!.delivery.id}`;
    expect(await client.pttl(deadKey)).to.be.greaterThan(29 * 86_400_000);
    const pendingKey = keys.find((k) => k.startsWith('keys:{wh}:msg:') && k !== deadKey)!;
    expect(await client.pttl(pendingKey)).to.equal(-1);
  });

  it('survives the script cache being flushed (a Redis restart or failover)', async () => {
    const queue = new RedisDeliveryQueue({ client, prefix: 'flush:' });
    await queue.push([delivery()]);
    await client.script('FLUSH');
    expect(await queue.claim(T0, 10, 1000)).to.have.length(1);
  });

  it('refuses a client that is not ioredis and a prefix with a hash tag', () => {
    expect(() => new RedisDeliveryQueue({ client: {} as never })).to.throw(SharelockError, /client/);
    expect(() => new RedisDeliveryQueue({ client, prefix: 'a:{b}:' })).to.throw(SharelockError, /prefix/);
  });

  it('runs each step on one slot of a Redis Cluster', async () => {
    const cluster = await startRedisServer({ cluster: true });
    const { Cluster } = await import('ioredis');
    const clusterClient = new Cluster([{ host: '127.0.0.1', port: cluster.port }], { redisOptions: { maxRetriesPerRequest: 1 } });
    try {
      const queue = new RedisDeliveryQueue({ client: clusterClient });
      const d = delivery();
      await queue.push([d]);
      const [claim] = await queue.claim(T0, 10, 1000);
      await queue.reschedule({ ...d, attempts: 1 }, claim!.lease);
      const [again] = await queue.claim(T0, 10, 1000);
      await queue.bury({ ...d, attempts: 2, failedAt: T0 }, again!.lease);
      expect(await queue.revive(d.id, T0)).to.equal(true);
      await queue.claim(T0, 10, 1000);
      await queue.ack(d.id);
      expect(await queue.size()).to.equal(0);
    } finally {
      clusterClient.disconnect();
      await cluster.stop();
    }
  });
});
