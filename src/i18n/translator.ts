import { counted, format, type Noun, type StringKey, type Strings } from '../challenge/strings.js';

/** Languages written right to left (ISO 639 codes); every other language is laid out left to right. */
const RTL = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'iw', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);

export function directionOf(locale: string): 'ltr' | 'rtl' {
  return RTL.has(locale.split('-')[0]!.toLowerCase()) ? 'rtl' : 'ltr';
}

interface Formats {
  plural: Intl.PluralRules;
  number: Intl.NumberFormat;
  relative: Intl.RelativeTimeFormat;
  utc: Intl.DateTimeFormat;
  regions: Intl.DisplayNames | undefined;
}

// A handful of locales at most: one set of Intl formatters each, built on first use.
const formats = new Map<string, Formats>();

function formatsFor(locale: string): Formats {
  let found = formats.get(locale);
  if (!found) {
    let regions: Intl.DisplayNames | undefined;
    try {
      regions = new Intl.DisplayNames(locale, { type: 'region' });
    } catch {
      regions = undefined;
    }
    found = {
      plural: new Intl.PluralRules(locale),
      number: new Intl.NumberFormat(locale),
      relative: new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }),
      utc: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }),
      regions,
    };
    formats.set(locale, found);
  }
  return found;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** One language's words and formats for one page: `t()` fills a string, the rest format values as that language does. */
export class Translator {
  readonly locale: string;
  readonly dir: 'ltr' | 'rtl';
  readonly strings: Strings;
  readonly #appName: string;
  readonly #formats: Formats;

  constructor(locale: string, strings: Strings, appName: string) {
    this.locale = locale;
    this.dir = directionOf(locale);
    this.strings = strings;
    this.#appName = appName;
    this.#formats = formatsFor(locale);
  }

  t(key: StringKey, values: Record<string, string | number> = {}): string {
    return format(this.strings[key] ?? '', { appName: this.#appName, ...values });
  }

  /** "1 device", "5 urządzeń", "٣ أجهزة". */
  count(noun: Noun, n: number): string {
    return counted(this.strings, noun, n, this.#formats.plural, this.#formats.number);
  }

  number(n: number): string {
    return this.#formats.number.format(n);
  }

  /** A moment from `now`: "2 hours ago", "yesterday", "in 5 minutes"; "now" under a minute. */
  relative(at: number, now: number): string {
    const elapsed = at - now;
    for (const [unit, ms] of UNITS) {
      if (Math.abs(elapsed) >= ms) return this.#formats.relative.format(elapsed < 0 ? -Math.floor(-elapsed / ms) : Math.floor(elapsed / ms), unit);
    }
    return this.#formats.relative.format(0, 'second');
  }

  /** How long until a moment to come, as a counted noun: minutes up to 90, then whole hours, rounded up. */
  wait(ms: number): string {
    const minutes = Math.max(1, Math.ceil(Math.max(0, ms) / 60_000));
    return minutes <= 90 ? this.count('minutes', minutes) : this.count('hours', Math.ceil(ms / 3_600_000));
  }

  /** A moment in UTC ("Jan 5, 02:05 PM"): only for the `{time}`/`{date}` placeholders of older overrides. */
  utc(at: number): string {
    return this.#formats.utc.format(at);
  }

  /** A country's name in this language, from its ISO 3166 code; the code when unknown. */
  region(code: string): string {
    try {
      return this.#formats.regions?.of(code.toUpperCase()) ?? code;
    } catch {
      return code;
    }
  }
}
