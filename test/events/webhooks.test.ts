import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  createSharelock,
  EVENT_TYPES,
  MemoryDeliveryQueue,
  verifyWebhook,
  WebhookVerificationError,
  type DeliveryQueue,
  type Identity,
  type Options,
  type SharelockEvent,
  type WebhookOptions,
} from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { CoreDevice } from '../support/core-device.js';
import { Receiver } from './receiver.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;
const MAC = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' };
const alice: Identity = { id: 'alice', email: 'alice@example.com', metadata: { sessionId: 's-1' } };
/** Short enough for a test, long enough for a loopback answer. */
const TIMEOUT_MS = 150;
const SECOND = 1000;

describe('webhooks', function () {
  this.timeout(20_000);
  let receiver: Receiver;
  const guards: Array<{ close(): Promise<void> }> = [];

  beforeEach(async () => {
    receiver = await Receiver.start();
  });
  afterEach(async () => {
    await Promise.all(guards.splice(0).map((g) => g.close()));
    await receiver.close();
  });

  function setup(webhooks: Partial<WebhookOptions> = {}, options: Partial<Options<Identity | null>> = {}) {
    const clock = new FakeClock();
    const logs: string[] = [];
    const guard = createSharelock<Identity | null>({
      secret: SECRET,
      identify: (i) => i,
      limits: { devices: 1 },
      now: clock.now,
      logger: { warn: (m) => void logs.push(m), error: (m) => void logs.push(m) },
      webhooks: { endpoints: [{ url: receiver.url, secret: WHSEC }], timeoutMs: TIMEOUT_MS, ...webhooks },
      ...options,
    });
    guards.push(guard);
    const published: SharelockEvent[] = [];
    for (const type of EVENT_TYPES) guard.on(type, (event) => void published.push(event as SharelockEvent));
    return { guard, clock, logs, published };
  }

  /** A device over the limit, challenged, its owner verified, the other device logged out: nine events. */
  async function playChallenge(guard: ReturnType<typeof setup>['guard']): Promise<void> {
    const firstId = (await new CoreDevice(guard, alice).open()).deviceId!;
    const decision = await new CoreDevice(guard, alice, MAC).open();
    if (decision.verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const [id, deviceId] = [decision.verdict.challenge.id, decision.deviceId!];
    await guard.challenges.present(id, deviceId);
    await guard.challenges.claimOwnership(id, deviceId);
    await guard.challenges.verifyCode(id, deviceId, guard.outbox!.latest()!.code);
    await guard.challenges.kick(id, deviceId, firstId);
    await guard.challenges.complete(id, deviceId);
  }

  const ids = (list: Array<{ headers: Record<string, unknown> }>) => new Set(list.map((r) => r.headers['webhook-id'] as string));

  it('sends every event signed the Standard Webhooks way: each verifies, its id is the event id, its body the event', async () => {
    const { guard, published } = setup();
    await playChallenge(guard);
    await guard.webhooks.flush();
    expect(published).to.have.length(9);
    expect(receiver.accepted).to.have.length(9);
    for (const delivery of receiver.accepted) {
      const message = verifyWebhook(delivery.body, delivery.headers, WHSEC);
      const event = published.find((e) => e.id === message.id)!;
      expect(delivery.headers['webhook-id']).to.equal(event.id);
      expect(delivery.headers['content-type']).to.equal('application/json');
      expect(Number(delivery.headers['webhook-timestamp'])).to.be.closeTo(Date.now() / 1000, 5);
      expect(delivery.headers['webhook-signature']).to.match(/^v1,[A-Za-z0-9+/]+=*$/);
      const { id, type, ...data } = event;
      expect(message).to.deep.equal({ id, type, timestamp: new Date(event.at).toISOString(), data: JSON.parse(JSON.stringify(data)) });
    }
    expect(guard.webhooks.stats()).to.include({ delivered: 9, failedAttempts: 0, deadLettered: 0, inFlight: 0 });
  });

  it('gives receivers a verify helper that refuses a wrong secret, a changed body, a missing header and a replay', async () => {
    const { guard } = setup();
    await new CoreDevice(guard, alice).open();
    await guard.webhooks.flush();
    const { body, headers } = receiver.accepted[0]! as { body: string; headers: Record<string, string> };
    expect(verifyWebhook(body, headers, WHSEC).type).to.equal('device.attached');
    expect(verifyWebhook(Buffer.from(body), new Headers(headers), [`whsec_${randomBytes(32).toString('base64')}`, WHSEC]).type).to.equal('device.attached');
    expect(() => verifyWebhook(body, headers, `whsec_${randomBytes(32).toString('base64')}`)).to.throw(WebhookVerificationError);
    expect(() => verifyWebhook(body.replace('alice', 'mallory'), headers, WHSEC)).to.throw(WebhookVerificationError);
    expect(() => verifyWebhook(body, { ...headers, 'webhook-signature': undefined }, WHSEC)).to.throw(WebhookVerificationError, /Missing required headers/);
    const old = String(Math.floor(Date.now() / 1000) - 600);
    expect(() => verifyWebhook(body, { ...headers, 'webhook-timestamp': old }, WHSEC)).to.throw(WebhookVerificationError);
    expect(() => verifyWebhook(body, headers, 'short')).to.throw(TypeError, /invalid secret/);
  });

  it('signs with every secret while rotating, so a receiver holding either verifies', async () => {
    const next = `whsec_${randomBytes(32).toString('base64')}`;
    const { guard } = setup({ endpoints: [{ url: receiver.url, secret: [WHSEC, next] }] });
    await new CoreDevice(guard, alice).open();
    await guard.webhooks.flush();
    const { body, headers } = receiver.accepted[0]!;
    expect(String(headers['webhook-signature']).split(' ')).to.have.length(2);
    expect(verifyWebhook(body, headers, WHSEC).type).to.equal('device.attached');
    expect(verifyWebhook(body, headers, next).type).to.equal('device.attached');
  });

  it('sends an endpoint only the event types it lists', async () => {
    const other = await Receiver.start();
    try {
      const { guard } = setup({ endpoints: [{ url: receiver.url, secret: WHSEC }, { url: other.url, secret: WHSEC, events: ['device.detached', 'challenge.completed'] }] });
      await playChallenge(guard);
      await guard.webhooks.flush();
      expect(receiver.accepted).to.have.length(9);
      expect(other.accepted.map((r) => verifyWebhook(r.body, r.headers, WHSEC).type)).to.deep.equal(['device.detached', 'challenge.completed']);
    } finally {
      await other.close();
    }
  });

  it('retries through an outage (500s, then timeouts) with back-off and jitter, and delivers every event once the receiver recovers', async () => {
    const { guard, clock, logs, published } = setup();
    receiver.status = 500;
    await playChallenge(guard);
    await guard.webhooks.flush();
    expect(receiver.received).to.have.length(9);
    expect(receiver.accepted).to.have.length(0);
    expect(await guard.webhooks.pending()).to.equal(9);

    // First retry after 5 to 10 s (10 s, half of it jitter); the receiver now hangs past the timeout.
    receiver.mode = 'hang';
    clock.advance(5 * SECOND - 1);
    await guard.webhooks.flush();
    expect(receiver.received).to.have.length(9);
    clock.advance(5 * SECOND + 1);
    await guard.webhooks.flush();
    expect(receiver.received).to.have.length(18);
    expect(guard.webhooks.stats().failedAttempts).to.equal(18);

    // Second retry after 10 to 20 s: the receiver is back.
    receiver.mode = 'answer';
    receiver.status = 200;
    clock.advance(10 * SECOND - 1);
    await guard.webhooks.flush();
    expect(receiver.received).to.have.length(18);
    clock.advance(10 * SECOND + 1);
    await guard.webhooks.flush();
    expect(ids(receiver.accepted)).to.deep.equal(new Set(published.map((e) => e.id)));
    for (const delivery of receiver.received) verifyWebhook(delivery.body, delivery.headers, WHSEC);
    expect(await guard.webhooks.pending()).to.equal(0);
    // Logged once when it failed, once when it answered again: never per delivery.
    expect(logs.filter((m) => m.includes('fail (HTTP 500)')), logs.join('\n')).to.have.length(1);
    expect(logs.filter((m) => m.endsWith('answers again.')), logs.join('\n')).to.have.length(1);
  });

  it('retries on its own in the background, on the real clock, until the receiver takes it', async () => {
    const { guard } = setup({ retryDelayMs: 20, maxRetryDelayMs: 40 }, { now: Date.now });
    receiver.status = 500;
    await new CoreDevice(guard, alice).open();
    await receiver.arrived(3);
    receiver.status = 204;
    await receiver.arrived(4);
    const deadline = Date.now() + 5000;
    while (receiver.accepted.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(receiver.accepted).to.have.length(1);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).to.equal(1);
  });

  it('makes a delivery that failed maxAttempts times a dead letter, which the admin API lists and retries', async () => {
    const { guard, clock, logs } = setup({ maxAttempts: 3, retryDelayMs: SECOND });
    receiver.status = 503;
    await new CoreDevice(guard, alice).open();
    await guard.webhooks.flush();
    clock.advance(SECOND);
    await guard.webhooks.flush();
    clock.advance(2 * SECOND);
    await guard.webhooks.flush();
    expect(receiver.received).to.have.length(3);
    expect(await guard.webhooks.pending()).to.equal(0);
    const [dead, ...more] = await guard.webhooks.deadLetters();
    expect(more).to.deep.equal([]);
    expect(dead).to.deep.include({ url: receiver.url, attempts: 3, lastStatus: 503, lastError: 'HTTP 503', type: 'device.attached', failedAt: clock.now() });
    expect(dead!.message.data).to.include({ accountId: 'alice' });
    expect(dead!.eventId).to.equal(receiver.received[0]!.headers['webhook-id']);
    expect(logs.filter((m) => m.includes('dead letter'))).to.have.length(1);
    expect(guard.webhooks.stats()).to.include({ deadLettered: 1, failedAttempts: 3 });

    receiver.status = 204;
    expect(await guard.webhooks.retry(dead!.id)).to.equal(true);
    await guard.webhooks.flush();
    expect(receiver.accepted).to.have.length(1);
    expect(receiver.accepted[0]!.headers['webhook-id']).to.equal(dead!.eventId);
    expect(await guard.webhooks.deadLetters()).to.deep.equal([]);
    expect(await guard.webhooks.retry(dead!.id)).to.equal(false);
    expect(await guard.webhooks.retry('../etc/passwd')).to.equal(false);
  });

  it('never slows a request: decisions complete while the receiver holds every delivery, and while the queue itself stalls', async () => {
    let stall: (() => void) | undefined;
    const memory = new MemoryDeliveryQueue();
    const queue: DeliveryQueue = {
      push: async (deliveries) => {
        if (stall === undefined) return memory.push(deliveries);
        await new Promise<void>((resolve) => (stall = resolve));
        return memory.push(deliveries);
      },
      claim: (...args) => memory.claim(...args),
      ack: (id) => memory.ack(id),
      reschedule: (...args) => memory.reschedule(...args),
      bury: (...args) => memory.bury(...args),
      deadLetters: (limit) => memory.deadLetters(limit),
      revive: (...args) => memory.revive(...args),
      size: () => memory.size(),
      nextDueAt: () => memory.nextDueAt(),
    };
    const { guard } = setup({ timeoutMs: 10 * SECOND, concurrency: 1, queue }, { limits: { devices: 10 } });
    receiver.mode = 'hold';
    await new CoreDevice(guard, alice).open();
    await receiver.arrived(1);
    // A delivery is in flight and the receiver is not answering: requests still take no longer than without webhooks.
    const started = performance.now();
    for (let i = 0; i < 5; i++) {
      const decision = await new CoreDevice(guard, { id: `user${i}` }).open();
      expect(decision.verdict.kind).to.equal('allow');
    }
    const tookMs = performance.now() - started;
    expect(receiver.received.filter((r) => r.status !== undefined)).to.have.length(0);
    expect(tookMs).to.be.lessThan(1000);

    // Now the queue's writes hang too.
    stall = () => {};
    const stalled = await new CoreDevice(guard, { id: 'stalled' }).open();
    expect(stalled.verdict.kind).to.equal('allow');

    receiver.release();
    receiver.mode = 'answer';
    stall();
    await guard.webhooks.flush();
    expect(receiver.accepted.length).to.equal(7);
  });

  it('close() aborts a delivery in flight at once, hands it back to the queue, and sends nothing more', async () => {
    const queue = new MemoryDeliveryQueue();
    const { guard, clock } = setup({ timeoutMs: 10 * SECOND, queue, pollIntervalMs: 20 });
    receiver.mode = 'hang';
    await new CoreDevice(guard, alice).open();
    await receiver.arrived(1);
    const started = Date.now();
    await guard.close();
    expect(Date.now() - started).to.be.lessThan(1000);
    expect(await queue.size()).to.equal(1);
    const [handedBack] = await queue.claim(clock.now(), 10, 1000);
    expect(handedBack!.delivery).to.include({ attempts: 0, dueAt: clock.now() });
    await queue.reschedule(handedBack!.delivery, handedBack!.lease);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received).to.have.length(1);
  });

  it('gives each delivery its own attempt when several are due: a hung endpoint does not hold up the others beyond their timeout', async () => {
    const other = await Receiver.start();
    try {
      const { guard } = setup({ endpoints: [{ url: receiver.url, secret: WHSEC }, { url: other.url, secret: WHSEC }], concurrency: 2 });
      receiver.mode = 'hang';
      await new CoreDevice(guard, alice).open();
      await guard.webhooks.flush();
      expect(other.accepted).to.have.length(1);
      const [timedOut] = await Promise.all([guard.webhooks.pending()]);
      expect(timedOut).to.equal(1);
    } finally {
      await other.close();
    }
  });
});
