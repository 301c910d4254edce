import { LRUCache } from 'lru-cache';
import { UAParser } from 'ua-parser-js';
import type { Agent, DeviceType } from '../model.js';

export interface AgentInfo {
  type: DeviceType;
  agent: Agent;
}

/** The request headers a device type is read from. */
export interface AgentHeaders {
  userAgent?: string;
  /** `Sec-CH-UA-Mobile`, e.g. `?1`. */
  mobile?: string;
  /** `Sec-CH-UA-Platform`, e.g. `"Android"`. */
  platform?: string;
  /** `Sec-CH-UA-Model`, e.g. `"Pixel 7"`. */
  model?: string;
}

const MAX_UA_LENGTH = 512;
const COMPUTER_PLATFORMS = new Set(['windows', 'macos', 'linux', 'chrome os', 'chromeos']);
const COMPUTER_OS = /^(windows|mac os|macos|linux|ubuntu|debian|fedora|chromium os|chrome os|freebsd|openbsd|netbsd|solaris|mint|arch|gentoo|centos|red hat|suse|manjaro)/i;

/**
 * Device type and agent from Client Hints when present, else the User-Agent (ua-parser-js@1, MIT).
 * Memoised per distinct header set: a site sees few distinct User-Agents.
 *
 * Fallbacks: no device type and a desktop OS → `computer`; no recognisable OS (bots, curl) → `other`;
 * smart TVs and consoles → `tv`; wearables and embedded → `other`. iPadOS Safari sends a Mac User-Agent
 * by default, so it is a `computer` (no header tells it apart).
 */
export class AgentParser {
  readonly #memo = new LRUCache<string, AgentInfo>({ max: 5_000 });

  parse(headers: AgentHeaders): AgentInfo {
    // Cap what we parse: an oversized header must not cost more than a normal one.
    const ua = (headers.userAgent ?? '').slice(0, MAX_UA_LENGTH);
    // Keyed by what parseAgent reads (each hint trimmed, unquoted and capped), so two header sets share an entry only when they give the same answer.
    const key = JSON.stringify([ua, mobileHint(headers.mobile), unquote(headers.platform) ?? '', unquote(headers.model) ?? '']);
    let info = this.#memo.get(key);
    if (!info) {
      info = Object.freeze(parseAgent(ua, headers));
      this.#memo.set(key, info);
    }
    return info;
  }
}

function parseAgent(ua: string, headers: AgentHeaders): AgentInfo {
  const result = new UAParser(ua).getResult();
  const agent: Agent = {};
  if (result.browser.name) agent.browser = result.browser.name;
  if (result.browser.version) agent.browserVersion = result.browser.version;
  if (result.os.name) agent.os = result.os.name;
  if (result.os.version) agent.osVersion = result.os.version;
  if (result.device.vendor) agent.vendor = result.device.vendor;
  const hintedModel = unquote(headers.model);
  if (hintedModel) agent.model = hintedModel;
  else if (result.device.model) agent.model = result.device.model;

  return { type: typeFromHints(headers) ?? typeFromUserAgent(result.device.type, result.os.name), agent };
}

function typeFromHints(headers: AgentHeaders): DeviceType | undefined {
  if (headers.mobile?.trim() === '?1') return 'mobile';
  const platform = unquote(headers.platform)?.toLowerCase();
  if (!platform) return undefined;
  if (COMPUTER_PLATFORMS.has(platform)) return 'computer';
  // Android tablets send `Sec-CH-UA-Mobile: ?0`.
  if (platform === 'android' && headers.mobile?.trim() === '?0') return 'tablet';
  return undefined;
}

function typeFromUserAgent(deviceType: string | undefined, os: string | undefined): DeviceType {
  switch (deviceType) {
    case 'mobile':
      return 'mobile';
    case 'tablet':
      return 'tablet';
    case 'smarttv':
    case 'console':
      return 'tv';
    case undefined:
      return os && COMPUTER_OS.test(os) ? 'computer' : 'other';
    default:
      return 'other';
  }
}

function unquote(value: string | undefined): string | undefined {
  const trimmed = value?.trim().replace(/^"|"$/g, '').slice(0, 100);
  return trimmed || undefined;
}

/** `?1` or `?0`, the only values of `Sec-CH-UA-Mobile` that decide anything, or `''`. */
function mobileHint(value: string | undefined): string {
  const trimmed = value?.trim();
  return trimmed === '?1' || trimmed === '?0' ? trimmed : '';
}
