import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { atMostEvery } from '../../common/logging/at-most-every.js';
import { AppConfig } from '../../config/app-config.js';
import { INBOX_BATCHER_DEFAULTS } from './inbox-batcher.js';
import { InboxUnavailableError } from './inbox-unavailable.error.js';
import type { InboxPayload, InboxStatus } from './notification-inbox.entity.js';

/** The provider account a notification names: its id at the provider, or its legacy id (legacy Fitbit ownerId). */
export type InboxAccount = { readonly externalUserId: string } | { readonly legacyUserId: string };

export interface InboxEntry {
  readonly provider: string;
  readonly dedupKey: string;
  /** Resolved to the account's active link in the same statement; none makes the row `dropped`. */
  readonly account: InboxAccount;
  readonly payload: InboxPayload;
}

/** A row as the batched writes see it: its key, so callers can be matched back to their row. */
export interface KeyedInboxRow {
  readonly id: string;
  readonly provider: string;
  readonly dedupKey: string;
  readonly status: InboxStatus;
  /** True when this statement created the row; false for a repeated notification. */
  readonly inserted: boolean;
}

interface KeyedRecord {
  id: string;
  provider: string;
  dedup_key: string;
  status: InboxStatus;
  inserted: boolean;
}

const keyed = (r: KeyedRecord): KeyedInboxRow => ({
  id: r.id,
  provider: r.provider,
  dedupKey: r.dedup_key,
  status: r.status,
  inserted: r.inserted,
});

/**
 * One round trip per group of notifications. Each key's newest row (its latest dedup round) answers a repeat
 * while that row's window is open (received_at + the dedup window, so the window runs from the accepted
 * notification, never from a fixed clock boundary). Keys without an open window resolve their account's active
 * link and insert-or-ignore a row of the next round (`queued` when a link exists, else `dropped`). Concurrent
 * groups computing the same next round meet on the unique key: one row, the other statement inserts nothing.
 * The open rows are read in the statement's snapshot; a row a concurrent transaction inserted meanwhile appears in
 * neither part and is fetched by findByKeys.
 */
const ACCEPT = `
WITH input AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::jsonb[])
    AS t(provider, dedup_key, external_user_id, legacy_user_id, payload)
), latest AS (
  SELECT i.*, n.id, n.status, n.dedup_round, n.received_at > now() - make_interval(hours => $6::int) AS open
    FROM input i
    LEFT JOIN LATERAL (
      SELECT id, status, dedup_round, received_at FROM notification_inbox
       WHERE provider = i.provider AND dedup_key = i.dedup_key
       ORDER BY dedup_round DESC LIMIT 1
    ) n ON true
), resolved AS (
  SELECT i.provider, i.dedup_key, i.payload, COALESCE(i.dedup_round + 1, 0) AS dedup_round, COALESCE(
    (SELECT l.id FROM provider_links l JOIN providers p ON p.id = l.provider_id
      WHERE p.provider_type = i.provider AND l.external_user_id = i.external_user_id AND l.status = 'active'),
    CASE WHEN i.legacy_user_id IS NOT NULL THEN
      (SELECT l.id FROM provider_links l JOIN providers p ON p.id = l.provider_id
        WHERE p.provider_type = i.provider AND l.legacy_user_id = i.legacy_user_id AND l.status = 'active'
        ORDER BY l.id LIMIT 1)
    END) AS link_id
  FROM latest i
  WHERE i.open IS NOT TRUE
), ins AS (
  INSERT INTO notification_inbox (provider, dedup_key, dedup_round, link_id, payload, status, queued_at, attempts)
  SELECT provider, dedup_key, dedup_round, link_id, payload,
         CASE WHEN link_id IS NULL THEN 'dropped' ELSE 'queued' END,
         CASE WHEN link_id IS NULL THEN NULL ELSE now() END,
         CASE WHEN link_id IS NULL THEN 0 ELSE 1 END
    FROM resolved
  ON CONFLICT ON CONSTRAINT uq_notification_inbox_provider_dedup_round DO NOTHING
  RETURNING id, provider, dedup_key, status
)
SELECT id, provider, dedup_key, status, true AS inserted FROM ins
UNION ALL
SELECT id, provider, dedup_key, status, false AS inserted FROM latest WHERE open`;

/**
 * Whether a failed statement means the database is away or too slow (503, retry later) rather than a bad
 * statement: no SQLSTATE at all (refused, reset, timed out client-side), or a connection (08), resource (53) or
 * cancel/shutdown (57, including statement_timeout) class.
 */
export function databaseUnavailable(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return /^(08|53|57)/.test(code);
  }
  return true;
}

/**
 * Inbox writes of the receivers; every write is a single statement (autocommit). They run on a pool of their own
 * whose every wait is bounded by INBOX_DB_TIMEOUT_MS (connecting or waiting for a connection, the reply, and the
 * statement on the server), so a database that is down or wedged turns into a quick 503 for the sender, never a
 * hanging webhook; the application's pool keeps its own, longer limits for the rest.
 */
@Injectable()
export class NotificationInboxRepository implements OnApplicationShutdown {
  private readonly logger = new Logger('NotificationInbox');
  private readonly pool: pg.Pool;
  private readonly dedupWindowHours: number;

  constructor(config: AppConfig) {
    this.dedupWindowHours = config.sync.inbox.dedupWindowHours;
    const timeoutMs = config.failFast.inboxDbTimeoutMs;
    this.pool = new pg.Pool({
      connectionString: config.databaseUrl,
      application_name: 'open-health-exchange:inbox',
      // One connection per statement the batcher runs at once.
      max: INBOX_BATCHER_DEFAULTS.maxInFlight,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      statement_timeout: timeoutMs,
    });
    // An idle connection that breaks (database restart) is replaced on next use; unheard, it would end the process.
    const warn = atMostEvery(30_000, (err: Error) => {
      this.logger.warn(`inbox database connection lost: ${err.message}`);
    });
    this.pool.on('error', warn);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Accepts many entries in one statement (one commit) and answers the row now holding each key (its open
   * window's row), new or not. A new row is `queued` (its job is added right after; the reconciler covers a job
   * that never arrives) or `dropped` when the account has no active link. Entries must have distinct
   * (provider, dedup_key) pairs; any invalid entry fails the whole statement.
   */
  async acceptMany(entries: readonly InboxEntry[]): Promise<KeyedInboxRow[]> {
    const rows = await this.query(ACCEPT, [
      entries.map((e) => e.provider),
      entries.map((e) => e.dedupKey),
      entries.map((e) => ('externalUserId' in e.account ? e.account.externalUserId : null)),
      entries.map((e) => ('legacyUserId' in e.account ? e.account.legacyUserId : null)),
      entries.map((e) => JSON.stringify(e.payload)),
      this.dedupWindowHours,
    ]);
    const found = rows.map(keyed);
    if (found.length < entries.length) {
      const seen = new Set(found.map((r) => `${r.provider}\u0000${r.dedupKey}`));
      const missing = entries.filter((e) => !seen.has(`${e.provider}\u0000${e.dedupKey}`));
      found.push(...(await this.findByKeys(missing)));
    }
    return found;
  }

  /** The newest row (latest dedup round) of each of these (provider, dedup_key) pairs, in one statement. */
  async findByKeys(keys: readonly { provider: string; dedupKey: string }[]): Promise<KeyedInboxRow[]> {
    const rows = await this.query(
      `SELECT DISTINCT ON (provider, dedup_key) id, provider, dedup_key, status, false AS inserted
         FROM notification_inbox
        WHERE (provider, dedup_key) IN (SELECT * FROM unnest($1::varchar[], $2::varchar[]))
        ORDER BY provider, dedup_key, dedup_round DESC`,
      [keys.map((k) => k.provider), keys.map((k) => k.dedupKey)],
    );
    return rows.map(keyed);
  }

  private async query(sql: string, params: unknown[]): Promise<KeyedRecord[]> {
    try {
      return (await this.pool.query<KeyedRecord>(sql, params)).rows;
    } catch (err) {
      if (databaseUnavailable(err)) {
        throw new InboxUnavailableError('database unavailable', { cause: err });
      }
      throw err;
    }
  }
}
