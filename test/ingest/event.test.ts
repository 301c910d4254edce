import { expect } from 'chai';
import { isAuthorized, writeKeyDigest } from '../../src/ingest/auth.js';
import { asOf } from '../../src/ingest/as-of.js';
import { agentOfContext, deviceOfEvent } from '../../src/ingest/device.js';
import { checkEvent, metadataOf, pageOf, type CheckedEvent, type SegmentEvent } from '../../src/ingest/event.js';
import { eventTime } from '../../src/ingest/time.js';
import { hours, minutes, type DeviceRecord } from '../../src/index.js';
import { basic } from './support.js';

const NOW = Date.UTC(2026, 0, 5, 12);
const bounds = { maxEventAgeMs: hours(24), maxClockSkewMs: minutes(5) };
const iso = (at: number) => new Date(at).toISOString();

describe('ingest: event time', () => {
  it('corrects a sender clock that runs an hour fast with its own sentAt', () => {
    // Happened 10 s before it was sent, by a clock one hour ahead of ours.
    const event = { originalTimestamp: iso(NOW + hours(1) - 10_000), sentAt: iso(NOW + hours(1)) };
    expect(eventTime(event, undefined, NOW, bounds)).to.deep.equal({ ok: true, at: NOW - 10_000 });
  });

  it("uses the batch's sentAt when the event has none (Segment's libraries)", () => {
    const event = { timestamp: iso(NOW - hours(3) - 2_000) };
    expect(eventTime(event, iso(NOW - hours(3)), NOW, bounds)).to.deep.equal({ ok: true, at: NOW - 2_000 });
  });

  it('trusts a timestamp a pipeline already corrected (receivedAt set)', () => {
    const event = { timestamp: iso(NOW - hours(2)), sentAt: iso(NOW), originalTimestamp: iso(NOW - minutes(1)), receivedAt: iso(NOW - hours(2)) };
    expect(eventTime(event, undefined, NOW, bounds)).to.deep.equal({ ok: true, at: NOW - hours(2) });
  });

  it('accepts out-of-order events within the bound and refuses older or future ones with a reason', () => {
    expect(eventTime({ timestamp: iso(NOW - hours(23)) }, undefined, NOW, bounds)).to.deep.equal({ ok: true, at: NOW - hours(23) });
    const old = eventTime({ timestamp: iso(NOW - hours(25)) }, undefined, NOW, bounds);
    expect(old).to.include({ ok: false, error: 'too_old' });
    const future = eventTime({ timestamp: iso(NOW + minutes(10)) }, undefined, NOW, bounds);
    expect(future).to.include({ ok: false, error: 'in_future' });
    // Within the skew: now.
    expect(eventTime({ timestamp: iso(NOW + minutes(2)) }, undefined, NOW, bounds)).to.deep.equal({ ok: true, at: NOW });
  });

  it('never dates an event after it was sent, whatever the clocks say', () => {
    expect(eventTime({ originalTimestamp: iso(NOW + 5_000), sentAt: iso(NOW) }, undefined, NOW, bounds)).to.deep.equal({ ok: true, at: NOW });
  });

  it('counts an event with no time as happening now', () => {
    expect(eventTime({}, undefined, NOW, bounds)).to.deep.equal({ ok: true, at: NOW });
  });
});

describe('ingest: event checks', () => {
  const rejected = (value: unknown, type?: string) => {
    const check = checkEvent(value, type);
    return check.ok ? 'accepted' : check.message;
  };

  it('names the field that is wrong', () => {
    expect(rejected('page')).to.match(/JSON object/);
    expect(rejected({ userId: 'a' })).to.match(/`type` is missing/);
    expect(rejected({ type: 'pageview' })).to.match(/Unknown `type`/);
    expect(rejected({ type: 'page', userId: { id: 1 } })).to.match(/`userId`/);
    expect(rejected({ type: 'page', timestamp: 'yesterday' })).to.match(/`timestamp` must be an ISO-8601 date/);
    expect(rejected({ type: 'page', context: { ip: '999.1.1.1' } })).to.match(/`context.ip`/);
    expect(rejected({ type: 'page', context: 'web' })).to.match(/`context` must be an object/);
    expect(rejected({ type: 'screen' }, 'page')).to.match(/on the \/v1\/page endpoint/);
  });

  it('refuses an event above 32 KB', () => {
    const check = checkEvent({ type: 'page', properties: { blob: 'x'.repeat(33 * 1024) } });
    expect(check).to.include({ ok: false, error: 'event_too_large' });
  });

  it('accepts track, group and alias as events it does not use', () => {
    expect(checkEvent({ type: 'track', event: 'Played' })).to.deep.include({ ok: true, ignored: 'type_not_used' });
  });

  it('takes the type from a /v1/{type} endpoint', () => {
    expect(checkEvent({ userId: 'a' }, 'screen')).to.deep.include({ ok: true });
  });
});

describe('ingest: the device of an event', () => {
  const cookie = 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB';
  const verify = (value: string) => (value === cookie ? 'AAAAAAAAAAAAAAAAAAAAAA' : undefined);

  it('is the cookie device when context.device.id carries a valid sharelock cookie value', () => {
    expect(deviceOfEvent({ context: { device: { id: cookie } } }, verify)).to.deep.equal({ id: 'AAAAAAAAAAAAAAAAAAAAAA', cookie: true });
  });

  it('is namespaced for anything else, so an event cannot name a cookie device', () => {
    // A bare cookie device id, or a forged cookie value, is just a native id: hashed into ingest.…
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA.CCCCCCCCCCCCCCCCCCCCCC']) {
      const device = deviceOfEvent({ context: { device: { id } } }, verify)!;
      expect(device.cookie).to.equal(false);
      expect(device.id).to.match(/^ingest\.[A-Za-z0-9_-]{22}$/);
    }
    const fromAnonymous = deviceOfEvent({ anonymousId: 'AAAAAAAAAAAAAAAAAAAAAA' }, verify)!;
    expect(fromAnonymous.id).to.match(/^ingest\./).and.not.equal(deviceOfEvent({ context: { device: { id: 'AAAAAAAAAAAAAAAAAAAAAA' } } }, verify)!.id);
  });

  it("prefers the install's device id, which outlives anonymousId resets", () => {
    const a = deviceOfEvent({ anonymousId: 'anon-1', context: { device: { id: 'idfv-1' } } }, verify)!;
    const b = deviceOfEvent({ anonymousId: 'anon-2', context: { device: { id: 'idfv-1' } } }, verify)!;
    expect(a.id).to.equal(b.id);
    expect(deviceOfEvent({ userId: 'u' }, verify)).to.equal(undefined);
  });

  it('reads a mobile SDK context without a User-Agent', () => {
    expect(agentOfContext({ context: { os: { name: 'iOS', version: '17.4' }, device: { model: 'iPhone15,2', manufacturer: 'Apple' } } })).to.deep.equal({
      type: 'mobile',
      agent: { os: 'iOS', osVersion: '17.4', vendor: 'Apple', model: 'iPhone15,2' },
    });
    expect(agentOfContext({ context: { os: { name: 'iOS' }, device: { model: 'iPad13,1' } } }).type).to.equal('tablet');
    expect(agentOfContext({ context: { os: { name: 'tvOS' } } }).type).to.equal('tv');
    expect(agentOfContext({ context: { os: { name: 'Mac OS X' } } }).type).to.equal('computer');
    expect(agentOfContext({}).type).to.equal('other');
  });
});

describe('ingest: what is kept of an event', () => {
  const checked = (event: SegmentEvent): CheckedEvent => ({ type: event.type as 'page', event });

  it('records the path only, never the query string', () => {
    expect(pageOf(checked({ type: 'page', properties: { url: 'https://a.example/watch/1?token=secret#t' } }))).to.equal('/watch/1');
    expect(pageOf(checked({ type: 'page', context: { page: { path: '/live/2?x=1' } } }))).to.equal('/live/2');
    expect(pageOf(checked({ type: 'screen', name: 'Player' }))).to.equal('Player');
    expect(pageOf(checked({ type: 'page', properties: { url: 'not a url' } }))).to.equal(undefined);
  });

  it('bounds device metadata: scalars only, 24 keys, 256 characters, SDK fields win', () => {
    const own = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    const metadata = metadataOf({
      anonymousId: 'anon-1',
      properties: { metadata: { ...own, nested: { a: 1 }, long: 'x'.repeat(1000) } },
      context: { metadata: { anonymousId: 'spoofed' }, app: { name: 'Player', version: '2.1' }, library: { name: 'analytics-ios', version: '5' } },
    });
    expect(Object.keys(metadata)).to.have.length.at.most(24);
    expect(metadata.anonymousId).to.equal('anon-1');
    expect(metadata.nested).to.equal(undefined);
    expect(JSON.stringify(metadata).length).to.be.below(24 * 300);
  });
});

describe('ingest: write keys', () => {
  const keys = [writeKeyDigest('wk_live_0123456789abcdef'), writeKeyDigest('wk_old_fedcba9876543210')];

  it('accepts each key of a rotation as the Basic username with an empty password', () => {
    expect(isAuthorized(basic('wk_live_0123456789abcdef'), keys)).to.equal(true);
    expect(isAuthorized(basic('wk_old_fedcba9876543210'), keys)).to.equal(true);
  });

  it('refuses another key, a password, another scheme or no header', () => {
    expect(isAuthorized(basic('wk_live_0123456789abcdeX'), keys)).to.equal(false);
    expect(isAuthorized(basic('wk_live_0123456789abcdef', 'x'), keys)).to.equal(false);
    expect(isAuthorized('Bearer wk_live_0123456789abcdef', keys)).to.equal(false);
    expect(isAuthorized(`Basic ${Buffer.from('wk_live_0123456789abcdef').toString('base64')}`, keys)).to.equal(false);
    expect(isAuthorized(undefined, keys)).to.equal(false);
  });
});

describe('ingest: the account as it was when a late event happened', () => {
  const device = (id: string, lastSeen: number): DeviceRecord => ({ id, accountId: 'a', type: 'computer', agent: {}, status: 'attached', logoutPending: false, firstSeen: 0, lastSeen, lastIp: '198.51.100.1', lastNetwork: '198.51.100.0/24' });

  it('forgets the last use of devices used since, and leaves out later accesses', () => {
    const snapshot = { devices: [device('late', NOW - hours(3)), device('other', NOW - 1_000)], accesses: [{ at: NOW - hours(4), deviceId: 'other' }, { at: NOW - 1_000, deviceId: 'other' }] };
    const view = asOf(snapshot, 'late', NOW - hours(3), minutes(5));
    expect(view.devices[1]).to.include({ id: 'other', lastSeen: 0, status: 'attached' });
    expect(view.devices[1]!.lastIp).to.equal(undefined);
    expect(view.accesses).to.deep.equal([{ at: NOW - hours(4), deviceId: 'other' }]);
  });

  it('is the snapshot itself for an event in time order', () => {
    const snapshot = { devices: [device('a', NOW - 1_000), device('b', NOW - 2_000)], accesses: [] };
    expect(asOf(snapshot, 'a', NOW, minutes(5))).to.equal(snapshot);
  });
});
