import { Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config.js';
import { assignRequestId } from '../http/request-id.js';
import { loggedUrl } from './scrub.js';

type Req = IncomingMessage & {
  id?: unknown;
  route?: { path?: unknown };
  baseUrl?: string;
  originalUrl?: string;
};

/**
 * JSON logs through pino. Credentials never reach a log line: auth and cookie headers are redacted, secret query
 * parameters are blanked, secret routes are logged by their template, and bodies (which may hold health data) are never logged.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          genReqId: (req: IncomingMessage, res: ServerResponse) => assignRequestId(req, res),
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
            err !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/api/metrics/live') },
          customAttributeKeys: { responseTime: 'duration_ms' },
          // On every line logged while serving the request, not only on the access line.
          customProps: (req: Req) => ({ request_id: req.id }),
          customSuccessObject: (req: Req, res: ServerResponse, val: Record<string, unknown>) => ({
            ...val,
            route: routeOf(req),
            status: res.statusCode,
          }),
          customErrorObject: (req: Req, res: ServerResponse, _err: Error, val: Record<string, unknown>) => ({
            ...val,
            route: routeOf(req),
            status: res.statusCode,
          }),
          serializers: {
            req: (req: Req & { method?: string; url?: string }) => ({
              id: req.id,
              method: req.method,
              url: loggedUrl({ url: req.url, originalUrl: req.originalUrl, routeTemplate: routeOf(req) }),
            }),
            res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
          },
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-fitbit-signature"]',
              'req.headers["x-healthapi-signature"]',
              'req.headers["google-health-api-signature"]',
              '*.access_token',
              '*.refresh_token',
              '*.token',
              '*.password',
              '*.secret',
            ],
            censor: '[redacted]',
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}

function routeOf(req: Req): string | undefined {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : undefined;
}
