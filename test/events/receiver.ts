import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got, answered or not. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it was answered with; `undefined` while held or when the client gave up. */
  status?: number;
}

/**
 * A real webhook receiver (node:http) whose behaviour the test switches: answer `status` (default
 * 204), `hang` (never answer: the sender's timeout fires), or `hold` (answer only when released).
 */
export class Receiver {
  readonly received: Received[] = [];
  status = 204;
  mode: 'answer' | 'hang' | 'hold' = 'answer';
  readonly #server: Server;
  readonly #held: Array<() => void> = [];
  readonly #open = new Set<ServerResponse>();
  readonly #waiters: Array<{ count: number; resolve: () => void }> = [];
  url = '';

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.#server.address() as AddressInfo).port}/webhooks`;
    return receiver;
  }

  /** Requests answered 2xx: what the sender counts as delivered. */
  get accepted(): Received[] {
    return this.received.filter((r) => r.status !== undefined && r.status < 300);
  }

  /** Resolve once `count` requests have arrived in all. */
  arrived(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Answer every held request with the current `status`. */
  release(): void {
    for (const answer of this.#held.splice(0)) answer();
  }

  async close(): Promise<void> {
    for (const res of this.#open) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const entry: Received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    this.received.push(entry);
    for (const waiter of this.#waiters.filter((w) => this.received.length >= w.count)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    this.#open.add(res);
    res.once('close', () => this.#open.delete(res));
    const answer = (): void => {
      if (res.destroyed) return;
      entry.status = this.status;
      res.writeHead(this.status).end();
    };
    if (this.mode === 'answer') answer();
    else if (this.mode === 'hold') this.#held.push(answer);
  }
}
