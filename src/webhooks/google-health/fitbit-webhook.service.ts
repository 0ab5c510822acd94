import { Injectable, Logger } from '@nestjs/common';
import { InboxAcceptor } from '../inbox/inbox-acceptor.service.js';
import type { InboxPayload } from '../inbox/notification-inbox.entity.js';
import { NotificationInboxRepository } from '../inbox/notification-inbox.repository.js';
import type { LegacyNotification } from './fitbit-legacy.js';
import { googlePayload, type GoogleNotification } from './google-envelopes.js';

/** Google Health notifications land under the provider Fitbit accounts are linked as. */
export const FITBIT_PROVIDER = 'fitbit';

interface Pending {
  readonly dedupKey: string;
  readonly payload: InboxPayload;
  /** What the link is looked up by, and the look-up itself (external_user_id or legacy_user_id). */
  readonly accountId: string;
  readonly label: string;
}

/**
 * Commits verified, validated notifications to the inbox through the InboxAcceptor, one entry each (insert-or-
 * ignore on the dedup key, so a retried batch adds nothing). Notifications for accounts with no active link are
 * kept as `dropped` and queue nothing. A failure to store or queue propagates (5xx): the sender retries the
 * whole batch and lands on the rows already stored.
 */
@Injectable()
export class FitbitWebhookService {
  private readonly logger = new Logger(FitbitWebhookService.name);

  constructor(
    private readonly inbox: NotificationInboxRepository,
    private readonly acceptor: InboxAcceptor,
  ) {}

  /** Answers how many sync jobs this call newly queued. */
  acceptGoogle(notifications: readonly GoogleNotification[]): Promise<number> {
    return this.acceptAll(
      notifications.map((n) => ({
        dedupKey: n.dedupKey,
        payload: googlePayload(n),
        accountId: n.healthUserId,
        label: n.dataType,
      })),
      (id) => this.inbox.findActiveLinkId(FITBIT_PROVIDER, id),
    );
  }

  /** As acceptGoogle, for legacy Fitbit Web API notifications (linked by the account's legacy id). */
  acceptLegacy(notifications: readonly LegacyNotification[]): Promise<number> {
    return this.acceptAll(
      notifications.map((n) => ({
        dedupKey: n.dedupKey,
        payload: { legacy: '1', ownerId: n.ownerId, collectionType: n.collectionType, date: n.date },
        accountId: n.ownerId,
        label: n.collectionType,
      })),
      (id) => this.inbox.findActiveLinkIdByLegacyId(FITBIT_PROVIDER, id),
    );
  }

  private async acceptAll(
    entries: readonly Pending[],
    findLink: (accountId: string) => Promise<number | undefined>,
  ): Promise<number> {
    const links = new Map<string, number | undefined>();
    let queued = 0;
    // Sequential on purpose: a batch is at most 100 small writes, and order keeps retries predictable.
    for (const entry of entries) {
      if (!links.has(entry.accountId)) {
        links.set(entry.accountId, await findLink(entry.accountId));
      }
      const linkId = links.get(entry.accountId);
      const base = { provider: FITBIT_PROVIDER, dedupKey: entry.dedupKey, payload: entry.payload };
      if (linkId === undefined) {
        const row = await this.acceptor.accept({ ...base, linkId: null, status: 'dropped' });
        if (row.inserted) {
          this.logger.warn(
            { inboxId: row.inboxId, type: entry.label },
            'Fitbit notification for an unknown user',
          );
        }
        continue;
      }
      const row = await this.acceptor.accept({ ...base, linkId, status: 'received' });
      if (row.inserted && row.queued) {
        queued++;
      }
    }
    return queued;
  }
}
