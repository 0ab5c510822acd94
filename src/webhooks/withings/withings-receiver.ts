import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { BlockList } from 'node:net';
import { AppConfig } from '../../config/app-config.js';
import type { InboxEntry } from '../inbox/notification-inbox.repository.js';
import type { WebhookReceiver } from '../shared/webhook-receiver.js';
import { parseWithingsNotification } from './withings-notification.parse.js';
import { allowListOf, isAllowed, secretsMatch } from './withings-webhook.guard.js';
import { WITHINGS_PROVIDER, withingsEntry } from './withings-webhook.service.js';

/**
 * Withings notifications on the webhook pipeline: verified as WithingsWebhookGuard verifies them (secret path
 * token, then the optional source allow-list), validated as WithingsNotificationDto. Whatever fails either is
 * left to WithingsWebhookController, whose guard and pipe refuse it as they always have.
 */
@Injectable()
export class WithingsReceiver implements WebhookReceiver {
  readonly provider = WITHINGS_PROVIDER;
  readonly route = '/webhooks/withings/:token';
  readonly acceptedStatus = 202;
  private readonly secret: string | undefined;
  private readonly allowList: BlockList | undefined;

  constructor(config: AppConfig) {
    const { webhookSecret, webhookIpAllowlist } = config.linking.withings;
    this.secret = webhookSecret;
    this.allowList = webhookIpAllowlist.length > 0 ? allowListOf(webhookIpAllowlist) : undefined;
  }

  verify(req: Request): boolean {
    const token = req.params['token'];
    return (
      this.secret !== undefined &&
      typeof token === 'string' &&
      secretsMatch(token, this.secret) &&
      (this.allowList === undefined || isAllowed(this.allowList, req.ip ?? ''))
    );
  }

  parse(body: unknown): readonly InboxEntry[] | undefined {
    const notification = parseWithingsNotification(body);
    return notification === undefined ? undefined : [withingsEntry(notification)];
  }
}
