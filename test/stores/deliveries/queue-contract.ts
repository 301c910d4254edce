import { expect } from 'chai';
import type { Delivery, DeliveryQueue } from '../../../src/index.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const LEASE = 30_000;
let n = 0;

export function delivery(overrides: Partial<Delivery> = {}): Delivery {
  const eventId = `evt_${String(++n).padStart(22, '0')}`;
  return { id: `${eventId}.endpoint0000`, eventId, type: 'device.attached', endpoint: 'endpoint0000', url: 'http://127.0.0.1/webhooks', payload: JSON.stringify({ n }), attempts: 0, createdAt: T0, dueAt: T0, ...overrides };
}

/** The behaviour every `DeliveryQueue` must have, run against each implementation. */
export function describeDeliveryQueueContract(name: string, make: () => Promise<DeliveryQueue> | DeliveryQueue, options: { maxDeadLetters: number }): void {
  describe(`${name}: the DeliveryQueue contract`, () => {
    let queue: DeliveryQueue;
    beforeEach(async () => {
      queue = await make();
    });

    it('hands out due deliveries, soonest first, and not those due later', async () => {
      const later = delivery({ dueAt: T0 + 10_000 });
      const first = delivery({ dueAt: T0 - 2000 });
      const second = delivery({ dueAt: T0 - 1000 });
      await queue.push([later, second, first]);
      expect(await queue.size()).to.equal(3);
      const claimed = await queue.claim(T0, 10, LEASE);
      expect(claimed.map((c) => c.delivery.id)).to.deep.equal([first.id, second.id]);
      expect(claimed[0]!.delivery).to.deep.equal(first);
      expect(await queue.nextDueAt()).to.equal(T0 + 10_000);
    });

    it('claims at most `max`', async () => {
      await queue.push([delivery(), delivery(), delivery()]);
      expect(await queue.claim(T0, 2, LEASE)).to.have.length(2);
      expect(await queue.claim(T0, 2, LEASE)).to.have.length(1);
    });

    it('hides a claimed delivery until its lease lapses, then hands it out again (a crashed worker loses nothing)', async () => {
      const d = delivery();
      await queue.push([d]);
      const [first] = await queue.claim(T0, 10, LEASE);
      expect(await queue.claim(T0 + LEASE - 1, 10, LEASE)).to.deep.equal([]);
      expect(await queue.nextDueAt()).to.equal(T0 + LEASE);
      const [again] = await queue.claim(T0 + LEASE, 10, LEASE);
      expect(again!.delivery.id).to.equal(d.id);
      expect(again!.lease).to.not.equal(first!.lease);
    });

    it('keeps one copy when the same delivery is pushed twice', async () => {
      const d = delivery();
      await queue.push([d]);
      await queue.push([{ ...d, payload: 'changed' }]);
      expect(await queue.size()).to.equal(1);
      expect((await queue.claim(T0, 10, LEASE))[0]!.delivery.payload).to.equal(d.payload);
    });

    it('forgets an acknowledged delivery', async () => {
      const d = delivery();
      await queue.push([d]);
      await queue.claim(T0, 10, LEASE);
      await queue.ack(d.id);
      expect(await queue.size()).to.equal(0);
      expect(await queue.claim(T0 + LEASE, 10, LEASE)).to.deep.equal([]);
      expect(await queue.nextDueAt()).to.equal(undefined);
    });

    it('reschedules a failed delivery with its new fields, and ignores a holder whose lease lapsed', async () => {
      const d = delivery();
      await queue.push([d]);
      const [stale] = await queue.claim(T0, 10, LEASE);
      const [current] = await queue.claim(T0 + LEASE, 10, LEASE);
      await queue.reschedule({ ...d, attempts: 1, dueAt: T0 }, stale!.lease);
      expect(await queue.claim(T0 + LEASE, 10, LEASE)).to.deep.equal([]);
      await queue.reschedule({ ...d, attempts: 1, lastError: 'HTTP 500', lastStatus: 500, dueAt: T0 + LEASE + 5000 }, current!.lease);
      expect(await queue.claim(T0 + LEASE + 4999, 10, LEASE)).to.deep.equal([]);
      const [retried] = await queue.claim(T0 + LEASE + 5000, 10, LEASE);
      expect(retried!.delivery).to.include({ attempts: 1, lastError: 'HTTP 500', lastStatus: 500 });
    });

    it('does not bring back an acknowledged delivery when a late holder reschedules it', async () => {
      const d = delivery();
      await queue.push([d]);
      const [claim] = await queue.claim(T0, 10, LEASE);
      await queue.ack(d.id);
      await queue.reschedule({ ...d, attempts: 1 }, claim!.lease);
      await queue.bury({ ...d, attempts: 1, failedAt: T0 }, claim!.lease);
      expect(await queue.size()).to.equal(0);
      expect(await queue.deadLetters(10)).to.deep.equal([]);
    });

    it('keeps buried deliveries as dead letters, most recent first, and revives one due now with fresh attempts', async () => {
      const [a, b] = [delivery(), delivery()];
      await queue.push([a, b]);
      const claims = await queue.claim(T0, 10, LEASE);
      await queue.bury({ ...a, attempts: 3, lastError: 'HTTP 500', lastStatus: 500, failedAt: T0 + 1 }, claims[0]!.lease);
      await queue.bury({ ...b, attempts: 3, lastError: 'ETIMEDOUT', failedAt: T0 + 2 }, claims[1]!.lease);
      expect(await queue.size()).to.equal(0);
      const dead = await queue.deadLetters(10);
      expect(dead.map((d) => d.id)).to.deep.equal([b.id, a.id]);
      expect(dead[1]).to.include({ attempts: 3, lastStatus: 500, lastError: 'HTTP 500', failedAt: T0 + 1 });
      expect(await queue.deadLetters(1)).to.have.length(1);

      expect(await queue.revive(a.id, T0 + 100)).to.equal(true);
      expect(await queue.revive(a.id, T0 + 100)).to.equal(false);
      expect(await queue.revive('evt_unknown.endpoint0000', T0)).to.equal(false);
      expect((await queue.deadLetters(10)).map((d) => d.id)).to.deep.equal([b.id]);
      const [revived] = await queue.claim(T0 + 100, 10, LEASE);
      expect(revived!.delivery).to.include({ id: a.id, attempts: 0, dueAt: T0 + 100, payload: a.payload });
      expect(revived!.delivery.failedAt).to.equal(undefined);
    });

    it('ignores a bury by a holder whose lease lapsed', async () => {
      const d = delivery();
      await queue.push([d]);
      const [stale] = await queue.claim(T0, 10, LEASE);
      await queue.claim(T0 + LEASE, 10, LEASE);
      await queue.bury({ ...d, attempts: 1, failedAt: T0 }, stale!.lease);
      expect(await queue.deadLetters(10)).to.deep.equal([]);
      expect(await queue.size()).to.equal(1);
    });

    it(`keeps at most ${options.maxDeadLetters} dead letters, forgetting the oldest`, async () => {
      const all = Array.from({ length: options.maxDeadLetters + 2 }, () => delivery());
      await queue.push(all);
      const claims = await queue.claim(T0, all.length, LEASE);
      for (const [i, claim] of claims.entries()) await queue.bury({ ...claim.delivery, attempts: 1, failedAt: T0 + i }, claim.lease);
      const dead = await queue.deadLetters(100);
      expect(dead.map((d) => d.id)).to.deep.equal(claims.slice(2).map((c) => c.delivery.id).reverse());
      expect(await queue.revive(claims[0]!.delivery.id, T0)).to.equal(false);
    });
  });
}
