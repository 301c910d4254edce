/**
 * Every word the challenge pages and code messages show, overridable through `branding.strings`.
 * `{name}` placeholders are filled in; the result is HTML-escaped. `{appName}` is `branding.appName`,
 * `'this service'` by default, so a sentence must read well with either ("Your plan on {appName}").
 *
 * Counts come with their noun, worded once for every sentence: `{limit}` and `{count}` read
 * "1 device" or "3 devices", `{attempts}` "1 attempt", `{seconds}` "1 second", `{minutes}`
 * "10 minutes", `{wait}` "45 minutes" or "2 hours" (minutes up to 90, then whole hours, rounded
 * up). `{time}` is a moment to come, as the pages show dates: "Jan 5, 02:05 PM", in UTC. Each noun is a pair of plain strings at the end, `…One` for a count of exactly 1
 * and `…Other` for any other count, `{count}` the number: `devicesOne: 'one seat'` with
 * `devicesOther: '{count} seats'` words every device count as seats.
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
  verifyTitle: 'Confirm it is you',
  verifyLead: 'We sent a {length}-digit code to {destination}. It expires in {minutes}.',
  codeLabel: 'Verification code',
  verifySubmit: 'Confirm',
  resend: 'Send a new code',
  resent: 'A new code is on its way.',
  resendWait: 'Please wait {seconds} before asking for another code.',
  wrongCode: 'That code is not right. {attempts} left.',
  codeExpired: 'That code has expired. Ask for a new one.',
  tooManyAttempts: 'Too many wrong codes. Start again from the page you were on.',
  // A budget (challenge.budget) is spent: the owner's path is paused; the other ways out stay.
  lockedTitle: 'Please try again later',
  lockedLead: 'To keep this account safe, confirming that it is yours is paused after too many attempts. You can try again at {time} UTC, in {wait}.',
  resendLocked: 'No new code can be sent before {time} UTC (in {wait}). Enter the last code we sent.',
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
  thisDevice: 'This device',
  lastSeen: 'Last used {when}',
  unknownPlace: 'place unknown',
  logoutDevice: 'Log out',
  continue: 'Continue',
  expiredTitle: 'This page has expired',
  expiredLead: 'Go back to the page you were on and try again.',
  notYoursTitle: 'This link is for another device',
  notYoursLead: 'Open it on the device that was asked to confirm.',
  goBack: 'Back to {appName}',
  unavailableTitle: 'Something went wrong',
  unavailableLead: 'We could not load this page just now. Please try again in a moment.',
  devicesVerifyLead: 'These devices use your account. Log out any you do not recognise.',
  placeNetwork: 'network {network}',
  added: 'added {date} UTC',
  codeSubject: 'Your verification code for {appName}',
  codeText: 'Your verification code for {appName} is {code}. It expires in {minutes}. If you did not ask for it, someone may be using your account: change your password.',
  typeComputer: 'Computer',
  typeTablet: 'Tablet',
  typeMobile: 'Phone',
  typeTv: 'TV',
  typeOther: 'Device',
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

export type Strings = typeof DEFAULT_STRINGS;
export type StringKey = keyof Strings;

/** Fill `{name}` placeholders; unknown names stay as they are. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** A counted noun: `count` with the strings' `…One` or `…Other` form ("1 device", "3 devices"). */
export function counted(strings: Strings, noun: 'devices' | 'attempts' | 'seconds' | 'minutes' | 'hours', count: number): string {
  const key: StringKey = count === 1 ? `${noun}One` : `${noun}Other`;
  return format(strings[key], { count });
}
