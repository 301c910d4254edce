/**
 * Every word the challenge pages and code messages show, in English: the default bundle, each key
 * overridable (`branding.strings` for English, `branding.locales` per language; see docs/i18n.md).
 * `{name}` placeholders are filled in; the result is HTML-escaped. `{appName}` is `branding.appName`,
 * `'this service'` by default, so a sentence must read well with either ("Your plan on {appName}").
 *
 * Counts come with their noun, worded once for every sentence: `{limit}` and `{count}` read
 * "1 device" or "3 devices", `{attempts}` "1 attempt", `{seconds}` "1 second", `{minutes}`
 * "10 minutes", `{wait}` "45 minutes" or "2 hours" (minutes up to 90, then whole hours, rounded
 * up). Each noun has one string per plural category of the language (`Intl.PluralRules`):
 * `…Zero`, `…One`, `…Two`, `…Few`, `…Many`, `…Other`; a category a bundle leaves out uses `…Other`.
 * English has `…One` and `…Other`: `devicesOne: 'one seat'` with `devicesOther: '{count} seats'`
 * words every device count as seats. `{when}` is a relative time ("2 hours ago", "in 5 minutes");
 * `{time}` and `{date}` (kept for overrides written before 0.2) are a moment in UTC ("Jan 5, 02:05 PM").
 */
export const DEFAULT_STRINGS = {
  introTitle: 'This account is in use on too many devices',
  introLead: 'Your plan on {appName} allows {limit}, and that limit is reached. What would you like to do?',
  // The account's own limit for one device type; {type} is the type's label.
  introTypeLead: 'Your plan on {appName} allows {limit} of this type ({type}), and that limit is reached. What would you like to do?',
  // A team's pooled limit ({group} is the group's id, from identify()); {type} is a device type's label.
  introGroupLead: "Your team's plan on {appName} allows {limit}, and that limit is reached. What would you like to do?",
  introGroupTypeLead: "Your team's plan on {appName} allows {limit} of this type ({type}), and that limit is reached. What would you like to do?",
  introGroupFull: "Your colleagues' devices take the slots, so logging out your own devices cannot make room: ask your team's admin to free a slot or add more.",
  introVerifyTitle: 'Is this you?',
  introVerifyLead: 'This account on {appName} looks like it is being used by more than one person. What would you like to do?',
  choiceNewAccount: 'Create my own account',
  choiceNewAccountHint: 'Get your own subscription, with your own devices.',
  choiceOwner: "I'm the owner",
  choiceOwnerHint: 'Confirm it is you, then choose which devices stay signed in.',
  choiceLogout: 'Log out this device',
  choiceLogoutHint: 'Sign out here and leave the account as it is.',
  // "Log out this device" asks first: it ends this device's session.
  confirmLogoutTitle: 'Log out of {appName} on this device?',
  confirmLogoutLead: 'You will need to sign in again to use {appName} here. The account and its other devices stay as they are.',
  confirmLogout: 'Yes, log out',
  cancel: 'No, go back',
  verifyTitle: 'Confirm it is you',
  verifyLead: 'We sent a {length}-digit code to {destination}. It expires in {minutes}.',
  // Joins two destinations: "a••••@example.com and +33 •• •• 78".
  and: '{first} and {second}',
  codeLabel: 'Verification code',
  verifySubmit: 'Confirm',
  resend: 'Send a new code',
  resent: 'A new code is on its way.',
  resendWait: 'Please wait {seconds} before asking for another code.',
  wrongCode: 'That code is not right. {attempts} left.',
  codeExpired: 'That code has expired. Ask for a new one.',
  tooManyAttemptsTitle: 'Too many wrong codes',
  tooManyAttempts: 'Too many wrong codes. Start again from the page you were on.',
  // A budget (challenge.budget) is spent: the owner's path is paused; the other ways out stay.
  lockedTitle: 'Please try again later',
  lockedLead: 'To keep this account safe, confirming that it is yours is paused after too many attempts. You can try again in {wait}.',
  resendLocked: 'No new code can be sent for {wait}. Enter the last code we sent.',
  sendFailed: 'We could not send a code just now. Please try again in a moment.',
  devicesTitle: 'Choose the devices that stay signed in',
  devicesLead: 'Your plan allows {limit}. Log out the ones you no longer use.',
  devicesTypeLead: 'Your plan allows {limit} of this type ({type}). Log out the ones you no longer use.',
  devicesGroupLead: "Your team's plan allows {limit}. Log out the ones you no longer use.",
  devicesGroupTypeLead: "Your team's plan allows {limit} of this type ({type}). Log out the ones you no longer use.",
  devicesOverLimit: 'Log out {count} to continue.',
  devicesWithinLimit: 'You are within your plan. You can continue.',
  devicesGroupFullLead: "Your team's plan has no free device slots, and logging out your own devices cannot make enough room: the others are your colleagues'.",
  devicesGroupFull: "Ask your team's admin to free a slot or add more, then try again.",
  // After the owner logged a device out; {device} is its name ("iPhone", "Chrome on Windows").
  signedOut: '{device} was logged out.',
  thisDevice: 'This device',
  lastSeen: 'Last used {when}',
  usedNow: 'In use now',
  // A coarse place: {city} and {country} as the location source names them.
  placeNear: 'near {city}',
  placeCountry: 'in {country}',
  unknownPlace: 'place unknown',
  logoutDevice: 'Log out',
  continue: 'Continue',
  // The challenge was closed (expired, or replaced by a newer one).
  expiredTitle: 'This page has expired',
  expiredLead: 'Go back to the page you were on and try again.',
  // No such challenge: a mistyped link, or one the server no longer knows (e.g. after a restart).
  notFoundTitle: 'This page is not available',
  notFoundLead: 'The link may be incomplete, or it is no longer valid. Go back to the page you were on and try again.',
  // The challenge was finished on this device already.
  doneTitle: 'You are all set',
  doneLead: 'This step is already finished. You can go back to {appName}.',
  notYoursTitle: 'This link is for another device',
  notYoursLead: 'Open it on the device that was asked to confirm.',
  goBack: 'Back to {appName}',
  unavailableTitle: 'Something went wrong',
  unavailableLead: 'We could not load this page just now. Please try again in a moment.',
  devicesVerifyLead: 'These devices use your account. Log out any you do not recognise.',
  // Kept for overrides written before 0.2; the pages no longer show networks.
  placeNetwork: 'network {network}',
  added: 'added {when}',
  codeSubject: 'Your verification code for {appName}',
  codeText: 'Your verification code for {appName} is {code}. It expires in {minutes}. If you did not ask for it, someone may be using your account: change your password.',
  typeComputer: 'Computer',
  typeTablet: 'Tablet',
  typeMobile: 'Phone',
  typeTv: 'TV',
  typeOther: 'Device',
  // A device as people name it (src/device/name.ts): "Chrome on Mac", "Samsung TV".
  nameBrowserOnOs: '{browser} on {os}',
  nameMakerType: '{maker} {type}',
  // The counted nouns (see above).
  devicesOne: '{count} device',
  devicesOther: '{count} devices',
  attemptsOne: '{count} attempt',
  attemptsOther: '{count} attempts',
  secondsOne: '{count} second',
  secondsOther: '{count} seconds',
  minutesOne: '{count} minute',
  minutesOther: '{count} minutes',
  hoursOne: '{count} hour',
  hoursOther: '{count} hours',
};

export const NOUNS = ['devices', 'attempts', 'seconds', 'minutes', 'hours'] as const;
export type Noun = (typeof NOUNS)[number];
export const PLURAL_CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
type Category = Capitalize<Intl.LDMLPluralRule>;
/** The plural forms a language may add to English's `…One`/`…Other`. */
export type PluralKey = `${Noun}${Category}`;

export type Strings = typeof DEFAULT_STRINGS & Partial<Record<PluralKey, string>>;
export type StringKey = keyof Strings;

/** Every key a bundle may give, plural forms included (for validating overrides). */
export const STRING_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(DEFAULT_STRINGS),
  ...NOUNS.flatMap((noun) => PLURAL_CATEGORIES.map((category) => pluralKey(noun, category))),
]);

export function pluralKey(noun: Noun, category: Intl.LDMLPluralRule): PluralKey {
  return `${noun}${category[0]!.toUpperCase()}${category.slice(1)}` as PluralKey;
}

/** Fill `{name}` placeholders; unknown names stay as they are. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/**
 * A counted noun: `count` with the strings' form for its plural category ("1 device", "3 devices";
 * "2 urządzenia", "5 urządzeń"), `…Other` when the bundle has no form for it. Without `plural`,
 * English rules. `number` formats the count (the locale's digits).
 */
export function counted(strings: Strings, noun: Noun, count: number, plural?: Intl.PluralRules, number?: Intl.NumberFormat): string {
  const category = plural ? plural.select(count) : count === 1 ? 'one' : 'other';
  const template = strings[pluralKey(noun, category)] ?? strings[pluralKey(noun, 'other')]!;
  return format(template, { count: number ? number.format(count) : count });
}
