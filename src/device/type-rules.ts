import { createIsbotFromList, isbotPatterns, list } from 'isbot';
import type { DeviceType } from '../model.js';

/**
 * What a device is, one step finer than `DeviceType`: a home console is its own kind because apps
 * differ on what it counts as (`consoleType`, default `tv`).
 */
export type DeviceKind = DeviceType | 'console';

/** What ua-parser-js@1 made of the User-Agent, as far as the rules read it. */
export interface ParsedAgent {
  deviceType: string | undefined;
  os: string | undefined;
}

interface Rule {
  /** Why the rule exists, for whoever reads a misclassification. */
  name: string;
  kind: DeviceKind;
  test: RegExp;
}

/*
 * The rule layer on top of ua-parser-js@1. Written for the devices paying households use; every rule
 * names what it catches. Order matters, the first match wins: the markers that name a device (a TV
 * platform, a console, a watch) come first, since bots rarely claim to be those and isbot flags many
 * TV sets; then bots, which imitate phones and computers; then the generic readings (Android
 * without "Mobile" is a tablet, a desktop OS is a computer).
 */

/**
 * isbot@5, minus the patterns that take native apps' own User-Agents for bots (isbot's documented
 * way to make exceptions): HTTP client names in app agents ("BBCHTTPClient"), agents that open with
 * a bracket (Facebook's in-app agent, HbbTV sets) and agents without spaces.
 */
const APP_AGENTS = [
  'BBCiPlayer/4.75.0.1 (iPad2,5; iPhone OS 9.3.5) BBCSMP/36.2.0 BBCHTTPClient/8.0.2',
  '(null) [FBAN/FBIOS;FBAV/50.0.0.47.191;FBDV/iPad4,4;FBMD/iPad;FBSN/iPhone OS;FBSV/8.0.2]',
  // Agents whose spaces a proxy or an app dropped: still a browser.
  'Mozilla/5.0(iPad;CPUOS26_1_0likeMacOSX)AppleWebKit/605.1.15(KHTML,likeGecko)CriOS/143.0.7499.92Mobile/15E148Safari/604.1',
];
const NOT_BOTS = new Set(APP_AGENTS.flatMap((ua) => isbotPatterns(ua)));
const isBot = createIsbotFromList(list.filter((pattern) => !NOT_BOTS.has(pattern)));

/** Agents that carry an attack (SQL, script or template injection, path traversal): whoever sends them, not a customer's device. */
const ATTACK = /'\s*(?:\)|;)?\s*(?:WHERE|OR|AND|UNION|SELECT|waitfor)\b|'\|\||DBMS_|<script|\$\{jndi:|\.\.\/\.\.\//i;

/** Before the device rules: TV platforms whose agents look like nothing else. */
const TV_FIRST: Rule[] = [
  { name: 'Roku players and TVs (incl. the Roku app/player agents)', kind: 'tv', test: /\broku\b|\bRoku\/|\bDVP-\d/i },
  { name: 'Apple TV (tvOS and its apps)', kind: 'tv', test: /\bAppleTV\d*[,/;)]|\bApple ?TV\b|\btvOS\b/i },
];

const RULES: Rule[] = [
  // Cars, headsets, watches and appliances first: they run Android or Linux and would otherwise read as phones or computers.
  { name: 'cars (Tesla, Android Automotive, Qt car browsers)', kind: 'other', test: /\bTesla\b|QtCarBrowser|\bAutomotive\b|\bCarPlay\b|\bAndroid ?Auto\b/i },
  { name: 'VR/AR headsets (Quest, Pico, HoloLens, Vision Pro)', kind: 'other', test: /OculusBrowser|\bQuest (Pro|\d)\b|\bPico ?(Neo|4|VR)|PicoBrowser|HoloLens|\bMobile VR\b|\bVR\b|\bvisionOS\b|Wolvic|Magic Leap|(?<!iPhone )\bXR\b/i },
  { name: 'watches (watchOS, Wear OS, Tizen and other wrist devices)', kind: 'other', test: /\bwatchOS\b|\bWatch\d+,\d+|\bWear ?OS\b|\bWatch\b(?! ?TV)|\bSM-R\d{3}|\bSmartWatch\b|\bZenWatch\b|\bGear ?(S|Live|Fit)/i },
  { name: 'smart displays, speakers and appliances (Echo Show, Alexa, Family Hub fridges)', kind: 'other', test: /\bAEO[A-Z]{2,}\b|AlexaService|\bEcho\/|Family Hub|\bNest Hub\b/i },

  // Handheld consoles are personal gadgets, not the living-room screen; home consoles have their own kind.
  { name: 'handheld consoles (PSP, Vita, DS family)', kind: 'other', test: /PlayStation Portable|\bPSP\b|PlayStation Vita|Nintendo (3DS|DSi?)\b|New Nintendo 3DS/i },
  { name: 'home consoles (PlayStation, Xbox, Nintendo Wii/Switch, Ouya, YouTube on consoles)', kind: 'console', test: /PlayStation ?[2345]?\b|\bPLAYSTATION\b|\bXbox\b|Nintendo ?(Wii|WiiU|Switch)|\bOUYA\b|\bCobalt\/.*_GAME_/i },

  // TVs and what plugs into them.
  { name: 'smart TV platforms (Tizen TV, webOS, NetCast, Vidaa, Maple, Viera, Aquos, Bravia, NetTV, Opera TV, Zeasn)', kind: 'tv', test: /SMART-?TV|SmartTV|\bWeb0S\b|\bwebOS\b.*\bTV\b|\bwebOS\.TV|NetCast|\bVIDAA\b|\bMaple\d*\b|\bViera\b|\bAQUOS\b|\bBRAVIA\b|\bNetTV\b|\bOpera TV\b|\bOMI\/|\bSmartHub\b|\bLG Browser\b|\bDTV\b|InettvBrowser|TSBNetTV|\bPhilipsTV\b|\bHisense\b|\bTV Safari\b|\bTizen\b.*\bTV\b|\bDLNADOC\b|\bZeasn\b|\bTbrowser\b|_TV_|\bSRAF\/|\bKDL-\d|\bSmartTvA\b|^samsung-agent\//i },
  { name: 'HbbTV, operator set-top boxes and broadcast-TV browsers', kind: 'tv', test: /\bHbbTV\b|\bCE-HTML\b|\bOIPF\b|\bEspial\b|\bANTGalio\b|\bFreebox\b|\bNETRANGEMMH\b|\bTVSEE\b|\bLOEWE\b|\bSTB\b|\bset-?top\b|\bTiVo\b|\bDirecTV\b|\bKylo\b|\bBoxee\b|\bMediaroom\b|\bKreaTV\b|\bWPE\b|\bCobalt\//i },
  { name: 'Android TV, Google TV, Fire TV, Chromecast and TV boxes', kind: 'tv', test: /Android ?TV|Google ?TV|\bGTV\d*\b|\bLarge Screen\b|\bAFT[A-Z0-9]{1,8}\b|\bSHIELD Android TV\b|\bMiTV\b|\bMiBOX\d?\b|\bNexus Player\b|\bChromecast\b|\bCrKey\b|\bADT-\d|\bNSZ-|\bTV\b ?Build|\bSmart ?TV\b|\bTV Box\b|TV-HDMI|\bX96\w*|\bMXQ\b|\bH96\b|\bT95\b|\bTPM\d+E\b|\bTV;|\(TV;|\b4K\b.*\bTV\b/i },

  // E-readers read as tablets: a personal screen, not a phone.
  { name: 'e-readers (Kindle e-ink, Kobo, PocketBook, Nook)', kind: 'tablet', test: /\bKindle\/\d|\bKobo|PocketBook|\bNook\b|\bBNTV\d|\bBNRV\d|\bTolino\b/i },
  { name: 'Kindle Fire tablets (Silk without "Mobile"; the Fire Phone and phone-mode Silk say "Mobile")', kind: 'tablet', test: /\bKF[A-Z]{2,6}\b|\bKindle Fire\b|\bSilk\/(?!.*\bMobile\b)/i },
  { name: 'iOS apps naming their hardware (FBDV/iPad4,4, hw/iPad6_11, (iPad3,4; ...)', kind: 'tablet', test: /(?:FBDV\/|hw\/|\(|Apple\/)iPad\d/ },
  { name: 'iOS apps naming their hardware (FBDV/iPhone9,3, (iPhone9,3; ...)', kind: 'mobile', test: /(?:FBDV\/|hw\/|\(|Apple\/)iPhone\d/ },
  { name: 'Samsung Internet on X11: Samsung tablets in desktop mode and DeX (there is no desktop Samsung Internet)', kind: 'tablet', test: /\bX11\b.*\bSamsungBrowser\//i },
];

/** Tokens of phones that ua-parser-js leaves without a device type: feature phones and their browsers. */
const FEATURE_PHONE = /\bKaiOS\b|\bMIDP-?\d|\bCLDC-?\d|\bJ2ME\b|UP\.Browser|\bObigo|\bNetFront\b|\bOpera Mini\b|\bSeries ?(40|60|30)\b|\bS40OviBrowser|\bSymbian|\bNokia|\bSAMSUNG-(SGH|GT)|\bDoCoMo\b|\bKDDI-|\bSoftBank\b|\bVodafone\/|\bWILLCOM\b|\bMAUI\b|\bSpreadtrum\b|\bMTK\b|\bBlackBerry\b|\bBB10\b|\bWindows Phone\b|\bIEMobile\b|\bPalm|\bwebOS\/|\bhpwOS\b|\bFirefox OS\b|\(Mobile;|\bMobile; rv:|\bbada\b|\bTizen\b.*\bMobile\b|\bUCWEB|\bUCBrowser\b.*\bMobile\b|\bPUFFIN\b.*\bAP\b|\biPhone|\biPod|\bWPDesktop\b|\bMSFT-WP\b|\bS60\b|\bSymbOS\b|\bMaemo\b|\bFennec\b/i;

// Phones and tablets only: bots imitate desktop browsers with a word added, and isbot is right about those.
const DEVICE_PLATFORM = /\biPhone|\biPad|\bAndroid|\bWindows Phone|\bMSFT-WP\b|\bMIDP\b|\bBada\b|\bwebOS\/|\bBlackBerry|\bSymbian/i;
const CRAWLER_WORD = /bot\b|bot\/|crawl|spider|slurp|https?:|\+http|www\.|@|\.com\b|preview|fetch|check|monitor|scan|headless|lighthouse|inspect|validator|archive|proxy|google-|adsbot|facebookexternalhit|MetaIAB|python|curl|wget|java\/|go-http|okhttp|axios|node-fetch|libwww|perl|ruby|php|scrapy|httpclient|requests|aiohttp|phantom|selenium|puppeteer|playwright|test|agent\b/i;
const STRONG_TABLET = /\biPad|\bPlayBook\b|\bTablet PC\b/;
const TABLET_TOKEN = /\biPad|\bTablet\b|\bTab\b|\bPlayBook\b|\bRIM Tablet\b|\bSilk\b|\bTouchPad\b|\bXoom\b|\bGT-P\d|\bSM-[TPX]\d|\bNexus (7|9|10)\b|\bPixel C\b|\bMediaPad\b|\bMatePad\b|\bLenovo (TB|Tab)|\bIdeaTab\b|\bYOGA Tab/i;
const DESKTOP_OS = /^(windows|mac os|macos|linux|ubuntu|debian|fedora|chromium os|chrome os|freebsd|openbsd|netbsd|solaris|mint|arch|gentoo|centos|red hat|redhat|suse|opensuse|manjaro|slackware|mandriva|kubuntu|xubuntu|lubuntu|zenwalk|pclinuxos|mageia|deepin|elementary os|haiku|beos|os\/2|amiga|morphos|sunos|aix|hp-ux|irix|dragonfly|plan9|unix|raspbian|sailfish)/i;
const DESKTOP_TOKEN = /\bWindows NT\b|\bWin(dows )?(95|98|9x|2000|XP|ME|NT|16|32|64)\b|\bMacintosh\b|\bMac OS X\b|\bMac_PowerPC\b|\bX11\b|\bCrOS\b|\bLinux (x86_64|i[3-6]86|aarch64|armv[78]l?)\b|\bUbuntu\b|\bFedora\b|\bFreeBSD\b|\bOpenBSD\b|\billumOS\b|\bUNIX\b|\bSunOS\b|\bWindows\b(?! ?(Phone|CE|Mobile))|\bWin(32|64)\b|\bDarwin\/[\d.]+ \((x86_64|arm64)\)|\bMac(mini|Book|Pro)\d|\biMac\d/i;
const ANDROID = /\bAndroid|\bAdr\b/i;
// "MobileSafari": agents whose spaces were dropped.
const MOBILE_TOKEN = /Mobile(?:\b|Safari)|\bMobi\b/i;

/**
 * The kind of device a User-Agent describes, from ua-parser-js's answer and the rules above.
 * `settled`: a rule named the device (a TV platform, a console, a watch, a bot...); Client Hints,
 * which have no word for most of these, do not overrule it.
 */
export function kindFromUserAgent(ua: string, parsed: ParsedAgent): { kind: DeviceKind; settled: boolean } {
  if (!ua.trim()) return { kind: 'other', settled: false };
  if (ATTACK.test(ua)) return { kind: 'other', settled: true };
  for (const rule of TV_FIRST) if (rule.test.test(ua)) return { kind: rule.kind, settled: true };
  for (const rule of RULES) if (rule.test.test(ua)) return { kind: rule.kind, settled: true };
  // isbot also flags odd but real phone agents (app suffixes, encoded spaces, bare "MSFT-WP/7.10"):
  // one naming a phone or tablet platform, with no word of a crawler or a script in it, is that device.
  if (isBot(ua) && !(DEVICE_PLATFORM.test(ua) && !CRAWLER_WORD.test(ua))) return { kind: 'other', settled: true };
  const kind = genericKind(ua, parsed);
  return { kind, settled: kind === 'tv' || kind === 'console' };
}

function genericKind(ua: string, parsed: ParsedAgent): DeviceKind {
  // An iPad says so even where ua-parser-js reads an iPhone OS ("CPU iPhone OS 8_1 ... iPad") or a phone app.
  if (STRONG_TABLET.test(ua)) return 'tablet';

  switch (parsed.deviceType) {
    case 'smarttv':
      return 'tv';
    case 'console':
      return 'console';
    case 'wearable':
    case 'embedded':
      return 'other';
    case 'tablet':
      return 'tablet';
    case 'mobile':
      // Android's own convention wins over the model: a device that leaves "Mobile" out asks for the tablet layout (a Fold unfolded, a phone-sized tablet).
      if (ANDROID.test(ua) && !MOBILE_TOKEN.test(ua) && !FEATURE_PHONE.test(ua)) return 'tablet';
      return 'mobile';
  }
  if (TABLET_TOKEN.test(ua)) return 'tablet';
  if (FEATURE_PHONE.test(ua)) return 'mobile';
  // Android's convention (and Chrome's reduced UA, "Android 10; K"): phones say "Mobile", tablets do not.
  if (ANDROID.test(ua)) return MOBILE_TOKEN.test(ua) ? 'mobile' : 'tablet';
  if ((parsed.os && DESKTOP_OS.test(parsed.os)) || DESKTOP_TOKEN.test(ua)) return MOBILE_TOKEN.test(ua) && !/\bWindows NT\b|\bMacintosh\b|\bCrOS\b/.test(ua) ? 'mobile' : 'computer';
  return 'other';
}
