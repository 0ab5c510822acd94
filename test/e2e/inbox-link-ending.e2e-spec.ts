import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName, type JobDataByQueue } from '../../src/common/queue/queue-names.js';
import { LinkEndingService } from '../../src/ingestors/links/link-ending.service.js';
import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import { LinkTokenRepository } from '../../src/ingestors/tokens/link-token.repository.js';
import { InboxReconciler } from '../../src/webhooks/inbox/inbox-reconciler.service.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';
import { ownDatabase } from '../support/test-env.js';

/** Ending a link closes its open inbox rows, and the reconciler never re-syncs a link that is not active. */
describe('Inbox rows of ended links', () => {
  let db: { url: string; drop: () => Promise<void> };
  let api: TestApp;
  let reconciler: InboxReconciler;

  /** A new link with one stale row in each open status; answers the link id. */
  const linkWithOpenRows = async (): Promise<number> => {
    const link = await createLink(api.dataSource, await createUser(api.dataSource), 'withings');
    for (const status of ['received', 'queued', 'routed']) {
      await api.dataSource.query(
        `INSERT INTO notification_inbox (provider, dedup_key, link_id, payload, status, received_at, queued_at,
                                         routed_at, data_types, window_start, window_end)
         VALUES ('withings', $1, $2, '{}', $3::varchar, now() - interval '10 minutes', now() - interval '10 minutes',
                 CASE WHEN $3::varchar = 'routed' THEN now() - interval '10 minutes' END,
                 ARRAY['weight'], now() - interval '1 hour', now() - interval '30 minutes')`,
        [randomBytes(32).toString('hex'), link.id, status],
      );
    }
    return link.id;
  };
  const rows = (linkId: number) =>
    api.dataSource.query<{ status: string; failure_reason: string | null; finished: boolean }[]>(
      `SELECT status, failure_reason, finished_at IS NOT NULL AS finished FROM notification_inbox
        WHERE link_id = $1`,
      [linkId],
    );
  const closed = (reason: string) =>
    Array.from({ length: 3 }, () => ({ status: 'dropped', failure_reason: reason, finished: true }));

  beforeAll(async () => {
    db = await ownDatabase('inbox_ending');
    api = await startApp({ ROLE: 'api', DATABASE_URL: db.url, MIGRATE_ON_START: 'true' });
    const queue = api.app.get<Queue<JobDataByQueue[QueueName.Notifications]>>(
      getQueueToken(QueueName.Notifications),
    );
    reconciler = new InboxReconciler(api.dataSource, queue, api.app.get(LinkJobs), { intervalMs: 0 });
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('should drop the open rows of an unlinked or revoked link (reason link_revoked)', async () => {
    const linkId = await linkWithOpenRows();
    expect(await api.app.get(LinkEndingService).end(linkId, { actor: 'test', action: 'link.unlinked' })).toBe(
      true,
    );
    expect(await rows(linkId)).toEqual(closed('link_revoked'));
    expect((await reconciler.reconcileOnce()).resynced).toBe(0);
  });

  it('should drop the open rows of a link that needs re-authorization (reason link_needs_reauth)', async () => {
    const linkId = await linkWithOpenRows();
    const tokens = api.app.get(LinkTokenRepository);
    await api.dataSource.transaction((m) => tokens.markNeedsReauth(m, linkId));
    expect(await rows(linkId)).toEqual(closed('link_needs_reauth'));
  });

  it('should never re-sync a link that is not active, and close its routed rows', async () => {
    const linkId = await linkWithOpenRows();
    // Rows left open before ending a link closed them (or a link changed behind the service's back).
    await api.dataSource.query(`UPDATE provider_links SET status = 'needs_reauth' WHERE id = $1`, [linkId]);
    const requested: number[] = [];
    const jobs = api.app.get(LinkJobs);
    const original = jobs.requestSync.bind(jobs);
    jobs.requestSync = async (id, ...rest) => {
      requested.push(id);
      return original(id, ...rest);
    };
    try {
      expect((await reconciler.reconcileOnce()).resynced).toBe(0);
    } finally {
      jobs.requestSync = original;
    }
    expect(requested).not.toContain(linkId);
    const after = await rows(linkId);
    expect(after.find((r) => r.status !== 'received' && r.status !== 'queued')).toEqual({
      status: 'dropped',
      failure_reason: 'link_inactive',
      finished: true,
    });
    // A second pass finds nothing of this link to re-sync.
    expect((await reconciler.reconcileOnce()).resynced).toBe(0);
  });
});
