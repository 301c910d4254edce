import type { Agent, DeviceType } from '../model.js';

/**
 * A device as people name it, before it is put into words: a product ("iPhone", "Pixel 8",
 * "Apple TV"), a browser on a system ("Chrome" on "Mac"), a maker and a type ("Samsung" TV), or
 * only its type. Brand names are never translated; the pages word the last three per language.
 */
export type DeviceName =
  | { product: string }
  | { browser: string; os: string }
  | { maker: string; type: DeviceType }
  | { type: DeviceType };

// Models that are names people use, not part numbers ("SM-S921B", "MM", "Macintosh").
const PRODUCT = /^(iPhone|iPad|iPod|Pixel|Apple TV|PlayStation|Xbox|Nintendo|Galaxy|Chromecast|Kindle|Nexus|Surface|Shield|Quest|Fire TV|Vision Pro)\b/i;

const OS_NAMES: Array<[RegExp, string]> = [
  [/^mac ?os|^macos|^os x/i, 'Mac'],
  [/^windows/i, 'Windows'],
  [/^chrom(e|ium) ?os/i, 'ChromeOS'],
  [/^ios$/i, 'iOS'],
  [/^ipados$/i, 'iPadOS'],
  [/^android$/i, 'Android'],
  [/^(linux|ubuntu|debian|fedora|mint|arch|manjaro|centos|red hat|suse|gentoo)/i, 'Linux'],
];

const BROWSER_NAMES: Array<[RegExp, string]> = [
  [/^mobile safari$/i, 'Safari'],
  [/^chrome (headless|webview)$/i, 'Chrome'],
  [/^edge$/i, 'Edge'],
  [/^mobile firefox$/i, 'Firefox'],
];

// Systems that tell the maker of a TV when the User-Agent names none.
const TV_MAKERS: Array<[RegExp, string]> = [
  [/^tizen/i, 'Samsung'],
  [/^web ?os/i, 'LG'],
];

/** The name of a device of this type with this parsed agent. */
export function deviceName(type: DeviceType, agent: Agent): DeviceName {
  const model = agent.model?.trim();
  if (model && PRODUCT.test(model)) return { product: model };
  if (type === 'tv' && agent.vendor === 'Amazon') return { product: 'Fire TV' };
  const maker = agent.vendor?.trim() || (agent.os ? TV_MAKERS.find(([pattern]) => pattern.test(agent.os!))?.[1] : undefined);
  // A phone, tablet or TV is known by its maker; a computer by the browser it runs.
  if (maker && type !== 'computer' && type !== 'other') return { maker, type };
  const browser = agent.browser ? renamed(agent.browser, BROWSER_NAMES) : undefined;
  const os = agent.os ? renamed(agent.os, OS_NAMES) : undefined;
  if (browser && os) return { browser, os };
  if (maker) return { maker, type };
  return { type };
}

function renamed(name: string, table: Array<[RegExp, string]>): string {
  return table.find(([pattern]) => pattern.test(name))?.[1] ?? name;
}
