import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { playInsights, type Played } from '../../examples/express/insights.js';
import type { Conversion, Insights } from '../../src/index.js';
import { freePort, startNode } from '../support/process.js';

const server = fileURLToPath(new URL('../../examples/express/server.js', import.meta.url));

describe('npm run demo:insights against the example', () => {
  let app: Awaited<ReturnType<typeof startNode>>;
  let played: Played[];
  let figures: Insights & { conversions: Conversion[] };
  const printed: string[] = [];
  const member = (name: string) => played.find((m) => m.account.startsWith(`${name}-`))!;

  before(async () => {
    const port = await freePort();
    app = await startNode(server, { PORT: String(port), NODE_ENV: 'development', SHARELOCK_DEMO: 'off' }, /listening on/);
    ({ played, figures } = await playInsights(`http://localhost:${port}`, { log: (line) => printed.push(line), run: 'test' }));
  });
  after(() => app?.stop());

  it('plays every member of the population as expected', () => {
    expect(played.filter((m) => !m.ok).map((m) => m.account)).to.deep.equal([]);
    expect(printed.at(-1)).to.match(/^All 9 played as expected/);
  });

  it('records the sharers who signed up within 30 days, by the path that led them there', () => {
    expect(['ana', 'ben', 'cleo', 'dev', 'eli'].map((name) => [name, member(name).signup])).to.deep.equal(['ana', 'ben', 'cleo', 'dev', 'eli'].map((name) => [name, 'recorded']));
    const via = Object.fromEntries(figures.conversions.map((c) => [c.fromAccountId.replace(/-test$/, ''), c.via]));
    expect(via).to.deep.equal({ ana: 'challenge', ben: 'challenge', cleo: 'challenge', dev: 'kicked', eli: 'history' });
    expect(figures.conversions.every((c) => c.reason === 'device_count' && c.challengeKind === 'device_limit')).to.equal(true);
  });

  it('records neither an ordinary signup nor one after the window', () => {
    expect([member('hal').signup, member('ivy').signup]).to.deep.equal(['not recorded', 'not recorded']);
    expect(figures.conversions.map((c) => c.accountId)).not.to.include.members(['hal-test', 'ivy-friend-test']);
  });

  it('sums the revenue per currency and shows the challenge funnel', () => {
    expect(figures.totals).to.deep.include({ conversions: 5, conversionsVia: { challenge: 3, kicked: 1, history: 1 }, revenue: { EUR: 54.95 } });
    expect(figures.totals.challenges).to.deep.include({ created: 8, presented: 7, newAccount: 3, loggedOut: 1, verifiedOwner: 1, ownerCompleted: 1, devicesLoggedOut: 1, abandoned: 3, open: 0 });
    expect(printed.join('\n')).to.match(/total\s+8\s+7\s+3\s+1\s+1\s+1\s+3\s+0\s+5\s+54\.95 EUR/);
  });
});
