import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { WebhookRequestTracker } from './webhook-request-tracker.js';

const PROVIDER_PATH = /^\/webhooks\/([a-z0-9_-]+)(?:[/?]|$)/i;

/**
 * Times every request to /webhooks/<provider>/... of a supported provider and records it once answered, in the
 * Redis counters every instance shares and in this process's Prometheus series. A middleware rather than an
 * interceptor, so requests a guard refused (wrong token: 404) or the rate limit turned away count as failures too.
 * Requests the webhook pipeline answers before Nest's router never reach here; it records them itself.
 */
@Injectable()
export class WebhookStatsMiddleware implements NestMiddleware {
  constructor(private readonly tracker: WebhookRequestTracker) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const provider = PROVIDER_PATH.exec(req.originalUrl)?.[1]?.toLowerCase();
    if (provider !== undefined && this.tracker.isProvider(provider)) {
      this.tracker.trackAnswer(provider, res, process.hrtime.bigint());
    }
    next();
  }
}
