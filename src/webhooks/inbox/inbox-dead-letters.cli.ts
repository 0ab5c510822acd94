import 'reflect-metadata';
import { Queue } from 'bullmq';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { runCli } from '../../common/cli/run-cli.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { loadDotEnv } from '../../config/dotenv.js';
import { dataSourceOptions } from '../../database/data-source-options.js';
import { InboxDeadLetters, type FailedRow } from './inbox-dead-letters.js';

const USAGE = `Usage:
  npm run inbox -- list [--provider <p>] [--reason <code>] [--since <iso>] [--until <iso>] [--limit <n>] [--offset <n>]
  npm run inbox -- replay --ids <uuid,uuid,...>
  npm run inbox -- replay --all [--provider <p>]`;

const line = (r: FailedRow): string =>
  [r.id, r.provider, r.failureReason ?? '-', r.failedAt.toISOString(), `link ${r.linkId ?? '-'}`].join('  ');

const date = (value: string | undefined): Date | undefined => {
  const d = value === undefined ? undefined : new Date(value);
  if (d !== undefined && Number.isNaN(d.getTime())) {
    throw new Error(`not an ISO-8601 date: ${value}`);
  }
  return d;
};

async function run(deadLetters: InboxDeadLetters, argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      provider: { type: 'string' },
      reason: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string', default: '50' },
      offset: { type: 'string', default: '0' },
      ids: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0] ?? '';
  if (command === 'list') {
    const filter = { ...values, since: date(values.since), until: date(values.until) };
    const { rows, count } = await deadLetters.list(filter, Number(values.limit), Number(values.offset));
    rows.forEach((r) => {
      console.log(line(r));
    });
    console.log(`${count} failed notification(s); ${rows.length} shown from offset ${values.offset}`);
    return 0;
  }
  const ids = values.ids?.split(',').filter((id) => id !== '');
  if (command === 'replay' && (ids !== undefined) !== values.all) {
    const selection = ids === undefined ? { all: true as const, provider: values.provider } : { ids };
    const replayed = await deadLetters.replay(selection, { actor: `cli:${userInfo().username}` });
    console.log(
      `Replayed ${replayed.length} notification(s)${replayed.length > 0 ? `: ${replayed.join(', ')}` : ''}`,
    );
    return 0;
  }
  console.error(USAGE);
  return 2;
}

/** Lists and replays the inbox's dead letters, as the service-only API routes do (replays audited as cli:<user>). */
async function main(argv: string[]): Promise<number> {
  loadDotEnv();
  const url = process.env['DATABASE_URL'];
  const redisUrl = process.env['REDIS_URL'];
  if (url === undefined || url === '' || redisUrl === undefined || redisUrl === '') {
    console.error('Invalid configuration: DATABASE_URL and REDIS_URL are needed');
    return 2;
  }
  const ds = new DataSource(dataSourceOptions({ url, poolSize: 2, applicationName: 'ohe-inbox' }));
  // Same queue and key prefix as the service (QueueModule), so replayed jobs reach its workers.
  const queue = new Queue<JobDataByQueue[QueueName.Notifications]>(QueueName.Notifications, {
    connection: { url: redisUrl, maxRetriesPerRequest: 1 },
    prefix: `${process.env['REDIS_KEY_PREFIX'] ?? 'ohe'}:bull`,
  });
  await ds.initialize();
  try {
    return await run(new InboxDeadLetters(ds, queue, new AuditService(ds)), argv);
  } finally {
    await queue.close();
    await ds.destroy();
  }
}

runCli(main);
