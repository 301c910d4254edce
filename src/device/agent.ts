import { LRUCache } from 'lru-cache';
import { UAParser } from 'ua-parser-js';
import type { Agent, DeviceType } from '../model.js';
import { hintsKey, kindFromHints, unquote, type ClientHints } from './client-hints.js';
import { kindFromUserAgent, type DeviceKind } from './type-rules.js';

export interface AgentInfo {
  type: DeviceType;
  agent: Agent;
  /**
   * Whether Client Hints changed the type the User-Agent alone gives. Hints can come and go between
   * requests of one device (they are sent only to origins that asked, on secure requests), so the
   * core lets a hinted type replace an unhinted one once and never the reverse.
   */
  hinted: boolean;
}

/** The request headers a device type is read from. */
export interface AgentHeaders extends ClientHints {
  userAgent?: string;
}

export interface AgentParserOptions {
  /** What a home games console counts as. Default `'tv'`. */
  consoleType?: DeviceType;
}

const MAX_UA_LENGTH = 512;

/**
 * Device type and agent from the User-Agent (ua-parser-js@1, MIT, plus the rule layer in
 * `type-rules.ts`) and Client Hints where they settle what the User-Agent leaves open.
 * Memoised per distinct header set: a site sees few distinct User-Agents.
 *
 * iPadOS Safari sends a Mac User-Agent and no hints, so it is a `computer` (nothing tells it apart).
 */
export class AgentParser {
  readonly #memo = new LRUCache<string, AgentInfo>({ max: 5_000 });
  readonly #consoleType: DeviceType;

  constructor(options: AgentParserOptions = {}) {
    this.#consoleType = options.consoleType ?? 'tv';
  }

  parse(headers: AgentHeaders): AgentInfo {
    // Cap what we parse: an oversized header must not cost more than a normal one.
    const ua = (headers.userAgent ?? '').slice(0, MAX_UA_LENGTH);
    // Keyed by what parseAgent reads, so two header sets share an entry only when they give the same answer.
    const key = `${ua}\n${hintsKey(headers)}`;
    let info = this.#memo.get(key);
    if (!info) {
      info = Object.freeze(this.#parse(ua, headers));
      this.#memo.set(key, info);
    }
    return info;
  }

  #parse(ua: string, headers: AgentHeaders): AgentInfo {
    // Only what the type and the agent need: engine and CPU would cost a third more per miss.
    const parser = new UAParser(ua);
    const result = { browser: parser.getBrowser(), os: parser.getOS(), device: parser.getDevice() };
    const agent: Agent = {};
    if (result.browser.name) agent.browser = result.browser.name;
    if (result.browser.version) agent.browserVersion = result.browser.version;
    if (result.os.name) agent.os = result.os.name;
    if (result.os.version) agent.osVersion = result.os.version;
    if (result.device.vendor) agent.vendor = result.device.vendor;
    const hintedModel = unquote(headers.model);
    if (hintedModel) agent.model = hintedModel;
    else if (result.device.model) agent.model = result.device.model;

    const fromUa = kindFromUserAgent(ua, { deviceType: result.device.type, os: result.os.name });
    const fromHints = fromUa.settled ? undefined : kindFromHints(headers);
    const kind: DeviceKind = fromHints ?? fromUa.kind;
    return { type: kind === 'console' ? this.#consoleType : kind, agent, hinted: fromHints !== undefined && fromHints !== fromUa.kind };
  }
}

/**
 * Whether `next` can be `old` after updates: the same browser, system and model, each version the
 * same or newer (browsers and systems update themselves; they do not go back).
 */
export function sameAgentOrUpdated(old: Agent, next: Agent): boolean {
  return (
    old.browser === next.browser &&
    old.os === next.os &&
    old.vendor === next.vendor &&
    old.model === next.model &&
    notOlder(next.browserVersion, old.browserVersion) &&
    notOlder(next.osVersion, old.osVersion)
  );
}

/** Whether `next` may be `old` with its cookies cleared: the same type of device and the same browser, updated or not. */
export function sameBrowser(old: { type: DeviceType; agent: Agent }, next: { type: DeviceType; agent: Agent }): boolean {
  return old.type === next.type && sameAgentOrUpdated(old.agent, next.agent);
}

/** Dotted versions compared number by number ("17.5" < "17.5.1" < "18"); anything else must match exactly. */
function notOlder(next: string | undefined, old: string | undefined): boolean {
  if (next === old) return true;
  if (next === undefined || old === undefined) return false;
  const a = next.split('.');
  const b = old.split('.');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = Number(a[i] ?? 0);
    const y = Number(b[i] ?? 0);
    if (!Number.isInteger(x) || !Number.isInteger(y)) return false;
    if (x !== y) return x > y;
  }
  return true;
}
