import type { EntityManager } from 'typeorm';

/**
 * Why the open rows of a link were dropped (notification_inbox.failure_reason of a `dropped` row). Dropped rather
 * than done: their data was never synced, and a re-linked account gets a fresh backfill that covers it anyway.
 */
export type LinkEndedReason = 'link_revoked' | 'link_needs_reauth' | 'link_inactive';

/**
 * Closes every open row (received, queued, routed) of a link that stopped being active, in the caller's
 * transaction, so no sync is ever requested for them again. Answers how many rows it closed.
 */
export async function dropOpenRowsOfLink(
  m: Pick<EntityManager, 'query'>,
  linkId: number,
  reason: LinkEndedReason,
): Promise<number> {
  const [, count] = await m.query<[unknown[], number]>(
    `UPDATE notification_inbox SET status = 'dropped', failure_reason = $2, finished_at = now()
      WHERE link_id = $1 AND status IN ('received', 'queued', 'routed')`,
    [linkId, reason],
  );
  return count;
}
