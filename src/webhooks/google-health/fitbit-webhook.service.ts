import { Injectable, Logger } from '@nestjs/common';
import { InboxAcceptor } from '../inbox/inbox-acceptor.service.js';
import type { InboxPayload } from '../inbox/notification-inbox.entity.js';
import type { InboxAccount } from '../inbox/notification-inbox.repository.js';
import type { LegacyNotification } from './fitbit-legacy.js';
import { googlePayload, type GoogleNotification } from './google-envelopes.js';

/** Google Health notifications land under the provider Fitbit accounts are linked as. */
export const FITBIT_PROVIDER = 'fitbit';

interface Pending {
  readonly dedupKey: string;
  readonly payload: InboxPayload;
  readonly account: InboxAccount;
  readonly label: string;
}

/**
 * Commits verified, validated notifications to the inbox through the InboxAcceptor, one entry each (insert-or-
 * ignore on the dedup key, so a retried batch adds nothing). Notifications for accounts with no active link are
 * kept as `dropped` and queue nothing. A failure to store propagates (503 when the database is away): the sender
 * retries the whole batch and lands on the rows already stored. A job Redis cannot take is the reconciler's.
 */
@Injectable()
export class FitbitWebhookService {
  private readonly logger = new Logger(FitbitWebhookService.name);

  constructor(private readonly acceptor: InboxAcceptor) {}

  /** Answers how many sync jobs this call newly queued. */
  acceptGoogle(notifications: readonly GoogleNotification[]): Promise<number> {
    return this.acceptAll(
      notifications.map((n) => ({
        dedupKey: n.dedupKey,
        payload: googlePayload(n),
        account: { externalUserId: n.healthUserId },
        label: n.dataType,
      })),
    );
  }

  /** As acceptGoogle, for legacy Fitbit Web API notifications (linked by the account's legacy id). */
  acceptLegacy(notifications: readonly LegacyNotification[]): Promise<number> {
    return this.acceptAll(
      notifications.map((n) => ({
        dedupKey: n.dedupKey,
        payload: { legacy: '1', ownerId: n.ownerId, collectionType: n.collectionType, date: n.date },
        account: { legacyUserId: n.ownerId },
        label: n.collectionType,
      })),
    );
  }

  /** All entries of one request go out in the same group (one statement, one addBulk). */
  private async acceptAll(entries: readonly Pending[]): Promise<number> {
    const rows = await Promise.all(
      entries.map((entry) =>
        this.acceptor.accept({
          provider: FITBIT_PROVIDER,
          dedupKey: entry.dedupKey,
          account: entry.account,
          payload: entry.payload,
        }),
      ),
    );
    let queued = 0;
    rows.forEach((row, i) => {
      if (!row.queued && row.inserted) {
        this.logger.warn(
          { inboxId: row.inboxId, type: entries[i]?.label },
          'Fitbit notification for an unknown user',
        );
      }
      if (row.inserted && row.queued) {
        queued++;
      }
    });
    return queued;
  }
}
