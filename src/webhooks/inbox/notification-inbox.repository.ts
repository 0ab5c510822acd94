import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { InboxPayload, InboxStatus } from './notification-inbox.entity.js';

export interface InboxEntry {
  readonly provider: string;
  readonly dedupKey: string;
  readonly linkId: number | null;
  readonly payload: InboxPayload;
  readonly status: Extract<InboxStatus, 'received' | 'dropped'>;
}

export interface InboxRow {
  readonly id: string;
  readonly status: InboxStatus;
  /** False when a row with the same provider and dedup key was already there (a repeated notification). */
  readonly inserted: boolean;
}

/** Inbox writes and the link look-up the receivers need; every write is a single statement (autocommit). */
@Injectable()
export class NotificationInboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The id of the provider account's active link, if any. */
  async findActiveLinkId(providerType: string, externalUserId: string): Promise<number | undefined> {
    const rows = await this.ds.query<{ id: number }[]>(
      `SELECT l.id FROM provider_links l JOIN providers p ON p.id = l.provider_id
        WHERE p.provider_type = $1 AND l.external_user_id = $2 AND l.status = 'active'`,
      [providerType, externalUserId],
    );
    return rows[0]?.id;
  }

  /** Insert-or-ignore on (provider, dedup_key); answers the row now holding that key, new or not. */
  async insertOrGet(entry: InboxEntry): Promise<InboxRow> {
    const inserted = await this.ds.query<{ id: string; status: InboxStatus }[]>(
      `INSERT INTO notification_inbox (provider, dedup_key, link_id, payload, status)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ON CONSTRAINT uq_notification_inbox_provider_dedup DO NOTHING
       RETURNING id, status`,
      [entry.provider, entry.dedupKey, entry.linkId, JSON.stringify(entry.payload), entry.status],
    );
    const created = inserted[0];
    if (created !== undefined) {
      return { ...created, inserted: true };
    }
    const existing = await this.ds.query<{ id: string; status: InboxStatus }[]>(
      `SELECT id, status FROM notification_inbox WHERE provider = $1 AND dedup_key = $2`,
      [entry.provider, entry.dedupKey],
    );
    const row = existing[0];
    if (row === undefined) {
      throw new Error('notification_inbox row vanished between insert and select');
    }
    return { ...row, inserted: false };
  }

  /** Records that the row's job is in the queue (one more enqueue attempt). */
  async markQueued(id: string): Promise<void> {
    await this.ds.query(
      `UPDATE notification_inbox SET status = 'queued', queued_at = now(), attempts = attempts + 1
        WHERE id = $1 AND status = 'received'`,
      [id],
    );
  }
}
