import { expect } from 'chai';
import { createSharelock, days, SharelockError, type Options } from '../src/index.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const silent = { warn: () => {}, error: () => {} };
const base: Options = { secret: SECRET, identify: () => null, logger: silent };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(SharelockError);
    return (error as SharelockError).code;
  }
  return undefined;
}

describe('options', () => {
  it('rejects unknown keys and suggests the likely one', () => {
    expect(() => createSharelock({ ...base, limts: { devices: 2 } } as Options)).to.throw(/SHARELOCK_E_OPTION_UNKNOWN: Unknown option `limts`. Did you mean `limits`\?/);
    expect(() => createSharelock({ ...base, challenge: { codeTTL: 5 } } as unknown as Options)).to.throw(/`challenge.codeTTL`. Did you mean `codeTtlMs`\?/);
  });

  it('names the option, shows the value and says the fix', () => {
    expect(() => createSharelock({ ...base, limits: { devices: 0 } })).to.throw(/Invalid `limits.devices`: 0. It must be a whole number from 1 to 1000/);
    expect(() => createSharelock({ ...base, inactiveAfterMs: '7d' as unknown as number })).to.throw(/Invalid `inactiveAfterMs`: "7d".*milliseconds/);
    expect(() => createSharelock({ ...base, protect: ['watch/*'] })).to.throw(/Invalid `protect\[0\]`: "watch\/\*". A path pattern starts with '\/'/);
    expect(() => createSharelock({ ...base, urls: { logout: 'javascript:alert(1)' } })).to.throw(/Invalid `urls.logout`/);
    expect(() => createSharelock({ ...base, storeFailure: 'open' as 'allow' })).to.throw(/Use 'allow' \(fail open\) or 'deny'/);
    expect(() => createSharelock({ ...base, branding: { colors: { accent: 'red;}body{display:none' } } })).to.throw(/Invalid `branding.colors.accent`/);
    expect(codeOf(() => createSharelock({ secret: SECRET } as Options))).to.equal('SHARELOCK_E_IDENTIFY_MISSING');
    // Places remember 31 days of use: more would switch impossible travel off without a word.
    expect(() => createSharelock({ ...base, signals: { travel: { minPlaceDays: 32 } } })).to.throw(/Invalid `signals.travel.minPlaceDays`: 32. It must be a whole number from 0 to 31/);
  });

  it('requires a long secret and senders in production', () => {
    expect(codeOf(() => createSharelock({ ...base, secret: undefined, production: true }))).to.equal('SHARELOCK_E_SECRET_MISSING');
    expect(codeOf(() => createSharelock({ ...base, secret: 'short', production: true }))).to.equal('SHARELOCK_E_SECRET_SHORT');
    expect(codeOf(() => createSharelock({ ...base, production: true }))).to.equal('SHARELOCK_E_SENDER_MISSING');
    expect(codeOf(() => createSharelock({ ...base, production: true, senders: { email: { send: async () => {} } } }))).to.equal(undefined);
  });

  it('warns once and uses a random secret in development', () => {
    const warnings: string[] = [];
    const guard = createSharelock({ identify: () => null, logger: { warn: (m) => warnings.push(m), error: () => {} } });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/SHARELOCK_E_SECRET_MISSING/);
    expect(guard.config.secrets[0]).to.have.length(32);
  });

  it('resolves defaults once into a frozen config and leaves the caller\'s object alone', () => {
    const options: Options = { ...base, limits: { mobile: 1 } };
    const copy = structuredClone({ ...options, identify: undefined, logger: undefined });
    const { config } = createSharelock(options);
    expect(config.defaultRoute.limits).to.deep.equal({ devices: 10, mobile: 1 });
    expect(config.inactiveAfterMs).to.equal(days(7));
    expect(config.challenge).to.include({ basePath: '/sharelock', codeLength: 6, maxAttempts: 5 });
    expect(Object.isFrozen(config)).to.equal(true);
    expect({ ...options, identify: undefined, logger: undefined }).to.deep.equal(copy);
  });

  it('keeps a real 0 instead of the default', () => {
    const { config } = createSharelock({ ...base, touchIntervalMs: 0, cache: { allowTtlMs: 0 } });
    expect(config.touchIntervalMs).to.equal(0);
    expect(config.cache.allowTtlMs).to.equal(0);
  });

  it('validates per-route options when the route is declared', () => {
    const guard = createSharelock(base);
    expect(() => guard.protect({ limits: { devcies: 2 } } as never)).to.throw(/Unknown option `protect\(\).limits.devcies`. Did you mean `devices`\?/);
    expect(guard.protect({ limits: { devices: 5 } }).route.limits.devices).to.equal(5);
  });
});
