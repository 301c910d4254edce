/** One device for scripts: a client that keeps its own cookies, as a browser does. */
export class Device {
  readonly #cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async request(path: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(new URL(path, this.base), { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.#cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    return response;
  }

  /** Another browser holding a copy of this one's cookies (a copied device cookie), with its own headers. */
  copy(headers: Record<string, string> = this.headers): Device {
    const copy = new Device(this.base, headers);
    for (const [name, value] of this.#cookies) copy.#cookies.set(name, value);
    return copy;
  }

  login(user: string): Promise<Response> {
    return this.request('/login', { form: { user } });
  }
}
