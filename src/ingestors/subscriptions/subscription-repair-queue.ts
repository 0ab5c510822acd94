import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { WITHINGS } from '../withings/withings.descriptor.js';

const PAGE = 500;
/** Only Withings keeps subscriptions per user; Google Health has one project-level subscriber. */
const PER_USER_PROVIDERS: readonly string[] = [WITHINGS.type];

type MaintenanceQueue = Queue<JobDataByQueue[QueueName.LinkMaintenance]>;

/**
 * Queues the subscription check (`ensure_subscriptions`, the link-time job) for active links, from the nightly
 * schedule and from the `subscriptions repair` command. One job per link, deduplicated per link while it waits,
 * so a command run during the nightly check adds nothing. The link-maintenance worker's concurrency and the
 * Withings application quota (ProviderGate) pace the provider calls, however many links there are.
 */
@Injectable()
export class SubscriptionRepairQueue {
  constructor(
    private readonly ds: DataSource,
    @InjectQueue(QueueName.LinkMaintenance) private readonly queue: MaintenanceQueue,
  ) {}

  /** Queues every active per-user-subscription link (or only `linkId`, if it is one); returns how many. */
  async queueChecks(requestId: string, linkId?: number): Promise<number> {
    let queued = 0;
    for (let after = 0; ; ) {
      const ids = await this.activeLinkIds(after, linkId);
      await Promise.all(ids.map((id) => this.add(id, requestId)));
      queued += ids.length;
      after = ids.at(-1) ?? after;
      if (ids.length < PAGE) {
        return queued;
      }
    }
  }

  private async activeLinkIds(after: number, only?: number): Promise<number[]> {
    const rows = await this.ds.query<{ id: number }[]>(
      `SELECT l.id FROM provider_links l JOIN providers p ON p.id = l.provider_id
        WHERE l.status = 'active' AND p.provider_type = ANY($1) AND l.id > $2 AND ($3::int IS NULL OR l.id = $3)
        ORDER BY l.id LIMIT $4`,
      [PER_USER_PROVIDERS, after, only ?? null, PAGE],
    );
    return rows.map((r) => r.id);
  }

  private async add(linkId: number, requestId: string): Promise<void> {
    await this.queue.add(
      'ensure_subscriptions',
      { linkId, task: 'ensure_subscriptions', requestId },
      { deduplication: { id: `link-${linkId}.subscriptions` } },
    );
  }
}
