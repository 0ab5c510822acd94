import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { METRIC } from '../../metrics/metric-names.js';

export const RETENTION_TABLES = ['notification_inbox', 'audit_events'] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

export interface RetentionOptions {
  /** Rows deleted per statement: each statement is its own short transaction. */
  readonly batchSize: number;
}

export const RETENTION_DEFAULTS: RetentionOptions = { batchSize: 5_000 };
export const RETENTION_OPTIONS = Symbol('RETENTION_OPTIONS');

export interface PurgeCount {
  readonly table: RetentionTable;
  readonly rows: number;
  readonly statements: number;
}

/**
 * What each table keeps. Only final inbox rows go (done, dropped): received, queued and routed rows still have
 * work ahead. `$1` is the cutoff; both conditions are served by an index on their time column.
 */
const EXPIRED: Readonly<Record<RetentionTable, string>> = {
  notification_inbox: `status IN ('done', 'dropped') AND received_at < $1`,
  audit_events: `at < $1`,
};

const DAY_MS = 86_400_000;

/**
 * Deletes inbox rows past INBOX_RETENTION_DAYS and audit events past AUDIT_RETENTION_DAYS, a batch per statement
 * until none is left. A batch picks its rows by ctid through the time index and deletes exactly those, so each
 * statement holds row locks on a few thousand rows for a moment and never a lock that blocks the webhook inserts.
 * The condition is checked again on delete, so a row that changed meanwhile is left alone.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);
  private readonly options: RetentionOptions;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly config: AppConfig,
    @InjectMetric(METRIC.retentionPurgedRows) private readonly purged: Counter<'table'>,
    @Optional() @Inject(RETENTION_OPTIONS) options?: Partial<RetentionOptions>,
  ) {
    this.options = { ...RETENTION_DEFAULTS, ...options };
    for (const table of RETENTION_TABLES) {
      // Every series exists from the start, so a dashboard's rate() sees the first purge.
      this.purged.inc({ table }, 0);
    }
  }

  /** Purges both tables relative to `now`; answers the rows deleted and statements run per table. */
  async purge(now: Date = new Date()): Promise<PurgeCount[]> {
    const days: Record<RetentionTable, number> = {
      notification_inbox: this.config.sync.inbox.retentionDays,
      audit_events: this.config.sync.auditRetentionDays,
    };
    const counts: PurgeCount[] = [];
    for (const table of RETENTION_TABLES) {
      counts.push(await this.purgeTable(table, new Date(now.getTime() - days[table] * DAY_MS)));
    }
    if (counts.some((c) => c.rows > 0)) {
      this.logger.log({ purged: counts }, 'retention purge');
    }
    return counts;
  }

  private async purgeTable(table: RetentionTable, cutoff: Date): Promise<PurgeCount> {
    const expired = EXPIRED[table];
    const sql = `
      WITH gone AS (
        DELETE FROM ${table}
         WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${expired} LIMIT $2)) AND ${expired}
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM gone`;
    let rows = 0;
    let statements = 0;
    for (;;) {
      const [result] = await this.ds.query<{ n: number }[]>(sql, [cutoff, this.options.batchSize]);
      const n = result?.n ?? 0;
      statements++;
      rows += n;
      // Counted per batch, so a purge interrupted half way still reports what it deleted.
      this.purged.inc({ table }, n);
      if (n < this.options.batchSize) {
        return { table, rows, statements };
      }
    }
  }
}
