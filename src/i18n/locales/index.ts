import { DEFAULT_STRINGS, type Strings } from '../../challenge/strings.js';
import { AR } from './ar.js';
import { FR } from './fr.js';
import { PL } from './pl.js';

/** The languages sharelock ships, by BCP 47 tag; English is `DEFAULT_STRINGS`. */
export const SHIPPED_LOCALES: Readonly<Record<string, Strings>> = Object.freeze({ en: DEFAULT_STRINGS, fr: FR, pl: PL, ar: AR });

export { AR, FR, PL };
