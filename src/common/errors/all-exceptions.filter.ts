import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError, type ErrorBody, type ErrorDetails } from './api-error.js';
import { requestIdOf } from '../http/request-id.js';

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'authentication_required',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limit_exceeded',
  503: 'service_unavailable',
};

/** Body-parser and other Express middleware errors carry an HTTP status but are not HttpExceptions. */
function middlewareStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number') {
    return err.status >= 400 && err.status < 500 ? err.status : undefined;
  }
  return undefined;
}

function messageOf(exception: HttpException): string {
  const res = exception.getResponse();
  if (typeof res === 'object' && 'message' in res) {
    const m = res.message;
    if (typeof m === 'string') {
      return m;
    }
  }
  return exception.message;
}

/**
 * Renders every error in the spec's body. Unknown errors become a 500 with the request id and no stack; the
 * full error goes to the log only.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const requestId = requestIdOf(req);

    let status: number;
    let code: string;
    let message: string;
    let details: ErrorDetails = {};
    let headers: Readonly<Record<string, string>> = {};
    let extra: Readonly<Record<string, unknown>> = {};

    if (exception instanceof ApiError) {
      status = exception.getStatus();
      ({ code, details, headers, extra } = exception);
      message = exception.message;
    } else if (exception instanceof HttpException && exception.cause instanceof SyntaxError) {
      // The parser's own message quotes the body, which may carry health data: never echo it.
      status = HttpStatus.BAD_REQUEST;
      code = 'bad_request';
      message = 'Malformed request body';
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
      message = status === 404 ? `No route for ${req.method} ${req.path}` : messageOf(exception);
    } else if (middlewareStatus(exception) !== undefined) {
      status = middlewareStatus(exception) ?? HttpStatus.BAD_REQUEST;
      code = CODE_BY_STATUS[status] ?? 'bad_request';
      message = status === 400 ? 'Malformed request body' : (exception as Error).message;
    } else {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
      code = 'internal_error';
      message = 'An unexpected error occurred';
    }

    if (status >= 500) {
      this.logger.error({ err: exception, requestId }, 'Unhandled error');
    }
    if (res.headersSent) {
      return;
    }
    const body: ErrorBody = {
      error: code,
      message,
      ...extra,
      details,
      timestamp: new Date().toISOString(),
      request_id: requestId,
    };
    for (const [name, value] of Object.entries(headers)) {
      res.setHeader(name, value);
    }
    res.status(status).json(body);
  }
}
