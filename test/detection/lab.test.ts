import { expect } from 'chai';
import { ARCHETYPES } from '../../bench/detection/archetypes.js';
import { runLab } from '../../bench/detection/lab.js';
import { buildPopulation } from '../../bench/detection/population.js';
import type { Figures } from '../../bench/detection/score.js';
import { HELD_OUT } from '../../bench/detection/variants.js';
import { World } from '../../bench/detection/world.js';

// A small form of `npm run bench:detection`, on a world and seed the rules were NOT tuned on
// (`HELD_OUT` in bench/detection/variants.ts: a city-only database without hosting/mobile/ASN flags,
// the harsh geolocation error model, three times the VPN users; seed 12). 300 accounts keep it near a
// minute; at that size one honest account is 0.4 %, so the bounds below are regression bounds measured
// on this held-out month (BENCHMARKS.md, detection), not the targets, which it does not meet yet.
const ACCOUNTS = 300;
const SEED = HELD_OUT.seeds[1];
const VARIANT = HELD_OUT.variants[0];
const HONEST_BOUND = 0.01;
const CAUGHT_BOUND = 0.88;

/** Everything but the wall-clock time. */
const stable = ({ seconds: _, cost: _cost, ...figures }: Figures) => figures;

describe('detection lab', function () {
  // The month is played through the real core; its cost per request sets the pace.
  this.timeout(900_000);
  let figures: Figures;

  before(async () => {
    [figures] = (await runLab({ accounts: ACCOUNTS, seed: SEED, variant: VARIANT, presets: ['default'] })) as [Figures];
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

  it('reports every check it named, and what the decisions cost', () => {
    expect(figures.variant).to.equal(VARIANT);
    expect(figures.checks.map((c) => c.check)).to.include.members(['people_count', 'impossible_travel']);
    expect(figures.cost?.uncached, 'uncached decisions').to.be.greaterThan(0);
  });

  // Regression bounds on this held-out month (measured: see BENCHMARKS.md). Before issue 21's changes
  // the same kind of world gave 5–7 % honest challenged.
  it('challenges few honest accounts and catches most sharers on a world it was not tuned on', () => {
    expect(figures.honest.challenged / figures.honest.accounts, 'honest accounts challenged').to.be.at.most(HONEST_BOUND);
    expect(figures.sharing.caught / figures.sharing.judged, 'sharers caught within 7 days').to.be.at.least(CAUGHT_BOUND);
  });
});
