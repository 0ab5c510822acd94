import 'reflect-metadata';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { runCli } from '../../common/cli/run-cli.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { withDatabaseAndQueue } from '../../common/cli/cli-resources.js';
import { QueueName } from '../../common/queue/queue-names.js';
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
  return withDatabaseAndQueue('ohe-inbox', QueueName.Notifications, (ds, queue) =>
    run(new InboxDeadLetters(ds, queue, new AuditService(ds)), argv),
  );
}

runCli(main);
