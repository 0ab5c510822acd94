import { Injectable, type NestMiddleware } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import { METRIC } from '../metric-names.js';

/** The matched route pattern, never the raw path: raw paths would put ids into label values without bound. */
function endpointOf(req: Request): string {
  const route: unknown = req.route;
  const pattern =
    typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string'
      ? `${req.baseUrl}${route.path}`
      : '';
  // A wildcard pattern is a middleware's, not a handler's: the request was refused before routing or matched nothing.
  if (pattern === '' || pattern.includes('*')) {
    return 'unmatched';
  }
  return pattern.replace(/^\/+|\/+$/g, '') || 'root';
}

/**
 * Counts and times every HTTP request. A middleware rather than an interceptor, because interceptors never see
 * requests that a guard refused (401, 429) or that matched no route (404), and those matter to operators.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(
    @InjectMetric(METRIC.apiRequests)
    private readonly requests: Counter<'method' | 'endpoint' | 'status_code'>,
    @InjectMetric(METRIC.apiRequestDuration) private readonly duration: Histogram<'method' | 'endpoint'>,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const stop = process.hrtime.bigint();
    res.once('finish', () => {
      const endpoint = endpointOf(req);
      const seconds = Number(process.hrtime.bigint() - stop) / 1e9;
      this.requests.inc({ method: req.method, endpoint, status_code: String(res.statusCode) });
      this.duration.observe({ method: req.method, endpoint }, seconds);
    });
    next();
  }
}
