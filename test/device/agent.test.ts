import { expect } from 'chai';
import { AgentParser } from '../../src/device/agent.js';

const UA = {
  windowsChrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  ipadOldUa: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  ipadosDesktopMode: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  androidPhone: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
  tizenTv: 'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36',
  curl: 'curl/8.5.0',
};

describe('device type and agent', () => {
  const parser = new AgentParser();

  it('reads the type from the User-Agent', () => {
    expect(parser.parse({ userAgent: UA.windowsChrome })).to.deep.include({ type: 'computer' });
    expect(parser.parse({ userAgent: UA.windowsChrome }).agent).to.include({ browser: 'Chrome', os: 'Windows' });
    expect(parser.parse({ userAgent: UA.iphone }).type).to.equal('mobile');
    expect(parser.parse({ userAgent: UA.ipadOldUa }).type).to.equal('tablet');
    expect(parser.parse({ userAgent: UA.tizenTv }).type).to.equal('tv');
    expect(parser.parse({ userAgent: UA.curl }).type).to.equal('other');
    expect(parser.parse({}).type).to.equal('other');
  });

  it('counts iPadOS Safari, which sends a Mac User-Agent, as a computer (documented)', () => {
    expect(parser.parse({ userAgent: UA.ipadosDesktopMode }).type).to.equal('computer');
  });

  it('prefers Client Hints when present', () => {
    // Chrome's reduced UA on Android hides the model; the hints tell it.
    expect(parser.parse({ userAgent: UA.androidPhone, mobile: '?1', platform: '"Android"', model: '"Pixel 8"' })).to.deep.include({ type: 'mobile' });
    expect(parser.parse({ userAgent: UA.androidPhone, mobile: '?1', platform: '"Android"', model: '"Pixel 8"' }).agent.model).to.equal('Pixel 8');
    expect(parser.parse({ userAgent: UA.androidPhone, mobile: '?0', platform: '"Android"' }).type).to.equal('tablet');
    expect(parser.parse({ mobile: '?0', platform: '"macOS"' }).type).to.equal('computer');
    // A bot's User-Agent is not overruled: headless Chrome sends hints too.
    expect(parser.parse({ userAgent: UA.curl, mobile: '?0', platform: '"macOS"' }).type).to.equal('other');
  });

  it('caps what it parses from a giant header and returns the same answer for the same UA', () => {
    const giant = UA.iphone + ' x'.repeat(50_000);
    expect(parser.parse({ userAgent: giant }).type).to.equal('mobile');
    expect(parser.parse({ userAgent: UA.iphone })).to.equal(parser.parse({ userAgent: UA.iphone }));
  });
});
