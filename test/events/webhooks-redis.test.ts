import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Redis, type RedisOptions } from 'ioredis';
import { createSharelock, EVENT_TYPES, RedisDeliveryQueue, verifyWebhook, type Identity, type Sharelock, type SharelockEvent, type WebhookOptions } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { Receiver } from './receiver.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;
const MAC = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' };
const TIMEOUT_MS = 150;
const SECOND = 1000;

/** One app server: its own ioredis connection, shared by its RedisStore and its delivery queue, as the README shows. */
interface App {
  guard: Sharelock<Identity | null>;
  client: Redis;
  published: SharelockEvent[];
  logs: string[];
}

describe('webhooks on Redis: durable, at-least-once', function () {
  this.timeout(30_000);
  let server: RedisServer;
  let receiver: Receiver;
  let prefix: string;
  let n = 0;
  const apps: App[] = [];

  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    receiver = await Receiver.start();
    prefix = `app${++n}:`;
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) {
      await app.guard.close();
      app.client.disconnect();
    }
    await receiver.close();
  });

  function startApp(clock: FakeClock, webhooks: Partial<WebhookOptions> = {}, setup: { redis?: RedisOptions; memoryStore?: boolean } = {}): App {
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, ...setup.redis });
    client.on('error', () => {});
    const logs: string[] = [];
    const guard = createSharelock<Identity | null>({
      secret: SECRET,
      identify: (i) => i,
      limits: { devices: 1 },
      now: clock.now,
      logger: { warn: (m) => void logs.push(m), error: (m) => void logs.push(m) },
      ...(setup.memoryStore ? {} : { store: new RedisStore({ client, prefix: `${prefix}store:` }) }),
      webhooks: { endpoints: [{ url: receiver.url, secret: WHSEC }], timeoutMs: TIMEOUT_MS, queue: new RedisDeliveryQueue({ client, prefix: `${prefix}webhooks:` }), ...webhooks },
    });
    const published: SharelockEvent[] = [];
    for (const type of EVENT_TYPES) guard.on(type, (event) => void published.push(event as SharelockEvent));
    const app = { guard, client, published, logs };
    apps.push(app);
    return app;
  }

  async function stop(app: App): Promise<void> {
    apps.splice(apps.indexOf(app), 1);
    await app.guard.close();
    app.client.disconnect();
  }

  const acceptedIds = () => new Set(receiver.accepted.map((r) => verifyWebhook(r.body, r.headers, WHSEC).id));

  it('delivers what an app left in the queue mid-retry after it restarts (a new process on the same Redis)', async () => {
    const clock = new FakeClock();
    const before = startApp(clock);
    receiver.status = 500;
    await new CoreDevice(before.guard, { id: 'alice', email: 'alice@example.com' }).open();
    await new CoreDevice(before.guard, { id: 'alice', email: 'alice@example.com' }, MAC).open();
    await before.guard.webhooks.flush();
    const published = before.published.map((e) => e.id);
    expect(published).to.have.length(3);
    expect(receiver.received).to.have.length(3);
    expect(receiver.accepted).to.have.length(0);
    await stop(before);

    receiver.status = 204;
    const after = startApp(clock);
    expect(await after.guard.webhooks.pending()).to.equal(3);
    clock.advance(10 * SECOND);
    await after.guard.webhooks.flush();
    expect(acceptedIds()).to.deep.equal(new Set(published));
    expect(await after.guard.webhooks.pending()).to.equal(0);
    // The retry is the same message: same id, same body, signed again with a fresh timestamp.
    expect(receiver.received[3]!.body).to.equal(receiver.received.find((r) => r.headers['webhook-id'] === receiver.received[3]!.headers['webhook-id'])!.body);
  });

  it('hands a graceful shutdown\'s delivery in flight to the next process, due at once', async () => {
    const clock = new FakeClock();
    const a = startApp(clock, { timeoutMs: 10 * SECOND });
    receiver.mode = 'hang';
    await new CoreDevice(a.guard, { id: 'alice' }).open();
    await receiver.arrived(1);
    await stop(a);
    receiver.mode = 'answer';
    const b = startApp(clock);
    await b.guard.webhooks.flush();
    expect(receiver.accepted).to.have.length(1);
    expect(receiver.accepted[0]!.headers['webhook-id']).to.equal(receiver.received[0]!.headers['webhook-id']);
  });

  it('re-delivers what a crashed process had claimed, once its lease lapses', async () => {
    const clock = new FakeClock();
    const crashed = startApp(clock);
    receiver.mode = 'hold';
    await new CoreDevice(crashed.guard, { id: 'alice' }).open();
    await receiver.arrived(1);
    // The process dies mid-delivery: its Redis connection drops, it can never acknowledge.
    crashed.client.disconnect();
    receiver.mode = 'answer';
    receiver.release();

    const survivor = startApp(clock);
    await survivor.guard.webhooks.flush();
    expect(receiver.received).to.have.length(1);
    clock.advance(TIMEOUT_MS + 30 * SECOND);
    await survivor.guard.webhooks.flush();
    expect(receiver.received).to.have.length(2);
    expect(receiver.received[1]!.headers['webhook-id']).to.equal(receiver.received[0]!.headers['webhook-id']);
    expect(await survivor.guard.webhooks.pending()).to.equal(0);
  });

  it('shares the work between app servers: each event reaches the receiver once', async () => {
    const clock = new FakeClock();
    const [a, b] = [startApp(clock, {}), startApp(clock, {})];
    receiver.mode = 'hold';
    await Promise.all(Array.from({ length: 10 }, (_, i) => new CoreDevice(i % 2 ? a.guard : b.guard, { id: `user${i}` }).open()));
    await receiver.arrived(8);
    receiver.mode = 'answer';
    receiver.release();
    await Promise.all([a.guard.webhooks.flush(), b.guard.webhooks.flush()]);
    await Promise.all([a.guard.webhooks.flush(), b.guard.webhooks.flush()]);
    const published = [...a.published, ...b.published].map((e) => e.id);
    expect(published).to.have.length(10);
    expect(receiver.received.map((r) => r.headers['webhook-id']).sort()).to.deep.equal([...published].sort());
  });

  it('keeps dead letters in Redis: another app server lists them and retries one', async () => {
    const clock = new FakeClock();
    const first = startApp(clock, { maxAttempts: 1 });
    receiver.status = 500;
    await new CoreDevice(first.guard, { id: 'alice' }).open();
    await first.guard.webhooks.flush();
    await stop(first);

    receiver.status = 204;
    const other = startApp(clock);
    const [dead] = await other.guard.webhooks.deadLetters();
    expect(dead).to.include({ attempts: 1, lastStatus: 500, type: 'device.attached' });
    expect(await other.guard.webhooks.retry(dead!.id)).to.equal(true);
    await other.guard.webhooks.flush();
    expect(receiver.accepted.map((r) => r.headers['webhook-id'])).to.deep.equal([dead!.eventId]);
    expect(await other.guard.webhooks.deadLetters()).to.deep.equal([]);
  });

  it('holds events while Redis is down and queues them when it is back', async () => {
    const clock = new FakeClock();
    // The store stays in memory here: only the delivery queue needs Redis.
    const { guard, client, logs } = startApp(clock, { pollIntervalMs: 50 }, { redis: { enableOfflineQueue: false }, memoryStore: true });
    try {
      if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
      await server.stop();
      const decision = await new CoreDevice(guard, { id: 'alice' }).open();
      expect(decision.verdict.kind).to.equal('allow');
      await guard.webhooks.flush();
      expect(guard.webhooks.stats().waitingForQueue).to.equal(1);
      expect(logs.some((m) => m.includes('webhook delivery queue failed'))).to.equal(true);
      await server.restart();
      const deadline = Date.now() + 10_000;
      while (receiver.accepted.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(receiver.accepted).to.have.length(1);
      expect(guard.webhooks.stats().waitingForQueue).to.equal(0);
      expect(logs.some((m) => m.includes('queue answers again'))).to.equal(true);
    } finally {
      await server.restart().catch(() => undefined);
    }
  });
});
