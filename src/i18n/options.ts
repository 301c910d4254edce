import Negotiator from 'negotiator';
import { DEFAULT_STRINGS, STRING_KEYS, type Strings } from '../challenge/strings.js';
import { checkKeys, invalid, type Logger } from '../options.js';
import { SHIPPED_LOCALES } from './locales/index.js';
import { Translator } from './translator.js';

/**
 * Which language the challenge pages speak: one locale (`'fr'`), the locales the app offers in
 * order of preference (the visitor's `Accept-Language` picks among them, else the first), or a
 * function of the request (the user's own setting; `undefined` falls back to `Accept-Language`).
 * Default: `Accept-Language` among every shipped and app-provided language, else English.
 */
export type LocaleOption<Req = any> = string | string[] | ((req: Req) => string | string[] | undefined);

/** Replacement strings for one language: a shipped one's keys to change, or a whole new language. */
export type LocaleStrings = Partial<Strings>;

export interface LocaleConfig {
  /** Every language the pages can speak (canonical tags), each complete. */
  readonly bundles: ReadonlyMap<string, Strings>;
  /** The locale for one request, from the option, then `Accept-Language`, then the default. */
  choose(acceptLanguage: string | undefined, req: unknown): string;
  /** The words and formats of `locale` (one of `bundles`), with `appName` filled in. */
  translator(locale: string): Translator;
}

const SHIPPED = "Shipped: en, fr, pl, ar; add others with `branding.locales`, e.g. { de: { introTitle: '…', … } }.";

/**
 * `locale`, `branding.strings` (English overrides, as before locales existed) and `branding.locales`
 * (per language) as one validated table of complete bundles. A language the app adds takes any key
 * it leaves out from its base language when shipped (`pt-BR` from `pt`), else from English, and says
 * so once.
 */
export function resolveLocales(locale: unknown, strings: unknown, locales: unknown, appName: string, logger: Logger): LocaleConfig {
  const bundles = new Map<string, Strings>(Object.entries(SHIPPED_LOCALES));
  const english = strings === undefined ? {} : overrides('branding.strings', strings);
  bundles.set('en', { ...DEFAULT_STRINGS, ...english });
  const given = locales === undefined ? {} : checkObject('branding.locales', locales);
  for (const [tag, value] of Object.entries(given)) {
    const canonical = canonicalTag(`branding.locales`, tag);
    const changed = overrides(`branding.locales.${tag}`, value);
    const base = bundles.get(canonical) ?? bundles.get(canonical.split('-')[0]!);
    if (!base) {
      const missing = Object.keys(DEFAULT_STRINGS).filter((key) => !(key in changed));
      if (missing.length > 0) logger.warn(`\`branding.locales.${tag}\` has no ${missing.join(', ')}; English words them until it does.`);
    }
    bundles.set(canonical, Object.freeze({ ...(base ?? bundles.get('en')!), ...changed }));
  }
  for (const [tag, bundle] of bundles) bundles.set(tag, Object.freeze(bundle));
  const available = [...bundles.keys()];
  const choose = chooser(locale, available);
  const translators = new Map<string, Translator>();
  return Object.freeze({
    bundles,
    choose,
    translator(tag: string): Translator {
      let found = translators.get(tag);
      if (!found) translators.set(tag, (found = new Translator(tag, bundles.get(tag) ?? bundles.get('en')!, appName)));
      return found;
    },
  });
}

function chooser(option: unknown, available: string[]): LocaleConfig['choose'] {
  const negotiate = (header: string | undefined, among: string[]) => (header === undefined ? undefined : new Negotiator({ headers: { 'accept-language': header } }).languages(among)[0]);
  if (option === undefined) return (header) => negotiate(header, available) ?? 'en';
  if (typeof option === 'string' || Array.isArray(option)) {
    const list = (Array.isArray(option) ? option : [option]).map((tag: unknown, i) => {
      const name = Array.isArray(option) ? `locale[${i}]` : 'locale';
      if (typeof tag !== 'string') throw invalid(name, tag, `Pass a language tag such as 'fr' or 'pt-BR'. ${SHIPPED}`);
      const canonical = canonicalTag(name, tag);
      if (!available.includes(canonical)) throw invalid(name, tag, `No strings for this language. ${SHIPPED}`);
      return canonical;
    });
    if (list.length === 0) throw invalid('locale', option, `List at least one language, e.g. ['en', 'fr']. ${SHIPPED}`);
    if (list.length === 1) return () => list[0]!;
    return (header) => negotiate(header, list) ?? list[0]!;
  }
  if (typeof option === 'function') {
    const pick = option as (req: unknown) => unknown;
    return (header, req) => {
      let wanted: unknown;
      try {
        wanted = pick(req);
      } catch {
        wanted = undefined;
      }
      // The app's own choice, matched as a header would be ('fr-CA' speaks 'fr'); else the visitor's.
      const asked = typeof wanted === 'string' ? [wanted] : Array.isArray(wanted) ? wanted.filter((w): w is string => typeof w === 'string') : [];
      const own = asked.length > 0 ? negotiate(asked.map((tag, i) => `${tag};q=${(1 - i / (asked.length + 1)).toFixed(3)}`).join(','), available) : undefined;
      return own ?? negotiate(header, available) ?? 'en';
    };
  }
  throw invalid('locale', option, `Pass a language tag ('fr'), a list of them (['en', 'fr']), or a function of the request that returns one. ${SHIPPED}`);
}

function canonicalTag(option: string, tag: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    if (canonical) return canonical;
  } catch {
    // reported below
  }
  throw invalid(option, tag, `Use a BCP 47 language tag such as 'fr', 'pl' or 'pt-BR'. ${SHIPPED}`);
}

function checkObject(option: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(option, value, "Pass an object of languages, e.g. { fr: { introTitle: '…' } }.");
  return value as Record<string, unknown>;
}

function overrides(option: string, value: unknown): LocaleStrings {
  const raw = checkKeys(option, value, Object.fromEntries([...STRING_KEYS].map((key) => [key, true])));
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(raw)) {
    if (typeof text !== 'string' || text.length === 0) throw invalid(`${option}.${key}`, text, 'Pass a non-empty string.');
    out[key] = text;
  }
  return out as LocaleStrings;
}
