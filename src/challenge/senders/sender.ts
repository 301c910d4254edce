/** One verification code on its way to the account owner. */
export interface CodeMessage {
  channel: 'email' | 'sms';
  /** The email address or phone number, from `identify()`. */
  to: string;
  code: string;
  accountId: string;
  challengeId: string;
  expiresAt: number;
  appName: string;
  /** The language of `subject` and `text` (BCP 47), the one the owner's challenge page spoke. Always set by sharelock. */
  locale?: string;
  /** A ready-to-send subject (email) and plain text, in the configured strings. */
  subject: string;
  text: string;
}

/** Delivers verification codes. Implement it for your email or SMS provider. */
export interface CodeSender {
  send(message: CodeMessage): Promise<void>;
  /** Optional: release connections. Called by `sharelock.close()`. */
  close?(): Promise<void> | void;
}
