import { Module } from '@nestjs/common';
import { WebhookStatsModule } from './stats/webhook-stats.module.js';
import { FitbitWebhookController } from './google-health/fitbit-webhook.controller.js';
import { FitbitWebhookService } from './google-health/fitbit-webhook.service.js';
import { GoogleSignatureVerifier } from './google-health/google-signature.verifier.js';
import { InboxAcceptor } from './inbox/inbox-acceptor.service.js';
import { NotificationInboxRepository } from './inbox/notification-inbox.repository.js';
import { WebhookLimiter } from './shared/webhook-limiter.service.js';
import { WithingsWebhookController } from './withings/withings-webhook.controller.js';
import { WithingsWebhookGuard } from './withings/withings-webhook.guard.js';
import { WithingsReceiver } from './withings/withings-receiver.js';
import { WithingsWebhookService } from './withings/withings-webhook.service.js';

/**
 * Provider notification receivers (Withings; Google Health and the legacy Fitbit contract on /webhooks/fitbit/)
 * and the durable inbox they write before queueing. Bound only where the API runs; the inbox reconciler runs with
 * the workers (WorkersModule).
 */
@Module({
  imports: [WebhookStatsModule],
  controllers: [WithingsWebhookController, FitbitWebhookController],
  providers: [
    NotificationInboxRepository,
    InboxAcceptor,
    WithingsWebhookService,
    WithingsReceiver,
    WithingsWebhookGuard,
    FitbitWebhookService,
    GoogleSignatureVerifier,
    WebhookLimiter,
  ],
})
export class WebhooksModule {}
