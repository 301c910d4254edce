import type { DeviceType } from '../../src/index.js';
import type { Random } from './random.js';

/**
 * A browser profile's User-Agent and Client Hints, as real browsers send them in 2026, including the
 * awkward ones: iPadOS Safari claims to be a Mac, UA reduction makes every Android Chrome phone
 * "Android 10; K", Android TVs look like tablets. `version` 1 is the same browser after its monthly
 * update (the User-Agent changes mid-month; the cookie does not).
 */
export interface AgentProfile {
  name: string;
  /** What the device really is (the core may see something else). */
  type: DeviceType;
  headers(version: 0 | 1): Readonly<Record<string, string>>;
  /** Whether it uses IPv6 when the network offers it (some TVs do not). */
  v6: boolean;
}

const chromium = (brand: 'Google Chrome' | 'Microsoft Edge', major: number, platform: string, mobile: boolean) => ({
  'sec-ch-ua': `"Chromium";v="${major}", "${brand}";v="${major}", "Not:A-Brand";v="24"`,
  'sec-ch-ua-mobile': mobile ? '?1' : '?0',
  'sec-ch-ua-platform': `"${platform}"`,
});

const profile = (name: string, type: DeviceType, make: (v: 0 | 1) => Record<string, string>, v6 = true): AgentProfile => {
  const versions = [Object.freeze(make(0)), Object.freeze(make(1))] as const;
  return { name, type, v6, headers: (v) => versions[v] };
};

const CHROME = [145, 146] as const;
const FIREFOX = [147, 148] as const;
const SAFARI = ['18_3', '18_4'] as const;
const SAFARI_DOTTED = ['18.3', '18.4'] as const;

export const AGENTS = {
  windowsChrome: profile('Windows Chrome', 'computer', (v) => ({
    'user-agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME[v]}.0.0.0 Safari/537.36`,
    ...chromium('Google Chrome', CHROME[v], 'Windows', false),
  })),
  windowsEdge: profile('Windows Edge', 'computer', (v) => ({
    'user-agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME[v]}.0.0.0 Safari/537.36 Edg/${CHROME[v]}.0.0.0`,
    ...chromium('Microsoft Edge', CHROME[v], 'Windows', false),
  })),
  windowsFirefox: profile('Windows Firefox', 'computer', (v) => ({
    'user-agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${FIREFOX[v]}.0) Gecko/20100101 Firefox/${FIREFOX[v]}.0`,
  })),
  macSafari: profile('Mac Safari', 'computer', (v) => ({
    'user-agent': `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${SAFARI_DOTTED[v]} Safari/605.1.15`,
  })),
  macChrome: profile('Mac Chrome', 'computer', (v) => ({
    'user-agent': `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME[v]}.0.0.0 Safari/537.36`,
    ...chromium('Google Chrome', CHROME[v], 'macOS', false),
  })),
  macFirefox: profile('Mac Firefox', 'computer', (v) => ({
    'user-agent': `Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${FIREFOX[v]}.0) Gecko/20100101 Firefox/${FIREFOX[v]}.0`,
  })),
  linuxFirefox: profile('Linux Firefox', 'computer', (v) => ({
    'user-agent': `Mozilla/5.0 (X11; Linux x86_64; rv:${FIREFOX[v]}.0) Gecko/20100101 Firefox/${FIREFOX[v]}.0`,
  })),
  chromebook: profile('Chromebook', 'computer', (v) => ({
    'user-agent': `Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME[v]}.0.0.0 Safari/537.36`,
    ...chromium('Google Chrome', CHROME[v], 'Chrome OS', false),
  })),
  iphoneSafari: profile('iPhone Safari', 'mobile', (v) => ({
    'user-agent': `Mozilla/5.0 (iPhone; CPU iPhone OS ${SAFARI[v]} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${SAFARI_DOTTED[v]} Mobile/15E148 Safari/604.1`,
  })),
  iphoneChrome: profile('iPhone Chrome', 'mobile', (v) => ({
    'user-agent': `Mozilla/5.0 (iPhone; CPU iPhone OS ${SAFARI[v]} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${CHROME[v]}.0.6998.99 Mobile/15E148 Safari/604.1`,
  })),
  androidChrome: profile('Android Chrome', 'mobile', (v) => ({
    'user-agent': `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME[v]}.0.0.0 Mobile Safari/537.36`,
    ...chromium('Google Chrome', CHROME[v], 'Android', true),
  })),
  androidSamsung: profile('Samsung Internet', 'mobile', (v) => ({
    'user-agent': `Mozilla/5.0 (Linux; Android 14; SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${[28, 29][v]}.0 Chrome/130.0.0.0 Mobile Safari/537.36`,
  })),
  androidTablet: profile('Android tablet Chrome', 'tablet', (v) => ({
    'user-agent': `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME[v]}.0.0.0 Safari/537.36`,
    ...chromium('Google Chrome', CHROME[v], 'Android', false),
  })),
  // iPadOS Safari asks for desktop sites: its User-Agent is a Mac's.
  ipadSafari: profile('iPad Safari (Mac UA)', 'tablet', (v) => ({
    'user-agent': `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${SAFARI_DOTTED[v]} Safari/605.1.15`,
  })),
  ipadChrome: profile('iPad Chrome', 'tablet', (v) => ({
    'user-agent': `Mozilla/5.0 (iPad; CPU OS ${SAFARI[v]} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${CHROME[v]}.0.6998.99 Mobile/15E148 Safari/604.1`,
  })),
  samsungTv: profile('Samsung Tizen TV', 'tv', () => ({
    'user-agent': 'Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) 94.0.4606.31/7.0 TV Safari/537.36',
  }), false),
  lgTv: profile('LG webOS TV', 'tv', () => ({
    'user-agent': 'Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.5359.211 Safari/537.36 WebAppManager',
  })),
  androidTv: profile('Android TV', 'tv', () => ({
    'user-agent': 'Mozilla/5.0 (Linux; Android 12; BRAVIA 4K VH2 Build/STT1.211025.001.Z4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Safari/537.36',
  })),
  fireTv: profile('Fire TV Stick', 'tv', () => ({
    'user-agent': 'Mozilla/5.0 (Linux; Android 9; AFTKA Build/PS7633.3445N; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.102 Mobile Safari/537.36',
  }), false),
  playstation: profile('PlayStation 5', 'tv', () => ({
    'user-agent': 'Mozilla/5.0 (PlayStation; PlayStation 5/10.20) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.4 Safari/605.1.15',
  })),
} satisfies Record<string, AgentProfile>;

export type AgentName = keyof typeof AGENTS;

// Rough market shares (StatCounter order of magnitude), by kind of device.
const COMPUTERS: Array<[AgentName, number]> = [['windowsChrome', 40], ['windowsEdge', 14], ['windowsFirefox', 5], ['macSafari', 14], ['macChrome', 14], ['macFirefox', 2], ['linuxFirefox', 2], ['chromebook', 3]];
const PHONES_BY_REGION: Record<'apple' | 'android', Array<[AgentName, number]>> = {
  apple: [['iphoneSafari', 85], ['iphoneChrome', 15]],
  android: [['androidChrome', 70], ['androidSamsung', 30]],
};
const TABLETS: Array<[AgentName, number]> = [['ipadSafari', 55], ['ipadChrome', 10], ['androidTablet', 35]];
const TVS: Array<[AgentName, number]> = [['samsungTv', 30], ['lgTv', 25], ['androidTv', 20], ['fireTv', 18], ['playstation', 7]];

/** iPhone share by country: high in the US, Japan, UK and Australia, low in India and Latin America. */
const IPHONE_SHARE: Record<string, number> = { US: 0.58, CA: 0.55, GB: 0.5, JP: 0.65, AU: 0.55, NZ: 0.5, FR: 0.35, DE: 0.35, CH: 0.5, SE: 0.5, DK: 0.55, NL: 0.4, IN: 0.05, BR: 0.15, MX: 0.2, ID: 0.1, NG: 0.1, EG: 0.1 };

export function computerAgent(random: Random): AgentName {
  return random.weighted(COMPUTERS);
}

export function phoneAgent(random: Random, country: string): AgentName {
  return random.weighted(PHONES_BY_REGION[random.chance(IPHONE_SHARE[country] ?? 0.25) ? 'apple' : 'android']);
}

export function tabletAgent(random: Random): AgentName {
  return random.weighted(TABLETS);
}

export function tvAgent(random: Random): AgentName {
  return random.weighted(TVS);
}
