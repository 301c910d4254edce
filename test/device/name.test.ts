import { expect } from 'chai';
import { AgentParser } from '../../src/device/agent.js';
import { deviceName } from '../../src/device/name.js';
import { AGENTS } from '../../examples/shared/agents.js';

const IPAD = 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const LG_TV = 'Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.88 Safari/537.36 WebAppManager';
const FIRE_TV = 'Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.152 Mobile Safari/537.36';

describe('device names', () => {
  const parser = new AgentParser();
  const named = (userAgent: string, hints: { model?: string; platform?: string; mobile?: string } = {}) => {
    const { type, agent } = parser.parse({ userAgent, ...hints });
    return deviceName(type, agent);
  };

  it('names phones, tablets and TVs as people do: iPhone, iPad, Pixel 8, Samsung TV, Fire TV', () => {
    expect(named(AGENTS.iphone)).to.deep.equal({ product: 'iPhone' });
    expect(named(IPAD)).to.deep.equal({ product: 'iPad' });
    expect(named(AGENTS.pixel)).to.deep.equal({ product: 'Pixel 8' });
    expect(named(AGENTS.tv)).to.deep.equal({ maker: 'Samsung', type: 'tv' });
    expect(named(LG_TV)).to.deep.equal({ maker: 'LG', type: 'tv' });
    expect(named(FIRE_TV)).to.deep.equal({ product: 'Fire TV' });
  });

  it('names a phone by its maker when its model is a part number (SM-S921B)', () => {
    expect(named(AGENTS.galaxy)).to.deep.equal({ maker: 'Samsung', type: 'mobile' });
  });

  it('names computers by browser and system: Chrome on Windows, Chrome on Mac, Safari on Mac, Firefox on Linux', () => {
    expect(named(AGENTS.windows)).to.deep.equal({ browser: 'Chrome', os: 'Windows' });
    expect(named(CHROME_MAC)).to.deep.equal({ browser: 'Chrome', os: 'Mac' });
    expect(named(AGENTS.mac)).to.deep.equal({ browser: 'Safari', os: 'Mac' });
    expect(named(AGENTS.linux)).to.deep.equal({ browser: 'Firefox', os: 'Linux' });
  });

  it('takes the model from Client Hints, and falls back to the type when nothing is known', () => {
    expect(named(AGENTS.pixel.replace('Pixel 8', 'K'), { model: '"Pixel 9 Pro"', platform: '"Android"', mobile: '?1' })).to.deep.equal({ product: 'Pixel 9 Pro' });
    expect(named('curl/8.0')).to.deep.equal({ type: 'other' });
    expect(deviceName('mobile', {})).to.deep.equal({ type: 'mobile' });
  });
});
