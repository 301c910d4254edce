import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { HttpResponse } from '../../src/http/response.js';
import { send, type PlatformRequest, type PlatformResponse } from './platform.js';

/**
 * How `SharelockGuard` answers a request it does not let through (a challenge, logout, suspended
 * or deny verdict): the module's `SharelockExceptionFilter` writes `response` as is, as the Express
 * adapter does. It is an `HttpException` with the same status and JSON body, and the guard has set
 * the headers (`Location`, ...) already, so a catch-all filter of the app that sees it first still
 * answers correctly, only with a JSON body on redirects.
 */
export class SharelockVerdictException extends HttpException {
  constructor(readonly answer: HttpResponse) {
    const json = answer.headers['content-type']?.startsWith('application/json');
    super(json && answer.body ? (JSON.parse(answer.body) as object) : '', answer.status);
  }
}

/**
 * Writes the answer of a `SharelockVerdictException`; `SharelockModule` registers it globally. An app
 * with its own catch-all filter can hand these exceptions on:
 * `if (exception instanceof SharelockVerdictException) return new SharelockExceptionFilter().catch(exception, host);`
 */
@Catch(SharelockVerdictException)
export class SharelockExceptionFilter implements ExceptionFilter<SharelockVerdictException> {
  catch(exception: SharelockVerdictException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    send(http.getResponse<PlatformResponse>(), exception.answer, http.getRequest<PlatformRequest>().method ?? 'GET');
  }
}
