import type { Decision, Identity, RequestLike, Sharelock } from '../../src/index.js';

const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

/** One device talking to the core directly (no HTTP): it keeps the device cookie it is given. */
export class CoreDevice {
  #cookie: string | undefined;
  constructor(
    readonly guard: Sharelock<Identity | null>,
    readonly identity: Identity | null,
    readonly headers: Record<string, string> = {},
  ) {}

  get cookie(): string | undefined {
    return this.#cookie;
  }

  request(path = '/watch/1'): RequestLike {
    return {
      method: 'GET',
      path,
      url: path,
      headers: { host: 'localhost', 'user-agent': WINDOWS, ...this.headers, ...(this.#cookie ? { cookie: this.#cookie } : {}) },
      remoteAddress: '203.0.113.5',
      https: false,
    };
  }

  async open(path?: string): Promise<Decision> {
    const decision = await this.guard.decide(this.request(path), this.identity);
    if (decision.setCookie) this.#cookie = decision.setCookie.split(';')[0];
    return decision;
  }
}
