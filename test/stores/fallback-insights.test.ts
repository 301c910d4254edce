import { expect } from 'chai';
import { FallbackStore } from '../../src/stores/fallback.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { Conversion } from '../../src/insights/model.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const DAY = 86_400_000;
const conversion: Conversion = { at: T0, accountId: 'new', deviceId: 'dev', fromAccountId: 'old', via: 'challenge', challengeId: 'ch-1' };

describe('FallbackStore: conversions and insights', () => {
  it('records and reads on the primary while it answers', async () => {
    const primary = new MemoryStore();
    const store = new FallbackStore({ primary });
    await store.recordExposure('dev', { at: T0, accountId: 'old', via: 'challenge' }, DAY);
    await store.countDay('2026-01-05', { 'ch:device_limit:created': 1 }, DAY);
    expect((await store.recordConversion(conversion, '2026-01-05', { cv: 1 }, DAY)).recorded).to.equal(true);
    expect(await primary.findExposures('dev')).to.have.length(1);
    expect(await primary.readDays(['2026-01-05'])).to.deep.equal([{ 'ch:device_limit:created': 1, cv: 1 }]);
    expect(await store.listConversions(['2026-01-05'], 10)).to.deep.equal([conversion]);
  });

  it('answers from the fallback while the primary fails, and from a fallback when the primary has no insights methods', async () => {
    const failing = new MemoryStore();
    failing.countDay = () => Promise.reject(new Error('down'));
    const fallback = new MemoryStore();
    const switched: string[] = [];
    const store = new FallbackStore({ primary: failing, fallback, retryAfterMs: 60_000, onSwitch: (to) => switched.push(to) });
    await store.countDay('2026-01-05', { cv: 1 }, DAY);
    expect(await fallback.readDays(['2026-01-05'])).to.deep.equal([{ cv: 1 }]);
    expect(await store.readDays(['2026-01-05']), 'read where it was written while the primary is away').to.deep.equal([{ cv: 1 }]);
    expect(switched).to.deep.equal(['fallback']);

    const bare = new MemoryStore();
    Object.defineProperty(bare, 'recordConversion', { value: undefined });
    const second = new MemoryStore();
    const over = new FallbackStore({ primary: bare, fallback: second });
    expect((await over.recordConversion(conversion, '2026-01-05', { cv: 1 }, DAY)).recorded).to.equal(true);
    expect(await second.readDays(['2026-01-05'])).to.deep.equal([{ cv: 1 }]);
  });
});
