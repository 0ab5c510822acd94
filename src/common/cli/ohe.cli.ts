import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDotEnv } from '../../config/dotenv.js';
import { ApiCallError, OheClient, text } from './ohe-client.js';
import { ProgressView } from './progress.js';
import { runCli } from './run-cli.js';

const USAGE = `Usage (OHE_API_KEY: a service API key; OHE_API_URL, default http://127.0.0.1:$PORT):
  npm run ohe -- sync trigger --patient <ehr_user_id> --provider <p> [--types a,b] [--start <iso>] [--end <iso>] [--wait]
  npm run ohe -- sync request <sync_request_id>
  npm run ohe -- breakers list
  npm run ohe -- breakers close <name>
  npm run ohe -- subscriptions show|repair --patient <ehr_user_id> --provider <p>
  npm run ohe -- subscriptions repair [--link <id>]   (every active Withings link, or one: queued for the workers)
  npm run ohe -- inbox <list|replay> ...               (the dead-lettered inbox, as npm run inbox)`;

/** How often --wait asks for the request's progress. */
const POLL_MS = Number(process.env['OHE_POLL_MS'] ?? 1_000);
const FINISHED = new Set(['completed', 'failed']);

type Args = ReturnType<typeof parse>;

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      patient: { type: 'string' },
      provider: { type: 'string' },
      types: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      wait: { type: 'boolean', default: false },
      link: { type: 'string' },
    },
  });
}

/** The commands that queue work straight into the database and Redis run as their own CLIs (npm run inbox / subscriptions). */
function delegate(script: string, argv: string[]): Promise<number> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path, ...argv], { stdio: 'inherit' });
    child.on('exit', (code) => {
      resolve(code ?? 1);
    });
  });
}

const patientPath = (a: Args): string | undefined =>
  a.values.patient === undefined || a.values.provider === undefined
    ? undefined
    : `${encodeURIComponent(a.values.patient)}/${encodeURIComponent(a.values.provider)}`;

function printRequest(r: Record<string, unknown>): void {
  const errors = (r['errors'] as string[] | undefined) ?? [];
  console.log(
    `sync request ${String(r['sync_request_id'])}: ${String(r['status'])}, ` +
      `${String(r['chunks_done'])}/${text(r['chunks_total'], '?')} chunks, ` +
      `${String(r['records_published'])} records published` +
      (errors.length > 0 ? `, errors: ${errors.join(', ')}` : ''),
  );
  console.log(
    `  ${String(r['ehr_user_id'])} ${String(r['provider'])} ${String(r['window_start'])} → ${String(r['window_end'])}`,
  );
}

async function waitFor(client: OheClient, id: string): Promise<Record<string, unknown>> {
  const view = new ProgressView();
  for (;;) {
    const r = await client.call('GET', `/api/base/sync/requests/${id}/`);
    view.update({
      status: String(r['status']),
      done: Number(r['chunks_done']),
      total: r['chunks_total'] === null ? null : Number(r['chunks_total']),
      records: Number(r['records_published']),
    });
    if (FINISHED.has(String(r['status']))) {
      view.end();
      return r;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function sync(client: OheClient, a: Args): Promise<number> {
  const [, sub, id] = a.positionals;
  if (sub === 'request' && id !== undefined) {
    printRequest(await client.call('GET', `/api/base/sync/requests/${encodeURIComponent(id)}/`));
    return 0;
  }
  if (sub !== 'trigger' || a.values.patient === undefined || a.values.provider === undefined) {
    return usage();
  }
  const { patient, provider, types, start, end } = a.values;
  const queued = await client.call('POST', '/api/base/sync/trigger/', {
    ehr_user_id: patient,
    provider,
    ...(types === undefined ? {} : { data_types: types.split(',').filter((t) => t !== '') }),
    ...(start === undefined ? {} : { start }),
    ...(end === undefined ? {} : { end }),
  });
  const requestId = String(queued['sync_request_id']);
  const dedup = queued['deduplicated'] === true ? ' (already queued or running: the same request)' : '';
  console.log(`sync request ${requestId} ${String(queued['status'])}${dedup}`);
  const clamped = (queued['clamped'] as string[] | undefined) ?? [];
  if (clamped.length > 0) {
    console.log(`clamped to the allowed window: ${clamped.join(', ')}`);
  }
  if (!a.values.wait) {
    return 0;
  }
  const done = await waitFor(client, requestId);
  printRequest(done);
  return done['status'] === 'completed' ? 0 : 1;
}

async function breakers(client: OheClient, a: Args): Promise<number> {
  const [, sub, name] = a.positionals;
  if (sub === 'list') {
    const list = (await client.call('GET', '/api/base/breakers/'))['breakers'] as Record<string, unknown>[];
    for (const b of list) {
      console.log(
        [
          String(b['name']).padEnd(24),
          String(b['state']).padEnd(9),
          `failures ${String(b['failures'])}`,
          `opened_at ${text(b['opened_at'], '-')}`,
        ].join('  '),
      );
    }
    console.log(
      `${list.length} breaker(s), ${list.filter((b) => b['state'] !== 'closed').length} not closed`,
    );
    return 0;
  }
  if (sub === 'close' && name !== undefined) {
    const closed = await client.call('POST', `/api/base/breakers/${encodeURIComponent(name)}/close/`);
    console.log(`breaker ${String(closed['name'])} closed (was ${String(closed['previous_state'])})`);
    return 0;
  }
  return usage();
}

async function subscriptions(client: OheClient, a: Args): Promise<number> {
  const sub = a.positionals[1];
  const path = patientPath(a);
  if (path === undefined) {
    return usage();
  }
  if (sub === 'show') {
    const view = await client.call('GET', `/api/base/links/${path}/subscriptions/`);
    const subs = view['subscriptions'] as { name: string; status: string }[];
    subs.forEach((s) => {
      console.log(`${s.name.padEnd(6)} ${s.status}`);
    });
    console.log(
      `${String(view['scope'])}: ${view['healthy'] === true ? 'healthy' : 'needs repair'} (${subs.length} subscription(s))`,
    );
    return 0;
  }
  if (sub === 'repair') {
    const r = await client.call('POST', `/api/base/links/${path}/subscriptions/repair/`);
    const list = (k: string): string => ((r[k] as string[]).length > 0 ? (r[k] as string[]).join(',') : '-');
    console.log(`repaired: added ${list('added')}, replaced ${list('replaced')}, removed ${list('removed')}`);
    return 0;
  }
  return usage();
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command === 'inbox') {
    return delegate('../../webhooks/inbox/inbox-dead-letters.cli.js', argv.slice(1));
  }
  const a = parse(argv);
  if (command === 'subscriptions' && a.values.patient === undefined && a.positionals[1] === 'repair') {
    return delegate('../../ingestors/subscriptions/subscriptions.cli.js', argv.slice(1));
  }
  loadDotEnv();
  const client = OheClient.fromEnv(process.env);
  const commands: Readonly<Record<string, (c: OheClient, a: Args) => Promise<number>>> = {
    sync,
    breakers,
    subscriptions,
  };
  const run = command === undefined ? undefined : commands[command];
  if (run === undefined) {
    return usage();
  }
  if (client === undefined) {
    console.error('Invalid configuration: OHE_API_KEY (a service API key) is needed');
    return 2;
  }
  try {
    return await run(client, a);
  } catch (err) {
    if (err instanceof ApiCallError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

runCli(main);
