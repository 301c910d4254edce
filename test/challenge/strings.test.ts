import { expect } from 'chai';
import { DEFAULT_STRINGS, SHIPPED_LOCALES } from '../../src/index.js';
import { counted, NOUNS, PLURAL_CATEGORIES, pluralKey, type Strings } from '../../src/challenge/strings.js';
import { Translator } from '../../src/i18n/translator.js';

const placeholders = (text: string | undefined) => new Set([...(text ?? '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]));

describe('challenge strings', () => {
  it('counts in English: 1 device, 0 and 3 devices, and the same for attempts, seconds, minutes and hours', () => {
    const counts = (noun: Parameters<typeof counted>[1]) => [0, 1, 3].map((n) => counted(DEFAULT_STRINGS, noun, n));
    expect(counts('devices')).to.deep.equal(['0 devices', '1 device', '3 devices']);
    expect(counts('attempts')).to.deep.equal(['0 attempts', '1 attempt', '3 attempts']);
    expect(counts('seconds')).to.deep.equal(['0 seconds', '1 second', '3 seconds']);
    expect(counts('minutes')).to.deep.equal(['0 minutes', '1 minute', '3 minutes']);
    expect(counts('hours')).to.deep.equal(['0 hours', '1 hour', '3 hours']);
  });

  it("counts in the app's own words, the number anywhere or not at all", () => {
    const strings = { ...DEFAULT_STRINGS, devicesOne: 'un appareil', devicesOther: '{count} appareils' };
    expect([1, 2].map((n) => counted(strings, 'devices', n))).to.deep.equal(['un appareil', '2 appareils']);
  });

  it('counts with each language\'s plural rules: Polish one/few/many, Arabic six forms, French 0 as one', () => {
    const count = (tag: string, n: number) => new Translator(tag, SHIPPED_LOCALES[tag]!, 'Streamly').count('devices', n);
    expect([1, 2, 5, 22, 25].map((n) => count('pl', n))).to.deep.equal(['1 urządzenie', '2 urządzenia', '5 urządzeń', '22 urządzenia', '25 urządzeń']);
    expect([0, 1, 2, 3, 11, 100].map((n) => count('ar', n))).to.deep.equal(['0 جهاز', 'جهاز واحد', 'جهازين', '3 أجهزة', '11 جهازًا', '100 جهاز']);
    expect([0, 1, 2].map((n) => count('fr', n))).to.deep.equal(['0 appareil', '1 appareil', '2 appareils']);
  });

  it('falls back to the …Other form for a category a bundle leaves out', () => {
    const strings: Strings = { ...DEFAULT_STRINGS, devicesOther: '{count} Geräte' };
    expect(counted(strings, 'devices', 3, new Intl.PluralRules('pl'))).to.equal('3 Geräte');
  });

  for (const [tag, bundle] of Object.entries(SHIPPED_LOCALES)) {
    it(`${tag}: has every sentence, with the placeholders English fills`, () => {
      const plural = new Set<string>(NOUNS.flatMap((noun) => PLURAL_CATEGORIES.map((c) => pluralKey(noun, c))));
      for (const key of Object.keys(DEFAULT_STRINGS) as Array<keyof typeof DEFAULT_STRINGS>) {
        expect(bundle[key], `${tag}.${key}`).to.be.a('string').that.is.not.empty;
        const english = placeholders(DEFAULT_STRINGS[key]);
        const own = placeholders(bundle[key]);
        // A counted noun may leave the number out ("جهاز واحد"); a sentence keeps every value.
        for (const name of own) expect(english.has(name), `${tag}.${key} uses {${name}}`).to.equal(true);
        if (!plural.has(key)) for (const name of english) expect(own.has(name), `${tag}.${key} drops {${name}}`).to.equal(true);
      }
      const categories = new Intl.PluralRules(tag).resolvedOptions().pluralCategories;
      for (const noun of ['devices', 'seconds', 'minutes', 'hours'] as const) {
        for (const category of categories) expect(bundle[pluralKey(noun, category)] ?? bundle[pluralKey(noun, 'other')], `${tag} ${noun} ${category}`).to.be.a('string');
      }
    });
  }
});
