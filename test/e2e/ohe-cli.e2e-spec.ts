import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWithingsUser } from './linking.harness.js';
import { linkAndBackfill, startPipeline, type PipelineHarness } from './sync-pipeline.harness.js';

const CLI = 'dist/src/common/cli/ohe.cli.js';
const DAY_MS = 86_400_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built `npm run ohe` CLI against a running instance, through its REST API with a service key. */
describe('ohe CLI', { timeout: 180_000 }, () => {
  let h: PipelineHarness;
  let link: { ehrUserId: string; linkId: number };

  const ohe = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        {
          env: {
            PATH: process.env['PATH'] ?? '',
            OHE_API_URL: h.base,
            OHE_API_KEY: h.auth.Authorization.replace('Bearer ', ''),
            OHE_POLL_MS: '200',
            ...env,
          },
        },
        (err, stdout, stderr) => {
          resolve({ code: err === null ? 0 : Number(err.code ?? 1), stdout, stderr });
        },
      );
    });

  const trigger = (start: string, ...more: string[]): Promise<Run> =>
    ohe([
      'sync',
      'trigger',
      '--patient',
      link.ehrUserId,
      '--provider',
      'withings',
      '--start',
      start,
      ...more,
    ]);

  beforeAll(async () => {
    h = await startPipeline({ SYNC_INITIAL_LOOKBACK_DAYS: '2', SYNC_BACKFILL_CHUNKS_PER_JOB: '1' });
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    link = await linkAndBackfill(h, 'withings', 'cli', 90_000);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should trigger a sync and wait for it, printing progress lines and a summary', async () => {
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 2 * DAY_MS + 60_000).toISOString();
    const run = await trigger(start, '--wait');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^sync request [0-9a-f-]{36} queued$/);
    expect(lines.some((l) => l.startsWith('progress: running') || l.startsWith('progress: queued'))).toBe(
      true,
    );
    expect(lines.some((l) => /^progress: completed 2\/2 chunks, [1-9]\d* records$/.test(l))).toBe(true);
    expect(lines.at(-2)).toMatch(
      /^sync request [0-9a-f-]{36}: completed, 2\/2 chunks, [1-9]\d* records published$/,
    );

    const id = /^sync request ([0-9a-f-]{36})/.exec(lines[0] ?? '')?.[1] ?? '';
    const shown = await ohe(['sync', 'request', id]);
    expect(shown.stdout).toContain(`sync request ${id}: completed`);
  });

  it('should list and close breakers, and show and repair subscriptions', async () => {
    const list = await ohe(['breakers', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^provider:withings\s+closed\s+failures 0\s+opened_at -$/m);
    expect(list.stdout).toContain('3 breaker(s), 0 not closed');
    expect((await ohe(['breakers', 'close', 'fhir'])).stdout).toBe('breaker fhir closed (was closed)\n');

    const show = await ohe(['subscriptions', 'show', '--patient', link.ehrUserId, '--provider', 'withings']);
    expect(show.stdout).toContain('per_user: healthy (8 subscription(s))');
    const repair = await ohe([
      'subscriptions',
      'repair',
      '--patient',
      link.ehrUserId,
      '--provider',
      'withings',
    ]);
    expect(repair.stdout).toBe('repaired: added -, replaced -, removed -\n');
  });

  it('should exit 1 with the API error, and 2 on usage or configuration errors', async () => {
    const unknown = await ohe(['breakers', 'close', 'provider:nope']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('404 not_found') });
    const beyond = await trigger('2020-01-01T00:00:00Z');
    expect(beyond).toMatchObject({ code: 1, stderr: expect.stringContaining('400 validation_error') });
    expect((await ohe(['sync'])).code).toBe(2);
    expect((await ohe(['breakers', 'list'], { OHE_API_KEY: '' })).code).toBe(2);
  });
});
