import { expect } from 'chai';
import { AgentParser, type AgentHeaders } from '../../src/device/agent.js';
import { createSharelock, MemoryStore, type Identity } from '../../src/index.js';
import type { DeviceType } from '../../src/model.js';
import { CoreDevice } from '../support/core-device.js';
import { headersOf, loadLabelled, scoreByClass } from './labelled.js';

// The goal of issue 18, on the held-out part of test/fixtures/user-agents/labelled.json: the part
// no rule was written from. A rule change that costs a class its goal fails here.
const GOAL: Record<DeviceType, number> = { computer: 0.95, mobile: 0.95, tablet: 0.95, tv: 0.95, other: 0.8 };

const parser = new AgentParser();
const typeOf = (headers: AgentHeaders) => parser.parse(headers).type;

describe('device types', () => {
  describe('on the held-out labelled User-Agents', () => {
    const rows = loadLabelled().filter((r) => r.split === 'held-out');
    const { classes } = scoreByClass(rows, (row) => typeOf(headersOf(row)));
    for (const score of classes) {
      it(`types at least ${GOAL[score.type] * 100} % of ${score.type} devices right`, () => {
        expect(score.total, `${score.type} rows in the held-out set`).to.be.at.least(100);
        expect(score.accuracy, `${score.right}/${score.total}`).to.be.at.least(GOAL[score.type]);
      });
    }
  });

  const hard: Array<[string, DeviceType, AgentHeaders]> = [
    // Computers on every OS.
    ['Windows on ARM', 'computer', { userAgent: 'Mozilla/5.0 (Windows NT 10.0; ARM64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0' }],
    ['Fedora Firefox', 'computer', { userAgent: 'Mozilla/5.0 (X11; Fedora; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0' }],
    ['Ubuntu Firefox', 'computer', { userAgent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0' }],
    ['Raspberry Pi Chromium', 'computer', { userAgent: 'Mozilla/5.0 (X11; Linux aarch64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36' }],
    ['Chromebook', 'computer', { userAgent: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', mobile: '?0', platform: '"Chrome OS"' }],
    // Phones.
    ['KaiOS phone', 'mobile', { userAgent: 'Mozilla/5.0 (Mobile; Nokia_8110_4G; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5' }],
    ['Series 40 feature phone', 'mobile', { userAgent: 'Nokia3110c/2.0 (07.21) Profile/MIDP-2.0 Configuration/CLDC-1.1' }],
    ['reduced Android Chrome phone UA', 'mobile', { userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36' }],
    // Tablets.
    ['iPad with its own User-Agent', 'tablet', { userAgent: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1' }],
    ['an iPad app naming its hardware', 'tablet', { userAgent: 'BBCiPlayer/4.75.0.1 (iPad2,5; iPhone OS 9.3.5) BBCSMP/36.2.0 BBCHTTPClient/8.0.2' }],
    ['reduced Android Chrome tablet UA (no "Mobile")', 'tablet', { userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' }],
    ['Android tablet told by Sec-CH-UA-Mobile ?0', 'tablet', { userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', mobile: '?0', platform: '"Android"' }],
    ['Galaxy Tab told by its hinted model alone', 'tablet', { userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', platform: '"Android"', model: '"SM-X710"' }],
    ['Kindle Fire (Silk)', 'tablet', { userAgent: 'Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/128.3.1 like Chrome/128.0.6613.187 Safari/537.36' }],
    ['Windows tablet in touch mode (form factor)', 'tablet', { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', mobile: '?0', platform: '"Windows"', formFactors: '"Tablet"' }],
    ['Chromebook in tablet mode (form factor)', 'tablet', { userAgent: 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', mobile: '?0', platform: '"Chrome OS"', formFactors: '"Desktop", "Tablet"' }],
    ['Samsung tablet in desktop mode', 'tablet', { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Safari/537.36' }],
    // TVs and what plugs into them.
    ['Samsung Tizen TV', 'tv', { userAgent: 'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36' }],
    ['LG webOS TV', 'tv', { userAgent: 'Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.5359.211 Safari/537.36 WebAppManager' }],
    ['LG NetCast TV', 'tv', { userAgent: 'Mozilla/5.0 (DirectFB; Linux armv7l) AppleWebKit/534.26+ (KHTML, like Gecko) Version/5.0 Safari/534.26+ LG Browser/5.00.00(+mouse+3D+SCREEN+TUNER; LGE; 42LM670T-ZA; 04.41.03; 0x00000001;); LG NetCast.TV-2012 0' }],
    ['Sony Android TV', 'tv', { userAgent: 'Mozilla/5.0 (Linux; Android 12; BRAVIA 4K VH2 Build/STT1.211025.001.Z4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Safari/537.36' }],
    ['Chromecast with Google TV', 'tv', { userAgent: 'Mozilla/5.0 (Linux; Android 12; Chromecast Build/STTE.230319.008.R3; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36' }],
    ['Fire TV Stick, despite "Mobile Safari"', 'tv', { userAgent: 'Mozilla/5.0 (Linux; Android 9; AFTKA Build/PS7633.3445N; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.102 Mobile Safari/537.36' }],
    ['Roku player', 'tv', { userAgent: 'Roku/DVP-14.5 (14.5.4.5000-46)' }],
    ['Apple TV app', 'tv', { userAgent: 'AppleTV14,1/17.4 (tvOS; com.example.player)' }],
    ['Chromecast (CrKey)', 'tv', { userAgent: 'Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.5735.199 Safari/537.36 CrKey/1.56.500000 DeviceType/AndroidTV' }],
    ['HbbTV set', 'tv', { userAgent: 'Mozilla/5.0 (Linux armv7l; U; HbbTV/1.2.1 (; Panasonic; VIERA 2014; 3.001; 0071-0036 2000-0000;); en)' }],
    ['Hisense Vidaa TV', 'tv', { userAgent: 'Mozilla/5.0 (Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/84.0.4147.140 Safari/537.36 OPR/46.0.2207.0 OMI/4.21.4.112 Model/Hisense-MT9602 VIDAA/5.0(Hisense;SmartTV;55A53FEVS;MTK9602/V0000.01.00R)' }],
    ['operator set-top box', 'tv', { userAgent: 'Opera/9.80 (Linux mips) Presto/2.12.407 Version/12.50 , KreaTV/15.16.08.09 (Verizon, VMS1100, wired)' }],
    ['a TV app with its own User-Agent', 'tv', { userAgent: 'fuboTV/4.56.0 (Linux;Android 7.1.2; AFTJMST12 Build/NS6286) FuboPlayer/v1.21.0' }],
    ['YouTube on a TV box (Cobalt)', 'tv', { userAgent: 'Mozilla/5.0 (Linux armeabi-v7a; Android 9) Cobalt/10.82186-gold (unlike Gecko) Starboard/5, _ATV_gxl/PPR1.180610.011 (Amlogic, X96mini_RP, Wireless) com.google.android.youtube.tv/2.00.19' }],
    // Consoles (default tv), cars, watches, headsets, bots.
    ['PlayStation 5', 'tv', { userAgent: 'Mozilla/5.0 (PlayStation; PlayStation 5/10.20) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.4 Safari/605.1.15' }],
    ['Xbox One', 'tv', { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edge/44.18363.8131' }],
    ['Nintendo Switch', 'tv', { userAgent: 'Mozilla/5.0 (Nintendo Switch; WifiWebAuthApplet) AppleWebKit/606.4 (KHTML, like Gecko) NF/6.0.1.15.4 NintendoBrowser/5.1.0.20393' }],
    ['PlayStation Vita (handheld)', 'other', { userAgent: 'Mozilla/5.0 (PlayStation Vita 3.73) AppleWebKit/537.73 (KHTML, like Gecko) Silk/3.2' }],
    ['Tesla', 'other', { userAgent: 'Mozilla/5.0 (X11; GNU/Linux) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/79.0.3945.130 Chrome/79.0.3945.130 Safari/537.36 Tesla/2020.48.30' }],
    ['Android Automotive (form factor)', 'other', { userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36', mobile: '?0', platform: '"Android"', formFactors: '"Automotive"' }],
    ['Galaxy Watch', 'other', { userAgent: 'Mozilla/5.0 (Linux; Tizen 5.5; SAMSUNG SM-R820) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/2.0 Chrome/69.0.3497.106 Mobile Safari/537.36' }],
    ['Meta Quest', 'other', { userAgent: 'Mozilla/5.0 (X11; Linux x86_64; Quest 3) AppleWebKit/537.36 (KHTML, like Gecko) OculusBrowser/34.1.0.4.59 SamsungBrowser/4.0 Chrome/126.0.6478.122 VR Safari/537.36' }],
    ['Googlebot smartphone', 'other', { userAgent: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }],
    ['headless Chrome', 'other', { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0.0.0 Safari/537.36' }],
    ['curl', 'other', { userAgent: 'curl/8.5.0' }],
  ];

  describe('the hard cases', () => {
    for (const [name, type, headers] of hard) {
      it(`types ${name} as ${type}`, () => expect(typeOf(headers)).to.equal(type));
    }

    it('counts iPadOS Safari, whose User-Agent is a Mac and which sends no hints, as a computer (documented)', () => {
      expect(typeOf({ userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' })).to.equal('computer');
    });

    it('counts consoles as the app says (consoleType)', () => {
      const ps5 = { userAgent: 'Mozilla/5.0 (PlayStation; PlayStation 5/10.20) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.4 Safari/605.1.15' };
      expect(new AgentParser({ consoleType: 'other' }).parse(ps5).type).to.equal('other');
      expect(new AgentParser({ consoleType: 'computer' }).parse(ps5).type).to.equal('computer');
    });

    it('does not let hints turn a TV into a tablet', () => {
      expect(typeOf({ userAgent: 'Mozilla/5.0 (Linux; Android 12; BRAVIA 4K VH2 Build/STT1.211025.001.Z4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Safari/537.36', mobile: '?0', platform: '"Android"' })).to.equal('tv');
    });
  });

  describe('a known device', () => {
    const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
    const alice: Identity = { id: 'alice' };
    const setup = () =>
      createSharelock<Identity | null>({ secret: 'a-test-secret-that-is-long-enough-0123456789', identify: (identity) => identity, cache: { allowTtlMs: 0 }, logger: { warn: () => {}, error: () => {} } });

    it('keeps its type when Client Hints appear, change and vanish: refined once, never flipped back', async () => {
      const guard = setup();
      const surface = new CoreDevice(guard, alice, { 'user-agent': WINDOWS });
      const typeNow = async () => (await surface.open(), (await guard.devices('alice'))[0]!.type);
      expect(await typeNow()).to.equal('computer');
      // The browser now sends what Accept-CH asked for: the form factor settles it once.
      Object.assign(surface.headers, { 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Windows"', 'sec-ch-ua-form-factors': '"Tablet"' });
      expect(await typeNow()).to.equal('tablet');
      delete surface.headers['sec-ch-ua-form-factors'];
      expect(await typeNow()).to.equal('tablet');
      surface.headers['sec-ch-ua-form-factors'] = '"Desktop"';
      expect(await typeNow()).to.equal('tablet');
      await guard.close();
    });

    it('takes its type from its own requests, not from an event about it that came first', async () => {
      const store = new MemoryStore();
      const make = () => createSharelock<Identity | null>({ secret: 'a-test-secret-that-is-long-enough-0123456789', identify: (identity) => identity, store, cache: { allowTtlMs: 0 }, logger: { warn: () => {}, error: () => {} } });
      // One app server minted the cookie; another hears of the device first from an event without a User-Agent.
      const [first, second] = [make(), make()];
      const laptop = new CoreDevice(first, alice, { 'user-agent': WINDOWS });
      await laptop.open();
      const cookieValue = laptop.cookie!.slice(laptop.cookie!.indexOf('=') + 1);
      await second.ingest({ type: 'page', userId: 'alice', anonymousId: 'a1', timestamp: new Date().toISOString(), context: { device: { id: cookieValue } } });
      await new CoreDevice(second, alice, { 'user-agent': WINDOWS, cookie: laptop.cookie! }).open();
      expect((await second.devices('alice')).map((d) => d.type)).to.deep.equal(['computer']);
      await Promise.all([first.close(), second.close()]);
    });

    it('keeps the type of its first request when that one carried the hints', async () => {
      const guard = setup();
      const tablet = new CoreDevice(guard, alice, { 'user-agent': WINDOWS, 'sec-ch-ua-form-factors': '"Tablet"' });
      await tablet.open();
      delete tablet.headers['sec-ch-ua-form-factors'];
      await tablet.open();
      expect((await guard.devices('alice')).map((d) => d.type)).to.deep.equal(['tablet']);
      await guard.close();
    });
  });
});
