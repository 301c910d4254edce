import { expect } from 'chai';
import { createSharelock, MemoryDeliveryQueue, SharelockError, type Options, type WebhookOptions } from '../../src/index.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const WHSEC = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const URL = 'https://example.com/webhooks/sharelock';

function create(webhooks: unknown) {
  return createSharelock({ secret: SECRET, identify: () => null, logger: { warn: () => {}, error: () => {} }, webhooks } as Options);
}

function refuses(webhooks: unknown, code: string, message: RegExp): void {
  let error: unknown;
  try {
    create(webhooks);
  } catch (caught) {
    error = caught;
  }
  expect(error, 'expected createSharelock() to throw').to.be.instanceOf(SharelockError);
  expect((error as SharelockError).code).to.equal(code);
  expect((error as Error).message).to.match(message);
}

describe('the webhooks option', () => {
  it('fills in the defaults: 10 s timeout, 15 attempts, 10 s doubling to 6 h, 4 at once, a poll every 5 s', () => {
    const guard = create({ endpoints: [{ url: URL, secret: WHSEC }] });
    const config = guard.config.webhooks!;
    expect(config).to.deep.include({ timeoutMs: 10_000, maxAttempts: 15, retryDelayMs: 10_000, maxRetryDelayMs: 6 * 3_600_000, concurrency: 4, pollIntervalMs: 5000, queue: undefined });
    expect(config.endpoints[0]).to.include({ url: URL, events: undefined });
    expect(guard.webhooks.enabled).to.equal(true);
    void guard.close();
  });

  it('is off by default: no endpoints, no dead letters', async () => {
    const guard = create(undefined);
    expect(guard.config.webhooks).to.equal(undefined);
    expect(guard.webhooks.enabled).to.equal(false);
    expect(await guard.webhooks.deadLetters()).to.deep.equal([]);
    expect(await guard.webhooks.pending()).to.equal(0);
    await guard.close();
  });

  it('accepts a raw secret of 24 bytes or more, a list of secrets, an event filter and a queue', async () => {
    const queue = new MemoryDeliveryQueue();
    const options: WebhookOptions = { endpoints: [{ url: URL, secret: ['raw-secret-of-24-bytes-at-least', WHSEC], events: ['device.detached', 'conversion.recorded'] }], queue };
    const guard = create(options);
    expect(guard.config.webhooks!.queue).to.equal(queue);
    expect([...guard.config.webhooks!.types]).to.deep.equal(['device.detached', 'conversion.recorded']);
    await guard.close();
  });

  it('refuses unknown keys, naming the closest', () => {
    refuses({ endpoints: [{ url: URL, secret: WHSEC }], timeout: 5 }, 'SHARELOCK_E_OPTION_UNKNOWN', /`webhooks.timeout`.*Did you mean `timeoutMs`/);
    refuses({ endpoints: [{ url: URL, secret: WHSEC, event: ['device.detached'] }] }, 'SHARELOCK_E_OPTION_UNKNOWN', /`webhooks.endpoints\[0\].event`.*Did you mean `events`/);
  });

  it('refuses missing or bad endpoints', () => {
    refuses({}, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.endpoints`.*List 1 to 20 endpoints/);
    refuses({ endpoints: [] }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.endpoints`/);
    refuses({ endpoints: [{ url: 'example.com/hook', secret: WHSEC }] }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.endpoints\[0\].url`: "example.com\/hook". Use an absolute http\(s\) URL/);
    refuses({ endpoints: [{ url: 'ftp://example.com/hook', secret: WHSEC }] }, 'SHARELOCK_E_OPTION_INVALID', /endpoints\[0\].url/);
    refuses({ endpoints: [{ url: 'https://user:pass@example.com/hook', secret: WHSEC }] }, 'SHARELOCK_E_OPTION_INVALID', /Leave credentials out/);
    refuses({ endpoints: [{ url: URL, secret: WHSEC }, { url: URL, secret: WHSEC }] }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.endpoints\[1\].url`.*Each URL once/);
  });

  it('refuses a bad secret without echoing it', () => {
    refuses({ endpoints: [{ url: URL, secret: 'short-secret' }] }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.endpoints\[0\].secret`: "\[12 characters\]".*24 to 64 bytes; this one has 12.*openssl rand -base64 32/);
    refuses({ endpoints: [{ url: URL, secret: 'whsec_not base64!' }] }, 'SHARELOCK_E_OPTION_INVALID', /After `whsec_` comes base64/);
    refuses({ endpoints: [{ url: URL, secret: [] }] }, 'SHARELOCK_E_OPTION_INVALID', /secret/);
    refuses({ endpoints: [{ url: URL, secret: [WHSEC, 'tiny'] }] }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.endpoints\[0\].secret\[1\]`/);
    refuses({ endpoints: [{ url: URL }] }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.endpoints\[0\].secret`/);
    try {
      create({ endpoints: [{ url: URL, secret: 'short-secret' }] });
    } catch (error) {
      expect((error as Error).message).to.not.include('short-secret');
    }
  });

  it('refuses unknown event types, listing the known ones', () => {
    refuses({ endpoints: [{ url: URL, secret: WHSEC, events: ['device.kicked'] }] }, 'SHARELOCK_E_OPTION_INVALID', /"device.kicked". Known event types: device.attached, device.detached/);
    refuses({ endpoints: [{ url: URL, secret: WHSEC, events: [] }] }, 'SHARELOCK_E_OPTION_INVALID', /List the event types/);
  });

  it('refuses numbers out of range and a back-off that shrinks', () => {
    const endpoints = [{ url: URL, secret: WHSEC }];
    refuses({ endpoints, timeoutMs: 0 }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.timeoutMs`: 0. It must be a whole number from 1 to 120000 \(milliseconds/);
    refuses({ endpoints, maxAttempts: 0 }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.maxAttempts`/);
    refuses({ endpoints, concurrency: 1.5 }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.concurrency`/);
    refuses({ endpoints, retryDelayMs: 60_000, maxRetryDelayMs: 1000 }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.maxRetryDelayMs`: 1000. It must be at least `webhooks.retryDelayMs` \(60000 ms\)/);
  });

  it('refuses a queue that is not a DeliveryQueue, naming what is missing', () => {
    refuses({ endpoints: [{ url: URL, secret: WHSEC }], queue: { push: () => {} } }, 'SHARELOCK_E_OPTION_INVALID', /`webhooks.queue`.*`claim` is missing/);
  });
});
