import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { WebhookStatsService } from './webhook-stats.service.js';

const PROVIDER_PATH = /^\/webhooks\/([a-z0-9_-]+)(?:[/?]|$)/i;

/**
 * Times every request to /webhooks/<provider>/... of a supported provider and records it once answered. A
 * middleware rather than an interceptor, so requests a guard refused (wrong token: 404) or the rate limit
 * turned away count as failures too.
 */
@Injectable()
export class WebhookStatsMiddleware implements NestMiddleware {
  constructor(private readonly stats: WebhookStatsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const provider = PROVIDER_PATH.exec(req.originalUrl)?.[1]?.toLowerCase();
    if (provider !== undefined && this.stats.isProvider(provider)) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        this.stats.recordRequest(provider, res.statusCode >= 200 && res.statusCode < 300, ms);
      });
    }
    next();
  }
}
