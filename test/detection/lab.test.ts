import { expect } from 'chai';
import { ARCHETYPES } from '../../bench/detection/archetypes.js';
import { runLab } from '../../bench/detection/lab.js';
import { buildPopulation } from '../../bench/detection/population.js';
import type { Figures } from '../../bench/detection/score.js';
import { World } from '../../bench/detection/world.js';

// A smaller form of `npm run bench:detection` (2,000 accounts): one seeded month of 1,000 accounts
// under the default preset, the population BENCHMARKS.md reports. 1,000 because the 0.5 % target
// needs a few hundred honest accounts to mean anything (with 190, one challenged account is 0.53 %).
// The targets hold on this seed (0.3 % / 92.7 %) and at the benchmark's 2,000 accounts; on others the
// catch side does not everywhere yet (BENCHMARKS.md: seed 2 0.5 % / 90.2 %, seed 7 with 800 accounts
// 0.3 % / 88.4 %), so a failure here after a change is a real regression.
const ACCOUNTS = 1000;
const SEED = 1;

/** Everything but the wall-clock time. */
const stable = ({ seconds: _, cost: _cost, ...figures }: Figures) => figures;

describe('detection lab', function () {
  // The month is played through the real core; its cost per request sets the pace.
  this.timeout(900_000);
  let figures: Figures;

  before(async () => {
    [figures] = (await runLab({ accounts: ACCOUNTS, seed: SEED, presets: ['default'] })) as [Figures];
  });

  it('plays every honest archetype and sharer kind', () => {
    expect(figures.archetypes.map((a) => a.archetype)).to.have.members(ARCHETYPES.map((a) => a.name));
    for (const archetype of figures.archetypes) expect(archetype.requests, archetype.archetype).to.be.greaterThan(0);
    expect(figures.sharing.judged, 'sharing accounts judged over 7 days').to.be.greaterThan(0.9 * figures.sharing.accounts);
  });

  it('gives the same figures for the same seed, and another month for another seed', async () => {
    const [again] = (await runLab({ accounts: 24, seed: SEED, presets: ['default'] })) as [Figures];
    const [twice] = (await runLab({ accounts: 24, seed: SEED, presets: ['default'] })) as [Figures];
    expect(stable(twice)).to.deep.equal(stable(again));
    const sessions = (seed: number) => buildPopulation(new World(seed), seed, 24).map((p) => p.sessions.length);
    expect(sessions(SEED)).to.deep.equal(sessions(SEED));
    expect(sessions(SEED + 1)).to.not.deep.equal(sessions(SEED));
  });

  // Regression bounds on this seed: the signals must not slide back towards the textbook rules
  // (26 % of honest accounts challenged, 67 % of sharers caught). The targets are below.
  it('challenges few honest accounts and catches most sharers', () => {
    expect(figures.honest.challenged / figures.honest.accounts, 'honest accounts challenged').to.be.at.most(0.04);
    expect(figures.sharing.caught / figures.sharing.judged, 'sharers caught within 7 days').to.be.at.least(0.8);
  });

  it('challenges at most 0.5 % of honest accounts under the default preset', () => {
    expect(figures.honest.challenged / figures.honest.accounts).to.be.at.most(0.005);
  });

  it('catches at least 90 % of sharing accounts within 7 days of their first sharing access', () => {
    expect(figures.sharing.caught / figures.sharing.judged).to.be.at.least(0.9);
  });
});
