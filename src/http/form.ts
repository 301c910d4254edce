import type { IncomingMessage } from 'node:http';

/** Challenge forms are a handful of short fields. */
export const MAX_FORM_BYTES = 8 * 1024;

export type Form = Record<string, string>;

/**
 * The fields of a urlencoded POST body: taken from `parsed` when a body parser already ran (by
 * default `req.body`, where Express's parsers leave it), else read from the stream (at most
 * `MAX_FORM_BYTES`; anything else yields no fields). Never throws: a bad body is an empty form,
 * which the handlers reject clearly.
 */
export async function readForm(req: IncomingMessage & { body?: unknown }, parsed: unknown = req.body): Promise<Form> {
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object') return fromObject(parsed as Record<string, unknown>);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' || req.readableEnded) return {};
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_FORM_BYTES) return {};
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_FORM_BYTES) return {};
      chunks.push(chunk as Buffer);
    }
    return fromObject(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  } catch {
    return {};
  }
}

function fromObject(body: Record<string, unknown>): Form {
  const form: Form = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') form[key] = value;
  return form;
}
