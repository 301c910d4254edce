import type { CodeMessage, CodeSender } from './sender.js';

/**
 * A development sender: keeps codes in memory instead of sending them, so an example app can show
 * them (e.g. at `/dev/outbox`) and a test can read them. Bounded to the last `max` messages.
 */
export class Outbox implements CodeSender {
  readonly messages: CodeMessage[] = [];
  readonly #max: number;

  constructor(options: { max?: number } = {}) {
    this.#max = options.max ?? 100;
  }

  async send(message: CodeMessage): Promise<void> {
    this.messages.push(message);
    if (this.messages.length > this.#max) this.messages.shift();
  }

  /** The newest message sent to `to`, if any. */
  latest(to?: string): CodeMessage | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i]!;
      if (to === undefined || message.to === to) return message;
    }
    return undefined;
  }
}
