import { Injectable, type NestMiddleware } from '@nestjs/common';
import cors, { type CorsOptions } from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import type { CorsConfig } from '../../config/cors-config.js';
import { REQUEST_ID_HEADER } from './request-id.js';

export const CORS_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
export const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Accept', REQUEST_ID_HEADER];
export const CORS_EXPOSED_HEADERS = [
  REQUEST_ID_HEADER,
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
];

function isPreflight(req: Request): boolean {
  return (
    req.method === 'OPTIONS' &&
    req.headers.origin !== undefined &&
    req.headers['access-control-request-method'] !== undefined
  );
}

/**
 * The `cors` package with our policy: an allowed origin is echoed exactly, a refused one gets no CORS header at
 * all (rather than the package's partial set), so the browser refuses it.
 */
export function corsHandler(config: CorsConfig): RequestHandler {
  const allowed = new Set(config.origins);
  const policy: CorsOptions = {
    methods: CORS_METHODS,
    allowedHeaders: CORS_REQUEST_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: config.allowCredentials,
    maxAge: config.maxAgeS,
  };
  const handler = cors<Request>((req, done) => {
    const origin = req.headers.origin;
    done(null, origin !== undefined && allowed.has(origin) ? { ...policy, origin } : { origin: false });
  });
  return (req, res, next) => {
    // Also on refused and origin-less answers, so a shared cache never hands one origin's answer to another.
    res.vary('Origin');
    handler(req, res, (err?: unknown) => {
      if (err !== undefined) {
        next(err);
      } else if (isPreflight(req)) {
        // A refused preflight ends here: passed on, it would meet the auth guard (401) or the 404 handler.
        res.status(204).setHeader('Content-Length', '0');
        res.end();
      } else {
        next();
      }
    });
  };
}

/**
 * CORS for /api/ only (webhooks are server-to-server). Runs before the guards, so a preflight is answered
 * without credentials and never counted by the rate limits; a no-op while CORS_ORIGINS is unset.
 */
@Injectable()
export class CorsMiddleware implements NestMiddleware {
  private readonly handler: RequestHandler | undefined;

  constructor(config: AppConfig) {
    this.handler = config.cors === undefined ? undefined : corsHandler(config.cors);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    if (this.handler === undefined) {
      next();
    } else {
      void this.handler(req, res, next);
    }
  }
}
