import { expect } from 'chai';
import * as fc from 'fast-check';
import { createSharelock, MemoryStore, SharelockError, type Options, type Sharelock } from '../../src/index.js';
import { quietLogger, requestLike, runs, SECRET } from './support.js';

/** The documented options, as nested objects (a leaf is any value). The compiler checks each name is an option. */
type Schema = { [key: string]: Schema | 'leaf' };
const COUNTS: Schema = { wrongCodes: 'leaf', codesSent: 'leaf', challengesOpened: 'leaf' };
const LIST: Schema = { accounts: 'leaf', devices: 'leaf', ips: 'leaf', countries: 'leaf' };
const TOP = {
  secret: 'leaf',
  identify: 'leaf',
  protect: 'leaf',
  exclude: 'leaf',
  limits: { devices: 'leaf', computer: 'leaf', tablet: 'leaf', mobile: 'leaf', tv: 'leaf', other: 'leaf', people: 'leaf' },
  inactiveAfterMs: 'leaf',
  urls: { newAccount: 'leaf', logout: 'leaf', success: 'leaf', suspended: 'leaf' },
  onLogout: 'leaf',
  trustProxy: 'leaf',
  recordPages: 'leaf',
  recordIps: 'leaf',
  cookie: { name: 'leaf', maxAgeMs: 'leaf', secure: 'leaf' },
  cache: { allowTtlMs: 'leaf', max: 'leaf' },
  touchIntervalMs: 'leaf',
  historySize: 'leaf',
  challenge: {
    basePath: 'leaf', ttlMs: 'leaf', codeTtlMs: 'leaf', codeLength: 'leaf', maxAttempts: 'leaf', resendIntervalMs: 'leaf', dangerouslySkipOwnerVerification: 'leaf',
    budget: { windowMs: 'leaf', maxWindowMs: 'leaf', perDevice: COUNTS, perAccount: COUNTS },
  },
  senders: { email: 'leaf', sms: 'leaf' },
  branding: { appName: 'leaf', logoUrl: 'leaf', colors: { accent: 'leaf', background: 'leaf', text: 'leaf' }, strings: { title: 'leaf', introLead: 'leaf', devicesOne: 'leaf' } },
  store: 'leaf',
  storeTimeoutMs: 'leaf',
  storeFailure: 'leaf',
  logger: 'leaf',
  production: 'leaf',
  now: 'leaf',
  geo: { headers: 'leaf', headerAccuracyKm: 'leaf', lookup: 'leaf', database: 'leaf' },
  tolerance: 'leaf',
  signals: {
    activeWindowMs: 'leaf', dualStackLinkMs: 'leaf', cloneWindowMs: 'leaf',
    travel: { windowMs: 'leaf', minDistanceKm: 'leaf', minSpeedKmh: 'leaf', maxAccuracyKm: 'leaf', minPlaceDays: 'leaf' },
    velocity: { networksPerHour: 'leaf', newDevicesPerDay: 'leaf' },
    people: { minDays: 'leaf', minOverlapDays: 'leaf', overlapWindowMs: 'leaf' },
  },
  policies: 'leaf',
  monitor: 'leaf',
  lists: { allow: LIST, deny: LIST },
  verifiedTrustMs: 'leaf',
  locale: 'leaf',
  consoleType: 'leaf',
  clientHints: 'leaf',
} satisfies { [K in keyof Options]?: Schema | 'leaf' };

/** Names an object inherits: `key in {}` is true for them, so a check written that way lets them through. */
const INHERITED = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__'];

/**
 * Numbers at the bounds options check. Durations get day-sized ones; sizes do not: a cache of
 * 10^8 entries would really be allocated (see the size property below for what sizes must do).
 */
const durations = fc.constantFrom(0, 1, 999, 1000, 59_999, 60_000, 86_400_000, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0);
const counts = fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom(0, 1, 2, 5, 6, 10, 11, 20, 21, 1000, 1001, 10_000, 100_000, 2 ** 32, 2 ** 53 - 1, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, -0));

/** Values that come close to valid ones: the words options take, patterns, lists, functions, objects. */
function plausible(key: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: key.endsWith('Ms') ? durations : counts },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 2, arbitrary: fc.constantFrom('/watch/*', '/api/**', '/', '', 'allow', 'deny', 'auto', 'loopback', '10.0.0.0/8', 'cloudflare', 'fastly', 'default', 'strict', 'lenient', '#4f46e5', 'sl_device', 'https://x.example', '/sharelock', '/[', '/**/*', '/a{', 'geoip-lite', 'verify', 'device_limit', 'tv', 'other', 'critical', 'fr', 'ar', 'en-GB') },
    // Where an option takes one of a few words, the names every object inherits are the edge case.
    { weight: 2, arbitrary: fc.constantFrom(...INHERITED) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom<unknown>('/watch/*', 'x', '/a', 5, null, '10.0.0.0/8', 'cloudflare', 'GET', { path: '/x' }), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, {}, [], { send: () => undefined }, { warn: () => {}, error: () => {} }, { mmdb: '/nonexistent.mmdb' }, { challenge: 'verify' }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(() => null, () => 5, () => [], (defaults: unknown) => defaults) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>({ path: '/x', methods: ['GET'], limits: { devices: 2 } }, { path: '/x', methods: [] }, { name: 'p', priority: 1, action: 'allow', when: { signal: 'people_count' } }) },
    // Sparse lists, as a doubled comma writes them: `['/watch/*', , '/api/**']`.
    { weight: 1, arbitrary: fc.constantFrom<unknown>(['/watch/*', , '/api/**'], [, '/watch/*'], [, 'x'.repeat(40)], [, { name: 'p', priority: 1, action: 'allow', when: { signal: 'people_count' } }], [, 'cloudflare']) },
  );
}

/** Anything at all, with primitives kept to sizes that are cheap to allocate. */
const garbage: fc.Arbitrary<unknown> = fc.anything({
  maxDepth: 2,
  maxKeys: 4,
  values: [fc.boolean(), fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1000, max: 1000 }), fc.string({ maxLength: 12 }), fc.constantFrom(null, undefined, Number.NaN, -0, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER)],
  withBigInt: true,
  withNullPrototype: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withObjectString: true,
});

/** A huge value now and then: the longest strings options see (patterns, paths, names). */
const huge = fc.constantFrom(`/${'a'.repeat(70_000)}`, [`/${'w'.repeat(70_000)}/*`], 'x'.repeat(100_000));

/**
 * Objects with one to three of the schema's keys (mostly one, so that validation gets past the first
 * bad value and reaches every check), each plausible, garbage, huge or nested, and now and then an unknown key.
 */
function optionsLike(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const value = (key: string, sub: Schema | 'leaf'): fc.Arbitrary<unknown> =>
    sub === 'leaf'
      ? fc.oneof({ weight: 6, arbitrary: plausible(key) }, { weight: 3, arbitrary: garbage }, { weight: 1, arbitrary: huge })
      : fc.oneof({ weight: 3, arbitrary: optionsLike(sub) }, { weight: 1, arbitrary: plausible(key) }, { weight: 1, arbitrary: garbage });
  // Mostly one key, so each check is reached with everything else valid.
  const keys = fc.constantFrom(...Object.keys(schema));
  const known = fc
    .oneof({ weight: 3, arbitrary: keys.map((key) => [key]) }, { weight: 1, arbitrary: fc.uniqueArray(keys, { minLength: 2, maxLength: 3 }) })
    .chain((keys) => fc.tuple(...keys.map((key) => value(key, schema[key]!).map((v) => [key, v] as const))));
  const unknown = fc.option(fc.tuple(fc.oneof(fc.constantFrom(...INHERITED), fc.string({ maxLength: 12 })), garbage), { freq: 10 });
  return fc.tuple(known, unknown).map(([entries, extra]) => {
    const object: Record<string, unknown> = {};
    // Data properties even for `__proto__`, as JSON.parse or a spread would make them.
    for (const [key, v] of extra ? [...entries, extra] : entries) Object.defineProperty(object, key, { value: v, enumerable: true, writable: true, configurable: true });
    return object;
  });
}

/**
 * One store for every instance: a `MemoryStore` preallocates its caches (about 50 ms each), and the
 * store's own validation is not what these properties are about (a generated `store` still replaces it).
 */
const store = new MemoryStore();

/** A valid skeleton (secret, identify, a silent logger, the shared store) under the generated options. */
const optionObjects = optionsLike(TOP).map((generated) => {
  const options: Record<string, unknown> = { secret: 'x'.repeat(40), identify: () => null, store, ...generated };
  // The default logger writes to the console; any other value is the generated one's to validate.
  if (options.logger === undefined) options.logger = quietLogger;
  return options;
});

/** Every number in a frozen settings object: a valid instance has no `undefined` or NaN among its thresholds. */
function numbersIn(value: unknown, at = 'signals'): [string, unknown][] {
  if (value === null || typeof value !== 'object') return [[at, value]];
  return Object.entries(value).flatMap(([key, inner]) => numbersIn(inner, `${at}.${key}`));
}

/** Creates the instance, or checks the error is a `SharelockError` with a stable code. */
function attempt(options: Record<string, unknown>): Sharelock | undefined {
  try {
    return createSharelock(options as unknown as Options);
  } catch (error) {
    const shown = error instanceof Error ? `${error.constructor.name}: ${error.message.slice(0, 160)}` : String(error);
    expect(error, shown).to.be.instanceOf(SharelockError);
    expect((error as SharelockError).code, shown).to.match(/^SHARELOCK_E_[A-Z_]+$/);
    return undefined;
  }
}

/** `a.b.c` → `{ a: { b: { c: value } } }`. */
function nested(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

/** The dotted paths to every leaf of a schema. */
function leafPaths(schema: Schema, prefix = ''): string[] {
  return Object.entries(schema).flatMap(([key, sub]) => (sub === 'leaf' ? [`${prefix}${key}`] : leafPaths(sub, `${prefix}${key}.`)));
}

/** Marks where a generated list has a hole. */
const HOLE = Symbol('hole');

describe('fuzz: option objects', () => {
  it('createSharelock() returns a working instance or throws a SharelockError with a code (10 000 option objects)', () => {
    fc.assert(
      fc.property(optionObjects, (options) => {
        const guard = attempt(options);
        if (!guard) return;
        try {
          expect(Object.isFrozen(guard.config)).to.equal(true);
          for (const [at, value] of numbersIn(guard.config.signals)) expect(Number.isFinite(value), `${at} is ${String(value)}`).to.equal(true);
          guard.match('GET', '/watch/1');
        } finally {
          void guard.close();
        }
      }),
      runs(0x5eed_0601, 10_000),
    );
  });

  it('an instance it returns decides a request without throwing (1 000 option objects)', async () => {
    await fc.assert(
      fc.asyncProperty(optionObjects, fc.constantFrom<unknown>(null, { id: 'alice' }, { id: 'alice', email: 'a@example.com' }, { id: 5 }, 'x'), async (options, identity) => {
        const guard = attempt({ ...options, identify: () => identity });
        if (!guard) return;
        try {
          const decision = await guard.decide(requestLike(), {}, guard.config.defaultRoute);
          expect(['allow', 'challenge', 'logout', 'suspended', 'deny']).to.include(decision.verdict.kind);
        } finally {
          await guard.close();
        }
      }),
      runs(0x5eed_0602, 1_000),
    );
  });

  it('takes any number for any numeric option, or refuses it with a SharelockError (2 000 option objects)', () => {
    // Every path to a number in the schema, and numbers at and far beyond every bound (sizes past 2^32 too:
    // below that a size is really allocated, so only a bound can refuse it without exhausting memory).
    const numeric = leafPaths(TOP).filter((path) => !/^(secret|identify|protect|exclude|urls|onLogout|trustProxy|recordPages|recordIps|cookie\.(name|secure)|challenge\.(basePath|dangerouslySkipOwnerVerification)|senders|branding|store|storeFailure|logger|production|now|geo\.(headers|lookup|database)|tolerance|policies|monitor|lists|locale|consoleType|clientHints)\b/.test(path));
    const numbers = fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.constantFrom(0, -0, -1, 0.5, 1e-9, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2 ** 53, 1e21, Number.MAX_VALUE));
    fc.assert(
      fc.property(fc.constantFrom(...numeric), numbers, (path, value) => {
        const guard = attempt({ secret: SECRET, identify: () => null, logger: quietLogger, store, ...nested(path, value) });
        if (guard) void guard.close();
      }),
      runs(0x5eed_0604, 2_000),
    );
  });

  it('takes a list with holes only as the list without them, or refuses it with a SharelockError (1 000 option objects)', () => {
    const lists: [string, unknown[]][] = [
      ['secret', [SECRET, `${SECRET}-old`]],
      ['protect', ['/watch/*', { path: '/api/**', methods: ['GET'] }]],
      ['exclude', ['/watch/trailer', '/free']],
      ['trustProxy', ['loopback', '10.0.0.0/8']],
      ['policies', [{ name: 'p', priority: 1, action: 'allow', when: { signal: 'people_count' } }]],
      ['geo.headers', ['cloudflare', 'fastly']],
      ['lists.allow.ips', ['10.0.0.0/8', '192.0.2.1']],
      ['lists.deny.accounts', ['mallory']],
    ];
    const cases = fc.constantFrom(...lists).chain(([path, list]) =>
      fc.tuple(fc.constant(path), fc.array(fc.oneof(fc.constantFrom(...list), fc.constant(HOLE)), { minLength: 1, maxLength: 5 }).filter((items) => items.includes(HOLE))),
    );
    fc.assert(
      fc.property(cases, ([path, items]) => {
        const sparse: unknown[] = [];
        items.forEach((item, i) => {
          if (item !== HOLE) sparse[i] = item;
        });
        sparse.length = items.length;
        const guard = attempt({ secret: SECRET, identify: () => null, logger: quietLogger, store, ...nested(path, sparse) });
        if (!guard) return;
        try {
          guard.match('GET', '/watch/1');
          guard.match('GET', '/api/x');
        } finally {
          void guard.close();
        }
      }),
      runs(0x5eed_0605, 1_000),
    );
  });

  it('refuses every unknown key, at the top or in a nested group, inherited names too (2 000 option objects)', () => {
    const groups: [string, Record<string, unknown>][] = [
      ['', {}],
      ['urls', { logout: '/logout' }],
      ['cookie', { name: 'sl_device' }],
      ['cache', {}],
      ['challenge', { ttlMs: 60_000 }],
      ['limits', { devices: 2 }],
      ['branding', { appName: 'x' }],
      ['geo', {}],
      ['signals', {}],
      ['lists', {}],
    ];
    const known = (group: string) => new Set(Object.keys(group === '' ? TOP : (TOP[group as keyof typeof TOP] as Schema)));
    const unknownKey = (group: string) => fc.oneof(fc.constantFrom(...INHERITED), fc.string({ minLength: 1, maxLength: 12 })).filter((key) => !known(group).has(key));
    const cases = fc.constantFrom(...groups).chain(([group, base]) => fc.tuple(fc.constant(group), fc.constant(base), unknownKey(group), plausible('x')));
    fc.assert(
      fc.property(cases, ([group, base, key, value]) => {
        const target: Record<string, unknown> = { ...base };
        Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
        const skeleton = { secret: SECRET, identify: () => null, logger: quietLogger, store };
        const options = group === '' ? { ...skeleton, ...target } : { ...skeleton, [group]: target };
        let code: string | undefined;
        try {
          void createSharelock(options as unknown as Options).close();
        } catch (error) {
          code = (error as SharelockError).code;
        }
        expect(code, `${group || 'options'}.${key}`).to.equal('SHARELOCK_E_OPTION_UNKNOWN');
      }),
      runs(0x5eed_0603, 2_000),
    );
  });
});
