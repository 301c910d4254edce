import type { IncomingMessage } from 'node:http';

/**
 * A request body as an adapter hands it over: the bytes as sent (`wire`, still in their
 * `Content-Encoding`), bytes a body parser already decompressed (`decoded`), or the value a JSON
 * parser made of them (`parsed`). `too_large` when more than the limit arrived, `unreadable` when
 * the stream failed or a parser consumed it and left nothing usable.
 */
export type RawBody =
  | { kind: 'wire'; bytes: Buffer }
  | { kind: 'decoded'; bytes: Buffer }
  | { kind: 'parsed'; value: unknown }
  | { kind: 'too_large' }
  | { kind: 'unreadable' };

/** What a body parser that ran before sharelock left: `req.body` and, when kept, the raw text (`rawBody`). */
export interface ParsedBody {
  parsed?: unknown;
  /** Nest's `rawBody: true`, koa-bodyparser's `ctx.request.rawBody`: the decompressed text or bytes. */
  raw?: unknown;
}

/**
 * Read a request body of at most `maxBytes` (a `Content-Length` above it is refused before
 * reading). When a body parser already consumed the stream, what it left is used instead: its raw
 * text when it kept it, else its parsed value (only JSON parsers leave one sharelock can use).
 * Never throws.
 */
export async function readRawBody(req: IncomingMessage, maxBytes: number, left: ParsedBody = {}): Promise<RawBody> {
  if (req.readableEnded || (req as { _body?: unknown })._body === true) {
    if (Buffer.isBuffer(left.raw)) return { kind: 'decoded', bytes: left.raw };
    if (typeof left.raw === 'string') return { kind: 'decoded', bytes: Buffer.from(left.raw, 'utf8') };
    if (Buffer.isBuffer(left.parsed)) return { kind: 'decoded', bytes: left.parsed };
    if (typeof left.parsed === 'string') return { kind: 'decoded', bytes: Buffer.from(left.parsed, 'utf8') };
    if (left.parsed !== undefined && left.parsed !== null && typeof left.parsed === 'object') return { kind: 'parsed', value: left.parsed };
    // Consumed by something that kept nothing: only an empty body is known to be empty.
    return Number(req.headers['content-length'] ?? 0) === 0 && req.headers['transfer-encoding'] === undefined ? { kind: 'wire', bytes: Buffer.alloc(0) } : { kind: 'unreadable' };
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (Number.isFinite(declared) && declared > maxBytes) return { kind: 'too_large' };
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (body: RawBody) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Not destroyed, so the client reads the 413: the rest is discarded as it arrives.
      done({ kind: 'too_large' });
      req.resume();
    };
    const onEnd = () => done({ kind: 'wire', bytes: Buffer.concat(chunks) });
    const onError = () => done({ kind: 'unreadable' });
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}
