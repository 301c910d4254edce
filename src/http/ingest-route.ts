import { promisify } from 'node:util';
import { gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';
import { isAuthorized } from '../ingest/auth.js';
import type { IngestReport } from '../ingest/ingestor.js';
import type { Sharelock } from '../sharelock.js';
import type { RawBody } from './body.js';
import { firstValue, type RequestLike } from './request.js';
import { json, type HttpResponse } from './response.js';

type Decompress = (buffer: InputType, options: ZlibOptions) => Promise<Buffer>;
const DECOMPRESS: Record<string, Decompress> = { gzip: promisify(gunzip), 'x-gzip': promisify(gunzip), deflate: deflate() };

/** `/v1/{type}` takes one event of that type; the others take an event, a list, or `{ batch }`. */
const ROUTES: Record<string, { type?: string }> = {
  '': {},
  '/v1/batch': {},
  '/v1/import': {},
  '/v1/page': { type: 'page' },
  '/v1/screen': { type: 'screen' },
  '/v1/identify': { type: 'identify' },
  '/v1/track': { type: 'track' },
  '/v1/group': { type: 'group' },
  '/v1/alias': { type: 'alias' },
};

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/;

/**
 * The Segment-spec ingest endpoint under `ingest.path`, shaped like Segment's HTTP API: POST,
 * the write key as Basic auth username, a JSON body (gzip or deflate accepted) of at most
 * `ingest.maxBodyBytes`. A request it cannot read is refused whole (400, 401, 404, 405, 413, 415)
 * and nothing is written; otherwise each event gets its own result (see `IngestResult`).
 */
export class IngestRoute {
  readonly #core: Sharelock<any, any>;

  constructor(core: Sharelock<any, any>) {
    this.#core = core;
  }

  /** Whether the path is under the endpoint (every path there is answered, so no `protect` pattern judges it). */
  matches(path: string): boolean {
    const { enabled, path: base } = this.#core.config.ingest;
    return enabled && (path === base || path.startsWith(`${base}/`));
  }

  /**
   * The answer to a request refused before its body is read (unknown path, not POST, no valid
   * write key, a content type or encoding it does not take), or `undefined`. Adapters that parse
   * bodies before their handler runs (Fastify) ask this first, so no unauthenticated body is read.
   */
  refuseEarly(request: RequestLike): HttpResponse | undefined {
    const checked = this.#check(request);
    return 'status' in checked ? checked : undefined;
  }

  async handle(request: RequestLike, readBody: ((maxBytes: number) => Promise<RawBody>) | undefined): Promise<HttpResponse> {
    const checked = this.#check(request);
    if ('status' in checked) return checked;
    const { route, decompress, form } = checked;
    const config = this.#core.config.ingest;
    if (!readBody) return refuse(500, 'no_body_reader', 'This adapter does not hand request bodies to sharelock.');

    const body = await this.#parse(await readBody(config.maxBodyBytes), decompress, form);
    if ('status' in body) return body;
    let report: IngestReport;
    try {
      report = await this.#core.ingest(body.value, route.type === undefined ? {} : { type: route.type });
    } catch (error) {
      this.#core.config.logger.error('The ingest endpoint failed on a request; it was answered 500.', error);
      return refuse(500, 'internal_error', 'The events could not be processed; send them again.');
    }
    if (report.error) return refuse(400, report.error.code, report.error.message);
    const { counts } = report;
    const applied = counts.recorded + counts.learned + counts.ignored + counts.duplicate;
    // 503: the pipeline retries the request; what was recorded comes back as `duplicate`.
    const status = counts.failed > 0 ? 503 : applied === 0 && counts.rejected > 0 ? 400 : 200;
    const response = json(status, { success: status === 200, ...counts, results: report.results });
    if (status === 503) response.headers['retry-after'] = '30';
    return response;
  }

  /** What the headers allow: the route, and how to read the body; or the refusal. */
  #check(request: RequestLike): { route: { type?: string }; decompress: Decompress | undefined; form: boolean } | HttpResponse {
    const config = this.#core.config.ingest;
    const route = ROUTES[request.path.slice(config.path.length).replace(/\/+$/, '')];
    if (!route) return refuse(404, 'not_found', `No such ingest endpoint. POST events to ${config.path}/v1/batch, /v1/page, /v1/screen or /v1/identify.`);
    if (request.method !== 'POST') {
      const response = refuse(405, 'method_not_allowed', 'Send events with POST.');
      response.headers.allow = 'POST';
      return response;
    }
    if (!isAuthorized(firstValue(request.headers.authorization), config.writeKeys)) {
      const response = refuse(401, 'unauthorized', 'Send a write key from `ingest.writeKeys` as the HTTP Basic username with an empty password, as Segment\'s HTTP API does.');
      response.headers['www-authenticate'] = 'Basic realm="sharelock ingest", charset="UTF-8"';
      return response;
    }
    const encoding = (firstValue(request.headers['content-encoding']) ?? 'identity').trim().toLowerCase();
    const decompress = encoding === 'identity' || encoding === '' ? undefined : DECOMPRESS[encoding];
    if (encoding !== 'identity' && encoding !== '' && !decompress) return refuse(415, 'unsupported_encoding', `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not accepted: send the body as is, gzip or deflate.`);
    const mediaType = (firstValue(request.headers['content-type']) ?? '').split(';')[0]!.trim().toLowerCase();
    // RudderStack's Node SDK posts its gzipped JSON with axios's default form type.
    const form = mediaType === 'application/x-www-form-urlencoded';
    if (!(mediaType === '' || JSON_TYPE.test(mediaType) || mediaType === 'text/plain' || (form && decompress))) {
      return refuse(415, 'unsupported_media_type', `Content-Type ${JSON.stringify(mediaType.slice(0, 60))} is not accepted: send JSON (application/json).`);
    }
    return { route, decompress, form };
  }

  /** The JSON value of the body, or the response refusing it. */
  async #parse(raw: RawBody, decompress: Decompress | undefined, form: boolean): Promise<{ value: unknown } | HttpResponse> {
    const max = this.#core.config.ingest.maxBodyBytes;
    const tooLarge = () => refuse(413, 'payload_too_large', `The body exceeds ${max} bytes (ingest.maxBodyBytes); send smaller batches.`, true);
    switch (raw.kind) {
      case 'too_large':
        return tooLarge();
      case 'unreadable':
        return refuse(400, 'unreadable_body', 'The body could not be read. If a body parser runs before sharelock, mount sharelock first (or keep the raw body: Nest `rawBody: true`).');
      case 'parsed':
        // A form parser made fields of RudderStack's JSON: nothing to recover.
        if (form) return refuse(400, 'unreadable_body', 'A form body parser consumed this JSON body before sharelock. Mount sharelock before body parsers, or keep the raw body (Nest: `rawBody: true`).');
        return { value: raw.value };
      case 'wire':
      case 'decoded':
        break;
    }
    let bytes = raw.bytes;
    if (raw.kind === 'wire' && decompress) {
      try {
        bytes = await decompress(bytes, { maxOutputLength: max });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge();
        return refuse(400, 'invalid_encoding', 'The body is not valid for its Content-Encoding.');
      }
    }
    if (bytes.length > max) return tooLarge();
    try {
      return { value: JSON.parse(bytes.toString('utf8')) };
    } catch {
      return refuse(400, 'invalid_json', bytes.length === 0 ? 'The body is empty: send an event or `{ "batch": [...] }` as JSON.' : 'The body is not valid JSON.');
    }
  }
}

function refuse(status: number, error: string, message: string, close = false): HttpResponse {
  const response = json(status, { success: false, error, message });
  // The rest of an oversized body is not read: the connection ends with the answer.
  if (close) response.headers.connection = 'close';
  return response;
}

/** HTTP's `deflate` is zlib-wrapped, but some clients send it raw. */
function deflate(): Decompress {
  const wrapped = promisify(inflate);
  const bare = promisify(inflateRaw);
  return async (buffer, options) => {
    try {
      return await wrapped(buffer, options);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
      return bare(buffer, options);
    }
  };
}
