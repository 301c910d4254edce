import { UAParser } from 'ua-parser-js';
import type { DeviceKind } from './type-rules.js';

/** The Client Hints a device type is read from, as sent (quoted structured-header strings). */
export interface ClientHints {
  /** `Sec-CH-UA-Mobile`: `?1` or `?0`. Sent by Chromium on every secure request. */
  mobile?: string;
  /** `Sec-CH-UA-Platform`, e.g. `"Android"`. Sent by Chromium on every secure request. */
  platform?: string;
  /** `Sec-CH-UA-Model`, e.g. `"Pixel 8"`. Sent only to origins that asked (`Accept-CH`). */
  model?: string;
  /** `Sec-CH-UA-Form-Factors`, e.g. `"Tablet"` or `"Desktop", "XR"`. Sent only to origins that asked. */
  formFactors?: string;
}

/** The hints `clientHints` asks Chromium browsers for: the two that are not sent unasked. */
export const REQUESTED_HINTS = ['Sec-CH-UA-Model', 'Sec-CH-UA-Form-Factors'] as const;

const COMPUTER_PLATFORMS = new Set(['windows', 'macos', 'linux', 'chrome os', 'chromeos', 'chromium os']);

/**
 * The device kind the hints tell, or `undefined` when they tell nothing the User-Agent does not.
 * Hints have no word for a TV or a console, so they never overrule a User-Agent that names one
 * (the caller keeps those); they settle what the User-Agent leaves open: an Android tablet with a
 * phone-like reduced UA, a Windows tablet or a Chromebook in tablet mode, a headset.
 */
export function kindFromHints(hints: ClientHints): DeviceKind | undefined {
  const factors = formFactors(hints.formFactors);
  // Form factors describe the device itself; several may be listed (a convertible is Desktop and Tablet).
  // An e-ink screen is a reader, whatever else is listed; then the devices that are not a screen of their own.
  if (factors.has('eink')) return 'tablet';
  if (factors.has('xr') || factors.has('watch') || factors.has('automotive')) return 'other';
  if (factors.has('tablet')) return 'tablet';
  if (factors.has('mobile')) return 'mobile';
  const mobile = flag(hints.mobile);
  const platform = unquote(hints.platform)?.toLowerCase();
  const model = unquote(hints.model);
  if (platform === 'android' && model && mobile === undefined) {
    // ua-parser-js knows many models (SM-X710 is a tablet): ask it about the hinted one.
    const type = new UAParser(`Mozilla/5.0 (Linux; Android 14; ${model}) AppleWebKit/537.36 (KHTML, like Gecko)${mobile === true ? ' Mobile' : ''} Safari/537.36`).getDevice().type;
    if (type === 'tablet' || type === 'mobile') return type;
    if (type === 'smarttv') return 'tv';
  }
  if (factors.has('desktop')) return 'computer';
  if (mobile === true) return 'mobile';
  if (platform && COMPUTER_PLATFORMS.has(platform)) return 'computer';
  // Chrome on Android tablets sends `?0`.
  if (platform === 'android' && mobile === false) return 'tablet';
  return undefined;
}

/** Whether any hint that decides anything was sent (each trimmed, unquoted and capped), as a memo key. */
export function hintsKey(hints: ClientHints): string {
  const mobile = flag(hints.mobile);
  return `${mobile === undefined ? '' : mobile ? '?1' : '?0'}|${unquote(hints.platform) ?? ''}|${unquote(hints.model) ?? ''}|${[...formFactors(hints.formFactors)].sort().join(',')}`;
}

export function unquote(value: string | undefined): string | undefined {
  const trimmed = value?.trim().replace(/^"|"$/g, '').slice(0, 100);
  return trimmed || undefined;
}

function flag(value: string | undefined): boolean | undefined {
  const trimmed = value?.trim();
  return trimmed === '?1' ? true : trimmed === '?0' ? false : undefined;
}

const KNOWN_FACTORS = new Set(['desktop', 'automotive', 'mobile', 'tablet', 'xr', 'eink', 'watch']);

/** `"Desktop", "XR"` → {desktop, xr}; unknown tokens are dropped. */
function formFactors(value: string | undefined): Set<string> {
  const found = new Set<string>();
  if (!value) return found;
  for (const part of value.slice(0, 200).split(',')) {
    const token = unquote(part)?.toLowerCase();
    if (token && KNOWN_FACTORS.has(token)) found.add(token);
  }
  return found;
}
