import type { INestApplication } from '@nestjs/common';
import type { Express, NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import { assignRequestId } from '../../common/http/request-id.js';
import type { Acceptance } from '../inbox/inbox-batcher.js';
import { InboxAcceptor } from '../inbox/inbox-acceptor.service.js';
import { elapsedMs, WebhookRequestTracker } from '../stats/webhook-request-tracker.js';
import { WebhookStatsService } from '../stats/webhook-stats.service.js';
import { WithingsReceiver } from '../withings/withings-receiver.js';
import type { WebhookReceiver } from './webhook-receiver.js';
import { WebhookLimiter } from './webhook-limiter.service.js';

interface PipelineDeps {
  readonly limiter: WebhookLimiter;
  readonly acceptor: InboxAcceptor;
  readonly tracker: WebhookRequestTracker;
  readonly stats: WebhookStatsService;
}

/**
 * Mounts the webhook pipeline on the Express app, after the body parsers and before everything Nest registers
 * (its middleware, router, guards, pipes, interceptors and exception chain). A verified, valid notification is
 * answered here; every other request goes on to the provider's controller untouched (see WebhookReceiver).
 * Errors (429, 503 with Retry-After, 500) go to Nest's error handler, so their bodies are the usual ones.
 */
export function mountWebhookPipeline(app: INestApplication): void {
  const deps: PipelineDeps = {
    limiter: app.get(WebhookLimiter),
    acceptor: app.get(InboxAcceptor),
    tracker: app.get(WebhookRequestTracker),
    stats: app.get(WebhookStatsService),
  };
  const receivers: readonly WebhookReceiver[] = [app.get(WithingsReceiver)];
  const express = app.getHttpAdapter().getInstance() as Express;
  for (const receiver of receivers) {
    express.post(receiver.route, webhookHandler(receiver, deps));
  }
}

/** The express handler of one receiver: verify, parse, count, accept durably, answer; log and record once sent. */
export function webhookHandler(
  receiver: WebhookReceiver,
  deps: PipelineDeps,
): (req: Request, res: Response, next: NextFunction) => void {
  const { provider, acceptedStatus } = receiver;
  const bodyStart = `{"status":"accepted","provider":${JSON.stringify(provider)},"sync_tasks_queued":`;
  return (req, res, next) => {
    if (!receiver.verify(req)) {
      next();
      return;
    }
    const entries = receiver.parse(req.body);
    if (entries === undefined) {
      next();
      return;
    }
    const started = process.hrtime.bigint();
    const id = assignRequestId(req, res);
    (req as IncomingMessage & { id?: string }).id = id;
    res.once('finish', () => {
      const ms = elapsedMs(started);
      deps.tracker.record(provider, res.statusCode, ms);
      logAccess(req, res, receiver.route, id, ms);
    });
    try {
      deps.limiter.admitVerified(provider, res);
    } catch (err) {
      next(err);
      return;
    }
    Promise.all(entries.map((entry) => deps.acceptor.accept(entry))).then((rows) => {
      const queued = countQueued(rows);
      deps.stats.recordNotification(provider, queued);
      warnUnknownAccounts(provider, rows);
      if (acceptedStatus === 204) {
        res.statusCode = 204;
        res.end();
        return;
      }
      const body = `${bodyStart}${queued},"timestamp":"${new Date().toISOString()}"}`;
      res.writeHead(202, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    }, next);
  };
}

/** Notifications newly stored and queued for sync (a repeat or an unknown account queues nothing). */
function countQueued(rows: readonly Acceptance[]): number {
  let queued = 0;
  for (const row of rows) {
    if (row.inserted && row.queued) {
      queued++;
    }
  }
  return queued;
}

function warnUnknownAccounts(provider: string, rows: readonly Acceptance[]): void {
  for (const row of rows) {
    if (row.inserted && !row.queued) {
      PinoLogger.root.warn({ inboxId: row.inboxId, provider }, 'Notification for an unknown user');
    }
  }
}

/**
 * The access log line pino-http would write for this request (same level rule and fields, through the same
 * serializers), without building a child logger per request; its object is only made when its level is enabled.
 * The request is described by its route template, never its path: the path holds the secret.
 */
function logAccess(req: Request, res: Response, route: string, id: string, ms: number): void {
  const status = res.statusCode;
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  const logger = PinoLogger.root;
  if (!logger.isLevelEnabled(level)) {
    return;
  }
  logger[level](
    {
      request_id: id,
      req: { id, method: req.method, url: route },
      res,
      duration_ms: Math.round(ms),
      route,
      status,
    },
    status >= 500 ? 'request errored' : 'request completed',
  );
}
