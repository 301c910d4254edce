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

  /** The client address; with `trustProxy`, sent as `X-Forwarded-For` from a loopback proxy. */
  ip: string | undefined;

  request(path = '/watch/1'): RequestLike {
    return {
      method: 'GET',
      path,
      url: path,
      headers: { host: 'localhost', 'user-agent': WINDOWS, ...this.headers, ...(this.#cookie ? { cookie: this.#cookie } : {}), ...(this.ip ? { 'x-forwarded-for': this.ip } : {}) },
      remoteAddress: this.ip ? '127.0.0.1' : '203.0.113.5',
      https: false,
    };
  }

  /** Move the device to another network, e.g. `device.at(PLACES.newYork.ip)`. */
  at(ip: string): this {
    this.ip = ip;
    return this;
  }

  /** A copy of this device's cookie in another browser (a cloned device). */
  clone(): CoreDevice {
    const copy = new CoreDevice(this.guard, this.identity, this.headers);
    copy.#cookie = this.#cookie;
    return copy;
  }

  async open(path?: string): Promise<Decision> {
    const decision = await this.guard.decide(this.request(path), this.identity);
    if (decision.setCookie) this.#cookie = decision.setCookie.split(';')[0];
    return decision;
  }
}
