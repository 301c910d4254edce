import { expect } from 'chai';
import * as fc from 'fast-check';
import { createSharelock, DEVICE_TYPES, type Identity, type Sharelock } from '../../src/index.js';
import { AgentParser, type AgentHeaders } from '../../src/device/agent.js';
import { FakeClock } from '../support/clock.js';
import { quietLogger, requestLike, runs, SECRET, wildString } from './support.js';

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/5.0 TV Safari/537.36',
  'Mozilla/5.0 (PlayStation 5 3.11) AppleWebKit/605.1.15 (KHTML, like Gecko)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'curl/8.5.0',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  '',
];

/** Real values, garbage, control characters, huge values, and real values behind long padding. */
function hint(real: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: wildString(120) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0, 1, 150, 250, 400), fc.constantFrom(' ', '\t'), fc.constantFrom(...real)).map(([n, pad, value]) => pad.repeat(n) + value) },
  );
}

const agentHeaders: fc.Arbitrary<AgentHeaders> = fc.record({
  userAgent: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...USER_AGENTS) },
    { weight: 2, arbitrary: wildString(600) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...USER_AGENTS), fc.integer({ min: 0, max: 2_000 })).map(([ua, n]) => ua + ' x'.repeat(n)) },
  ),
  mobile: hint(['?0', '?1', ' ?1 ', '?2', '1', '"?1"']),
  platform: hint(['"Windows"', '"macOS"', '"Android"', '"iOS"', '"Linux"', '"Chrome OS"', 'Windows', '""', '"Unknown"']),
  model: hint(['"Pixel 7"', '"SM-X700"', '""', '"iPhone"']),
});

/** Headers for a failure message, long runs of one character shortened. */
const shown = (h: AgentHeaders) => JSON.stringify(h).replace(/(.{1,2}?)\1{9,}/g, (run, unit: string) => `<${JSON.stringify(unit)} × ${run.length / unit.length}>`);

describe('fuzz: User-Agent and Client Hints', () => {
  let guard: Sharelock<Identity | null>;
  let account = 0;
  before(() => {
    guard = createSharelock<Identity | null>({ secret: SECRET, identify: (identity) => identity, now: new FakeClock().now, logger: quietLogger });
  });
  after(() => guard.close());

  it('decide() never throws and records a known device type and a bounded agent (10 000 requests)', async () => {
    await fc.assert(
      fc.asyncProperty(agentHeaders, async (h) => {
        const headers: Record<string, string> = {};
        if (h.userAgent !== undefined) headers['user-agent'] = h.userAgent;
        if (h.mobile !== undefined) headers['sec-ch-ua-mobile'] = h.mobile;
        if (h.platform !== undefined) headers['sec-ch-ua-platform'] = h.platform;
        if (h.model !== undefined) headers['sec-ch-ua-model'] = h.model;
        const id = `agent-${account++}`;
        const decision = await guard.decide(requestLike(headers), { id });
        expect(decision.verdict.kind).to.equal('allow');
        const [device] = await guard.devices(id);
        expect(DEVICE_TYPES).to.include(device!.type);
        for (const value of Object.values(device!.agent)) expect(value).to.be.a('string').with.length.of.at.most(512);
      }),
      runs(0x5eed_0301, 10_000),
    );
  });

  it('reads the same device type and agent from the same headers, whatever it parsed before (3 000 pairs of header sets)', () => {
    // Two browsers with the same User-Agent and hints behind the same padding: the memo must tell them apart.
    const pair = fc
      .tuple(
        fc.oneof(fc.constantFrom(...USER_AGENTS), fc.constantFrom(...USER_AGENTS).map((ua) => ua + ' x'.repeat(300))),
        fc.constantFrom(0, 200, 400),
        fc.array(fc.tuple(fc.constantFrom('?0', '?1', 'x'), fc.constantFrom('"Windows"', '"Android"', '"iOS"', '"Linux"'), fc.constantFrom('"Pixel 7"', '"SM-X700"', '')), { minLength: 2, maxLength: 2 }),
      )
      .map(([userAgent, pad, sets]) => sets.map(([mobile, platform, model]): AgentHeaders => ({ userAgent, mobile, platform: ' '.repeat(pad) + platform, model: ' '.repeat(pad) + model })));
    fc.assert(
      fc.property(pair, (list) => {
        const warm = new AgentParser();
        for (const h of list) {
          expect(warm.parse(h), `after ${list.map(shown).join(' then ')}`).to.deep.equal(new AgentParser().parse(h));
        }
      }),
      runs(0x5eed_0302, 3_000),
    );
  });
});
