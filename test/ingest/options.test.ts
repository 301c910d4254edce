import { expect } from 'chai';
import { createSharelock, hours, minutes, type Options } from '../../src/index.js';
import { defaultIngestIdentify } from '../../src/ingest/event.js';
import { writeKeyDigest } from '../../src/ingest/auth.js';

const base: Options = { secret: 'a-test-secret-that-is-long-enough-0123456789', identify: () => null, logger: { warn: () => {}, error: () => {} } };
const failure = (options: Partial<Options>) => {
  try {
    createSharelock({ ...base, ...options });
    return 'it was accepted';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('ingest: options', () => {
  it('is off by default, with defaults for ingest() itself', () => {
    const { ingest } = createSharelock(base).config;
    expect(ingest).to.deep.include({ enabled: false, path: '/sharelock/ingest', maxBodyBytes: 500 * 1024, maxEventAgeMs: hours(24), maxClockSkewMs: minutes(5), identify: defaultIngestIdentify });
  });

  it('turns on with a write key, under the challenge base path', () => {
    const { ingest } = createSharelock({ ...base, challenge: { basePath: '/account-guard' }, ingest: { writeKeys: 'wk_live_0123456789abcdef' } }).config;
    expect(ingest.enabled).to.equal(true);
    expect(ingest.path).to.equal('/account-guard/ingest');
    expect(ingest.writeKeys).to.deep.equal([writeKeyDigest('wk_live_0123456789abcdef')]);
  });

  it('names the mistake and the fix', () => {
    expect(failure({ ingest: {} })).to.match(/SHARELOCK_E_OPTION_INVALID: Invalid `ingest.writeKeys`.*at least one write key/);
    expect(failure({ ingest: { writeKeys: ['short'] } })).to.match(/Invalid `ingest.writeKeys\[0\]`: "shor… \(5 characters\)"\. A write key is a string of 16 to 256 characters/);
    expect(failure({ ingest: { writeKeys: ['wk_live:0123456789abcdef'] } })).to.match(/without `:`/);
    expect(failure({ ingest: { writeKeys: 'wk_live_0123456789abcdef', path: 'ingest' } })).to.match(/Invalid `ingest.path`/);
    expect(failure({ ingest: { writeKeys: 'wk_live_0123456789abcdef', path: '/sharelock/challenge/x' } })).to.match(/challenge pages live under/);
    expect(failure({ ingest: { writeKeys: 'wk_live_0123456789abcdef', maxBodyBytes: 10 * 1024 * 1024 } })).to.match(/Invalid `ingest.maxBodyBytes`/);
    expect(failure({ ingest: { writeKeys: 'wk_live_0123456789abcdef', identify: 'byUserId' as never } })).to.match(/Invalid `ingest.identify`/);
    expect(failure({ ingest: { writeKey: 'wk_live_0123456789abcdef' } as never })).to.match(/SHARELOCK_E_OPTION_UNKNOWN: Unknown option `ingest.writeKey`. Did you mean `writeKeys`\?/);
  });

  it('never echoes a write key in an error', () => {
    expect(failure({ ingest: { writeKeys: ['wk_secret_123'] } })).not.to.include('wk_secret_123');
  });

  it('can be switched off with its keys in place', () => {
    expect(createSharelock({ ...base, ingest: { enabled: false, writeKeys: 'wk_live_0123456789abcdef' } }).config.ingest.enabled).to.equal(false);
  });
});
