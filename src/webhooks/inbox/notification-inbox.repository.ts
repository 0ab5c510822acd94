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

interface LinkLookup {
  readonly providerType: string;
  readonly externalUserId: string;
  readonly waiters: { resolve: (id: number | undefined) => void; reject: (err: unknown) => void }[];
}

/** A row as the batched writes see it: its key, so callers can be matched back to their row. */
export interface KeyedInboxRow {
  readonly id: string;
  readonly provider: string;
  readonly dedupKey: string;
  readonly status: InboxStatus;
}

interface KeyedRecord {
  id: string;
  provider: string;
  dedup_key: string;
  status: InboxStatus;
}

const keyed = (r: KeyedRecord): KeyedInboxRow => ({
  id: r.id,
  provider: r.provider,
  dedupKey: r.dedup_key,
  status: r.status,
});

export interface InboxRow {
  readonly id: string;
  readonly status: InboxStatus;
  /** False when a row with the same provider and dedup key was already there (a repeated notification). */
  readonly inserted: boolean;
}

/**
 * Inbox writes and the link look-ups the receivers need; every write is a single statement (autocommit).
 */
@Injectable()
export class NotificationInboxRepository {
  private readonly lookups = new Map<string, LinkLookup>();
  private lookupScheduled = false;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The id of the provider account's active link, if any. Look-ups made in the same event-loop turn (the
   * concurrent webhook requests of a busy receiver) share one statement: a query per request was the largest
   * per-request cost of webhook acceptance left after grouping the inbox writes.
   */
  findActiveLinkId(providerType: string, externalUserId: string): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      const key = `${providerType}\u0000${externalUserId}`;
      let lookup = this.lookups.get(key);
      if (lookup === undefined) {
        lookup = { providerType, externalUserId, waiters: [] };
        this.lookups.set(key, lookup);
      }
      lookup.waiters.push({ resolve, reject });
      if (!this.lookupScheduled) {
        this.lookupScheduled = true;
        setImmediate(() => {
          void this.runLookups();
        });
      }
    });
  }

  /** As findActiveLinkId, by the provider's legacy account id (legacy Fitbit ownerId, kept from linking). */
  async findActiveLinkIdByLegacyId(providerType: string, legacyUserId: string): Promise<number | undefined> {
    const rows = await this.ds.query<{ id: number }[]>(
      `SELECT l.id FROM provider_links l JOIN providers p ON p.id = l.provider_id
        WHERE p.provider_type = $1 AND l.legacy_user_id = $2 AND l.status = 'active'
        ORDER BY l.id LIMIT 1`,
      [providerType, legacyUserId],
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

  /**
   * Insert-or-ignore of many entries in one statement (one commit); answers only the rows it created. The
   * entries must have distinct (provider, dedup_key) pairs. Any invalid entry fails the whole statement.
   */
  async insertMany(entries: readonly InboxEntry[]): Promise<KeyedInboxRow[]> {
    const rows = await this.ds.query<KeyedRecord[]>(
      `INSERT INTO notification_inbox (provider, dedup_key, link_id, payload, status)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::integer[], $4::jsonb[], $5::varchar[])
       ON CONFLICT ON CONSTRAINT uq_notification_inbox_provider_dedup DO NOTHING
       RETURNING id, provider, dedup_key, status`,
      [
        entries.map((e) => e.provider),
        entries.map((e) => e.dedupKey),
        entries.map((e) => e.linkId),
        entries.map((e) => JSON.stringify(e.payload)),
        entries.map((e) => e.status),
      ],
    );
    return rows.map(keyed);
  }

  /** The rows holding these (provider, dedup_key) pairs, in one statement. */
  async findByKeys(keys: readonly { provider: string; dedupKey: string }[]): Promise<KeyedInboxRow[]> {
    const rows = await this.ds.query<KeyedRecord[]>(
      `SELECT id, provider, dedup_key, status FROM notification_inbox
        WHERE (provider, dedup_key) IN (SELECT * FROM unnest($1::varchar[], $2::varchar[]))`,
      [keys.map((k) => k.provider), keys.map((k) => k.dedupKey)],
    );
    return rows.map(keyed);
  }

  /** markQueued for many rows in one statement; rows no longer 'received' are left alone. */
  async markManyQueued(ids: readonly string[]): Promise<void> {
    await this.ds.query(
      `UPDATE notification_inbox SET status = 'queued', queued_at = now(), attempts = attempts + 1
        WHERE id = ANY($1::uuid[]) AND status = 'received'`,
      [ids],
    );
  }

  private async runLookups(): Promise<void> {
    this.lookupScheduled = false;
    const batch = [...this.lookups.values()];
    this.lookups.clear();
    try {
      // (provider, external_user_id) is unique among links, so each key matches at most one row.
      const rows = await this.ds.query<{ provider_type: string; external_user_id: string; id: number }[]>(
        `SELECT k.provider_type, k.external_user_id, l.id
           FROM unnest($1::varchar[], $2::varchar[]) AS k(provider_type, external_user_id)
           JOIN providers p ON p.provider_type = k.provider_type
           JOIN provider_links l ON l.provider_id = p.id AND l.external_user_id = k.external_user_id
          WHERE l.status = 'active'`,
        [batch.map((b) => b.providerType), batch.map((b) => b.externalUserId)],
      );
      const found = new Map(rows.map((r) => [`${r.provider_type}\u0000${r.external_user_id}`, r.id]));
      for (const lookup of batch) {
        const id = found.get(`${lookup.providerType}\u0000${lookup.externalUserId}`);
        lookup.waiters.forEach((w) => {
          w.resolve(id);
        });
      }
    } catch (err) {
      for (const lookup of batch) {
        lookup.waiters.forEach((w) => {
          w.reject(err);
        });
      }
    }
  }
}
