// The baselines of bench/webhooks.mjs, one per process: `node bench/webhooks-baselines.mjs <node|express|durable>
// <port>`. node and express answer at once; durable does the service's durable acceptance and nothing else.
import { Queue } from 'bullmq';
import express from 'express';
import { createServer } from 'node:http';

const ACCEPTED = JSON.stringify({ status: 'accepted', provider: 'withings', sync_tasks_queued: 1 });

const [, , kind, port] = process.argv;
if (kind === 'durable') {
  await serveDurable(Number(port));
} else if (kind === 'node') {
  createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' }).end(ACCEPTED);
    });
  }).listen(Number(port), '127.0.0.1');
} else {
  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ limit: '64kb', extended: false }));
  app.post('/webhooks/withings/:token', (_req, res) => {
    res.status(202).json({ ...JSON.parse(ACCEPTED), timestamp: new Date().toISOString() });
  });
  app.listen(Number(port), '127.0.0.1');
}

/**
 * The durable baseline: a minimal Express handler doing exactly the service's durable acceptance (the same built
 * InboxBatcher and NotificationInboxRepository: one grouped INSERT resolving links and one addBulk per group,
 * answered once both are done) with nothing else: no guard, rate limit, stats, logging or Nest pipeline.
 */
async function serveDurable(port) {
  const dist = new URL(`${process.env.BENCH_DIST ?? '../dist'}/src/`, import.meta.url);
  const { NotificationInboxRepository } = await import(
    new URL('webhooks/inbox/notification-inbox.repository.js', dist)
  );
  const { InboxBatcher } = await import(new URL('webhooks/inbox/inbox-batcher.js', dist));
  const { withingsDedupKey } = await import(new URL('webhooks/withings/withings-webhook.service.js', dist));
  const inbox = new NotificationInboxRepository({
    databaseUrl: process.env.DATABASE_URL,
    failFast: { inboxDbTimeoutMs: 500 },
    sync: { inbox: { dedupWindowHours: 24 } },
  });
  const queue = new Queue('notifications', {
    connection: { url: process.env.REDIS_URL },
    prefix: `${process.env.REDIS_KEY_PREFIX}:bull`,
  });
  const batcher = new InboxBatcher(inbox, queue);
  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ limit: '64kb', extended: false }));
  app.post('/webhooks/withings/:token', (req, res) => {
    const body = req.body;
    batcher
      .accept({
        provider: 'withings',
        dedupKey: withingsDedupKey(body),
        account: { externalUserId: body.userid },
        payload: { userid: body.userid, appli: body.appli, startdate: body.startdate, enddate: body.enddate },
      })
      .then(
        (row) => res.status(202).json({ ...JSON.parse(ACCEPTED), sync_tasks_queued: row.inserted ? 1 : 0 }),
        () => res.status(503).end(),
      );
  });
  app.listen(port, '127.0.0.1');
}
