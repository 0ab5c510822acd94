import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NotificationPayload, TimeWindow } from '../../common/domain/notification.js';

export interface InboxNotification {
  readonly id: string;
  readonly provider: string;
  readonly linkId: number | null;
  readonly status: string;
  readonly payload: NotificationPayload;
}

/** The notifications worker's view of the inbox: read a row, then route, finish or drop it. */
@Injectable()
export class NotificationRoutingRepository {
  constructor(private readonly ds: DataSource) {}

  async find(id: string): Promise<InboxNotification | undefined> {
    const rows = await this.ds.query<
      { id: string; provider: string; link_id: number | null; status: string; payload: NotificationPayload }[]
    >(`SELECT id, provider, link_id, status, payload FROM notification_inbox WHERE id = $1`, [id]);
    const row = rows[0];
    return row === undefined
      ? undefined
      : { id: row.id, provider: row.provider, linkId: row.link_id, status: row.status, payload: row.payload };
  }

  /** Hands the row to its link's realtime sync, which reads the types and window back from here. */
  async route(id: string, dataTypes: readonly string[], window: TimeWindow): Promise<void> {
    await this.ds.query(
      `UPDATE notification_inbox
          SET status = 'routed', data_types = $2::varchar[], window_start = $3, window_end = $4, routed_at = now()
        WHERE id = $1 AND status IN ('received', 'queued')`,
      [id, dataTypes, window.start, window.end],
    );
  }

  async finish(id: string, status: 'done' | 'dropped'): Promise<void> {
    await this.ds.query(
      `UPDATE notification_inbox SET status = $2, finished_at = now()
        WHERE id = $1 AND status IN ('received', 'queued', 'routed')`,
      [id, status],
    );
  }

  /**
   * Dead-letters an unfinished row; answers its provider when this call failed it (so it is counted once), else
   * undefined (already finished, routed to its sync, or failed by another process).
   */
  async fail(id: string, reason: string): Promise<string | undefined> {
    const [rows] = await this.ds.query<[{ provider: string }[], number]>(
      `UPDATE notification_inbox SET status = 'failed', failure_reason = $2, failed_at = now()
        WHERE id = $1 AND status IN ('received', 'queued')
        RETURNING provider`,
      [id, reason],
    );
    return rows[0]?.provider;
  }
}
