import { createHash } from 'node:crypto';
import type { Agent, DeviceType } from '../model.js';
import type { SegmentEvent } from './event.js';

/** Prefix of the device ids sharelock derives from events: never the shape of a cookie's id (22 base64url characters). */
export const INGEST_DEVICE_PREFIX = 'ingest.';

/** The device an event is about. */
export interface EventDevice {
  id: string;
  /** `true`: a sharelock device cookie's device (the event carried the cookie's signed value). */
  cookie: boolean;
}

// The signed value of the device cookie: `{id}.{mac}`.
const COOKIE_VALUE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/;

/**
 * The device of an event, in order: a sharelock device cookie value in `context.device.id`
 * (verified by `verifyCookie`, so only a holder of that cookie can name its device), else the
 * install's `context.device.id`, else `anonymousId`. The last two are hashed into their own
 * namespace (`ingest.` + 22 characters): an event can never name, collide with or impersonate a
 * cookie's device, and ids keep a bounded size. The hash is not keyed, so rotating `secret` does
 * not turn every ingested device into a new one.
 */
export function deviceOfEvent(event: SegmentEvent, verifyCookie: (value: string) => string | undefined): EventDevice | undefined {
  const native = event.context?.device?.id;
  if (typeof native === 'string' && COOKIE_VALUE.test(native)) {
    const id = verifyCookie(native);
    if (id) return { id, cookie: true };
  }
  // The install's id outlives `anonymousId`, which SDKs renew at every `reset()` (a logout).
  if ((typeof native === 'string' || typeof native === 'number') && String(native).length > 0 && String(native).length <= 256) return { id: namespaced('device', String(native)), cookie: false };
  const anonymous = event.anonymousId;
  if (anonymous !== undefined && anonymous !== null && String(anonymous).length > 0) return { id: namespaced('anonymous', String(anonymous)), cookie: false };
  return undefined;
}

function namespaced(kind: string, value: string): string {
  return INGEST_DEVICE_PREFIX + createHash('sha256').update(`sharelock/ingest/${kind}\0${value}`).digest().subarray(0, 16).toString('base64url');
}

/** The headers a browser would have sent, from `context.userAgent` and `context.userAgentData`. */
export function agentHeadersOf(event: SegmentEvent): Record<string, string> {
  const context = event.context ?? {};
  const headers: Record<string, string> = {};
  if (typeof context.userAgent === 'string' && context.userAgent.length > 0) headers['user-agent'] = context.userAgent;
  const data = context.userAgentData;
  if (data && typeof data === 'object') {
    if (typeof data.mobile === 'boolean') headers['sec-ch-ua-mobile'] = data.mobile ? '?1' : '?0';
    if (typeof data.platform === 'string' && data.platform.length <= 100) headers['sec-ch-ua-platform'] = JSON.stringify(data.platform);
    if (typeof data.model === 'string' && data.model.length <= 100) headers['sec-ch-ua-model'] = JSON.stringify(data.model);
  }
  return headers;
}

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value.slice(0, 100) : undefined);

/**
 * A device without a User-Agent (mobile and TV SDKs): its type and agent from `context.os` and
 * `context.device`. iPads and tablets → `tablet`; tvOS, Android TV, Fire TV, Roku, Tizen, webOS →
 * `tv`; iOS and Android → `mobile`; desktop systems → `computer`; anything else → `other`.
 */
export function agentOfContext(event: SegmentEvent): { type: DeviceType; agent: Agent } {
  const context = event.context ?? {};
  const os = text(context.os?.name);
  const model = text(context.device?.model);
  const kind = text(context.device?.type)?.toLowerCase();
  const agent: Agent = {};
  if (os) agent.os = os;
  const osVersion = text(context.os?.version);
  if (osVersion) agent.osVersion = osVersion;
  const vendor = text(context.device?.manufacturer);
  if (vendor) agent.vendor = vendor;
  if (model) agent.model = model;
  return { type: typeOf(os?.toLowerCase() ?? '', model ?? '', kind ?? ''), agent };
}

function typeOf(os: string, model: string, kind: string): DeviceType {
  if (/^ipad/i.test(model) || kind === 'tablet' || os === 'ipados') return 'tablet';
  if (/tvos|android ?tv|fire ?os|fire ?tv|roku|tizen|webos/.test(os) || kind === 'tv') return 'tv';
  if (/^(ios|iphone os|android)/.test(os) || kind === 'ios' || kind === 'android' || kind === 'mobile') return 'mobile';
  if (/^(mac|windows|linux|ubuntu|chrome ?os|chromium os)/.test(os)) return 'computer';
  return 'other';
}
