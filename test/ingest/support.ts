import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Options } from '../../src/index.js';
import type { IngestOptions } from '../../src/ingest/options.js';

/** Two write keys, as during a rotation. */
export const WRITE_KEY = 'wk_live_0123456789abcdef';
export const PREVIOUS_KEY = 'wk_old_fedcba9876543210';

export const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
export const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/** Scenario-app overrides with the ingest endpoint on; devices known only from events count, as for a native app. */
export function withIngest(ingest: IngestOptions = {}, extra: Partial<Options> = {}): Partial<Options> {
  return { ingest: { writeKeys: [WRITE_KEY, PREVIOUS_KEY], countEventDevices: true, ...ingest }, ...extra };
}

/** `Authorization` as Segment's HTTP API takes it: the key as Basic username, empty password. */
export function basic(key: string, password = ''): string {
  return `Basic ${Buffer.from(`${key}:${password}`).toString('base64')}`;
}

/** Listen on a free local port; the base URL. */
export async function listen(server: Server): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A page view as a server-side library sends it, at `at` by the sender's clock. */
export function pageView(userId: string, anonymousId: string, at: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'page',
    userId,
    anonymousId,
    messageId: `m-${userId}-${anonymousId}-${at}`,
    timestamp: new Date(at).toISOString(),
    properties: { url: 'https://shop.example/watch/1?t=30' },
    context: { ip: '203.0.113.7', userAgent: CHROME_WINDOWS },
    ...extra,
  };
}

/** POST bytes as they are (supertest would serialise a Buffer); `chunks` sends them without a Content-Length. */
export async function postBytes(server: Server, path: string, headers: Record<string, string>, body: Buffer | Buffer[]): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const base = await listen(server);
  return new Promise((resolve, reject) => {
    const chunked = Array.isArray(body);
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers: { ...headers, ...(chunked ? {} : { 'content-length': String(body.length) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
      });
    });
    // The server may answer (413) and close before all is sent.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (const chunk of chunked ? body : [body]) req.write(chunk);
    req.end();
  });
}
