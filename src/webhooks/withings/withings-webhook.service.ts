import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InboxAcceptor } from '../inbox/inbox-acceptor.service.js';
import type { InboxEntry } from '../inbox/notification-inbox.repository.js';
import type { WebhookAcceptedDto, WithingsNotificationDto } from './withings-notification.dto.js';

export const WITHINGS_PROVIDER = 'withings';
const PAYLOAD_FIELDS = ['userid', 'appli', 'startdate', 'enddate', 'date', 'deviceid', 'action'] as const;

/**
 * sha256 of every field that tells notifications apart (Withings gives no delivery id; retries repeat them all).
 * Without date and deviceid the text is the original userid|appli|startdate|enddate|action, so rows accepted before
 * date and deviceid counted still match their retries; with either, a JSON array, which no field value can forge.
 */
export function withingsDedupKey(n: WithingsNotificationDto): string {
  const parts = [n.userid, n.appli, n.startdate ?? '', n.enddate ?? '', n.action ?? ''];
  const text =
    n.date === undefined && n.deviceid === undefined
      ? parts.join('|')
      : JSON.stringify([...parts, n.date ?? null, n.deviceid ?? null]);
  return createHash('sha256').update(text).digest('hex');
}

/** The inbox entry of a validated notification: the fields it names, its dedup key and its Withings account. */
export function withingsEntry(notification: WithingsNotificationDto): InboxEntry {
  const payload: Record<string, string> = {};
  for (const field of PAYLOAD_FIELDS) {
    const value = notification[field];
    if (value !== undefined) {
      payload[field] = value;
    }
  }
  return {
    provider: WITHINGS_PROVIDER,
    dedupKey: withingsDedupKey(notification),
    account: { externalUserId: notification.userid },
    payload,
  };
}

/**
 * Accepts a Withings notification: commit it to the inbox (insert-or-ignore), then queue it with the inbox id as
 * job id. Once committed it is answered as accepted even if Redis cannot take the job (the inbox reconciler queues
 * it later); if it cannot be committed, 503 with Retry-After, and Withings' retry lands on the same dedup key.
 */
@Injectable()
export class WithingsWebhookService {
  private readonly logger = new Logger(WithingsWebhookService.name);

  constructor(private readonly acceptor: InboxAcceptor) {}

  async accept(notification: WithingsNotificationDto): Promise<WebhookAcceptedDto> {
    const row = await this.acceptor.accept(withingsEntry(notification));
    if (!row.queued) {
      this.logger.warn(
        { inboxId: row.inboxId, appli: notification.appli },
        'Withings notification for an unknown user',
      );
    }
    return accepted(row.inserted && row.queued ? 1 : 0);
  }
}

function accepted(queued: number): WebhookAcceptedDto {
  return {
    status: 'accepted',
    provider: WITHINGS_PROVIDER,
    sync_tasks_queued: queued,
    timestamp: new Date().toISOString(),
  };
}
