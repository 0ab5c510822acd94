import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { withDatabaseAndQueue } from '../../common/cli/cli-resources.js';
import { runCli } from '../../common/cli/run-cli.js';
import { QueueName } from '../../common/queue/queue-names.js';
import { SubscriptionRepairQueue } from './subscription-repair-queue.js';

const USAGE = `Usage:
  npm run subscriptions -- repair [--link <id>]`;

/**
 * Queues the subscription check the nightly schedule runs, now: after WITHINGS_WEBHOOK_SECRET (or the public URL
 * path) changed, so Withings stops notifying the old callback URL before the next night. The workers, already
 * restarted with the new secret, do the provider calls.
 */
async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { link: { type: 'string' } },
  });
  const link = values.link === undefined ? undefined : Number(values.link);
  if (
    positionals[0] !== 'repair' ||
    positionals.length > 1 ||
    (link !== undefined && !Number.isInteger(link))
  ) {
    console.error(USAGE);
    return 2;
  }
  return withDatabaseAndQueue('ohe-subscriptions', QueueName.LinkMaintenance, async (ds, queue) => {
    const requestId = `cli-subscriptions-${new Date().toISOString()}`;
    const queued = await new SubscriptionRepairQueue(ds, queue).queueChecks(requestId, link);
    if (link !== undefined && queued === 0) {
      console.error(`Link ${link} is not an active Withings link`);
      return 1;
    }
    console.log(`Queued a subscription repair for ${queued} active Withings link(s)`);
    return 0;
  });
}

runCli(main);
