import { expect } from 'chai';
import * as fc from 'fast-check';
import { createSharelock, type Identity, type Sharelock } from '../../src/index.js';
import { FakeClock } from '../support/clock.js';
import { cookiePair, headerValue, quietLogger, requestLike, runs, SECRET, wildString } from './support.js';

/** A cookie of the header as built: whether it is named as a device cookie, and whose valid value (if any) it holds. */
interface Entry {
  text: string;
  /** The device whose signed value this entry carries, when it may still verify (`maybe`: e.g. an equivalent base64 spelling of the MAC). */
  device?: string;
  deviceName: boolean;
}

const DEVICE_NAMES = ['sl_device', '__Host-sl_device'];
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** How a real value gets garbled: each either certainly breaks the signature, or may keep it (`keeps: true`). */
function mutated(value: string): fc.Arbitrary<{ value: string; keeps: boolean }> {
  return fc.oneof(
    // Any character replaced: the id, the dot or the MAC. The MAC's last character carries 2 bits
    // and 4 padding bits, so some replacements decode to the same MAC: the same device, no one else's.
    fc.tuple(fc.nat({ max: value.length - 1 }), fc.constantFrom(...BASE64URL, '.', '=', '+', '/')).map(([i, c]) => ({ value: value.slice(0, i) + c + value.slice(i + 1), keeps: i === value.length - 1 || value[i] === c })),
    fc.nat({ max: value.length - 1 }).map((n) => ({ value: value.slice(0, n), keeps: false })),
    // Trailing blanks are trimmed and a `;` ends the value: those keep it.
    fc.string({ minLength: 1, maxLength: 5, unit: fc.constantFrom('x', '=', ' ', '\t', ';', '.', 'A', '%') }).map((extra) => ({ value: value + extra, keeps: /^[ \t]*(;|$)/.test(extra) })),
    fc.constant({ value: `${value}${value}`, keeps: false }),
    fc.constant({ value: value.split('.').reverse().join('.'), keeps: false }),
    fc.constant({ value: `"${value}"`, keeps: true }),
    fc.constant({ value: value.toLowerCase(), keeps: value === value.toLowerCase() }),
    // Percent-encoding a character: the cookie parser decodes it back.
    fc.nat({ max: value.length - 1 }).map((i) => ({ value: `${value.slice(0, i)}%${value.charCodeAt(i).toString(16).toUpperCase()}${value.slice(i + 1)}`, keeps: true })),
  );
}

/** Cookie headers mixing junk, other cookies, and real or garbled device cookies of `devices` (id → `name=value` value). */
function cookieHeader(devices: Map<string, string>): fc.Arbitrary<{ header: string; entries: Entry[] }> {
  const ids = [...devices.keys()];
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...DEVICE_NAMES) },
    { weight: 1, arbitrary: fc.constantFrom(' sl_device', 'sl_device\t', ' __Host-sl_device ') },
    { weight: 2, arbitrary: fc.constantFrom('SL_DEVICE', '__host-sl_device', 'sl_devic', 'sl_device2', '__Host-', 'sl-device', 'session', '') },
  );
  const entry: fc.Arbitrary<Entry> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.tuple(name, fc.constantFrom(...ids)).map(([n, id]) => ({ text: `${n}=${devices.get(id)!}`, device: id, deviceName: DEVICE_NAMES.includes(n.trim()) })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(name, fc.constantFrom(...ids)).chain(([n, id]) =>
        mutated(devices.get(id)!).map((m) => ({ text: `${n}=${m.value}`, ...(m.keeps ? { device: id } : {}), deviceName: DEVICE_NAMES.includes(n.trim()) })),
      ),
    },
    { weight: 2, arbitrary: fc.tuple(name, wildString(60)).map(([n, v]) => ({ text: `${n}=${v}`, deviceName: DEVICE_NAMES.includes(n.trim()) })) },
    // Junk with no device name in it cannot name a device, whatever else it holds.
    { weight: 2, arbitrary: wildString(300).filter((s) => !/sl_device/i.test(s)).map((text) => ({ text, deviceName: false })) },
  );
  return fc.tuple(fc.array(entry, { minLength: 0, maxLength: 6 }), fc.constantFrom('; ', ';', ';  ', ';\t', ', ')).map(([entries, separator]) => ({ header: entries.map((e) => e.text).join(separator), entries }));
}

/** Ids the header may legitimately name: those of device-named entries that still carry a valid value. */
const nameable = (entries: Entry[]) => new Set(entries.filter((e) => e.deviceName && e.device !== undefined).map((e) => e.device!));

describe('fuzz: cookie headers, device ids and signatures', () => {
  let guard: Sharelock<Identity | null>;
  let clock: FakeClock;
  /** The account's two attached devices: id → signed cookie value. */
  const devices = new Map<string, string>();
  const attachedIds = async () => (await guard.devices('alice')).filter((d) => d.status === 'attached').map((d) => d.id);

  before(async () => {
    clock = new FakeClock();
    guard = createSharelock<Identity | null>({ secret: SECRET, identify: (identity) => identity, limits: { devices: 2 }, now: clock.now, logger: quietLogger });
    for (const https of [false, true]) {
      const decision = await guard.decide(requestLike({}, { https }), { id: 'alice' });
      expect(decision.verdict.kind).to.equal('allow');
      devices.set(decision.deviceId!, cookiePair(decision.setCookie!).split('=')[1]!);
    }
    expect(await attachedIds()).to.have.members([...devices.keys()]);
  });
  after(() => guard.close());

  it('deviceOf() never throws and never names a device whose valid cookie is not in the header (10 000 headers)', () => {
    fc.assert(
      fc.property(cookieHeader(devices), ({ header, entries }) => {
        const id = guard.deviceOf({ headers: { cookie: header } });
        if (id !== undefined) expect([...nameable(entries)], `${JSON.stringify(header.slice(0, 120))} read as ${id}`).to.include(id);
      }),
      runs(0x5eed_0201, 10_000),
    );
  });

  it('deviceOf() reads a valid device cookie among any other cookies (10 000 headers)', () => {
    const junk = fc.array(wildString(200).filter((s) => !/sl_device/i.test(s)), { maxLength: 4 });
    fc.assert(
      fc.property(junk, fc.constantFrom(...devices.keys()), fc.constantFrom(...DEVICE_NAMES), fc.boolean(), (others, id, name, last) => {
        const cookie = `${name}=${devices.get(id)!}`;
        const header = (last ? [...others, cookie] : [cookie, ...others]).join('; ');
        expect(guard.deviceOf({ headers: { cookie: header } }), JSON.stringify(header.slice(0, 120))).to.equal(id);
      }),
      runs(0x5eed_0202, 10_000),
    );
  });

  it('deviceOf() never throws on any string at all (10 000 strings)', () => {
    fc.assert(
      fc.property(wildString(2_000), (header) => {
        expect(guard.deviceOf({ headers: { cookie: header } })).to.equal(undefined);
      }),
      runs(0x5eed_0203, 10_000),
    );
  });

  it('decide() never throws, gives a device no other device id, round-trips the cookie it sets, and loses no device of the account (10 000 requests)', async () => {
    const known = [...devices.keys()];
    await fc.assert(
      fc.asyncProperty(cookieHeader(devices), fc.boolean(), async ({ header, entries }, https) => {
        const cookie = header.replace(/[\r\n\0]/g, '');
        const decision = await guard.decide(requestLike({ cookie }, { https, url: '/watch/1' }), { id: 'alice' });
        expect(['allow', 'challenge']).to.include(decision.verdict.kind);
        const id = decision.deviceId!;
        expect(id).to.match(/^[A-Za-z0-9_-]{22}$/);
        if (known.includes(id)) expect([...nameable(entries)], `${JSON.stringify(cookie.slice(0, 120))} became ${id}`).to.include(id);
        if (decision.setCookie !== undefined) {
          // A device given a new cookie is recognised by it from its next request on.
          const pair = cookiePair(decision.setCookie);
          expect(guard.deviceOf({ headers: { cookie: pair } })).to.equal(id);
          const again = await guard.decide(requestLike({ cookie: pair }, { https }), { id: 'alice' });
          expect(again.deviceId).to.equal(id);
          expect(again.setCookie).to.equal(undefined);
        }
        expect(await attachedIds(), 'the two attached devices stay attached, and no other joins them').to.have.members(known);
      }),
      runs(0x5eed_0204, 10_000),
    );
  });

  it('a header of any shape and size is a new device, never an error (2 000 requests)', async () => {
    await fc.assert(
      fc.asyncProperty(headerValue(20_000), async (cookie) => {
        const decision = await guard.decide(requestLike({ cookie }), { id: 'alice' });
        expect(decision.verdict.kind).to.equal('challenge');
        expect([...devices.keys()]).not.to.include(decision.deviceId);
        expect(decision.setCookie).to.match(/^sl_device=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}; /);
      }),
      runs(0x5eed_0205, 2_000),
    );
    expect(await attachedIds()).to.have.members([...devices.keys()]);
  });
});
