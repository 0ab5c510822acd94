import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-ID';
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes the caller's X-Request-ID when it is a plain token (so it can go into logs and headers unescaped),
 * otherwise mints one; either way it is echoed on the response.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const candidate = Array.isArray(given) ? given[0] : given;
  const id = candidate !== undefined && SAFE_ID.test(candidate) ? candidate : `req-${randomUUID()}`;
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id pino-http attached to this request (see assignRequestId). */
export function requestIdOf(req: IncomingMessage): string {
  const id = (req as IncomingMessage & { id?: unknown }).id;
  return typeof id === 'string' ? id : 'unknown';
}

/** The handler parameter holding this request's id (requestIdOf), for controllers that pass it on. */
export const RequestId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  requestIdOf(ctx.switchToHttp().getRequest<IncomingMessage>()),
);
