import type { FhirTestServer } from '../../simulators/fhir/fhir-test-server.js';
import { RECONCILE_INTERVAL_MS, RECONCILE_STALE_AFTER_MS, type ChaosEnvironment } from './environment.js';
import type { Sent } from './load.js';
import { waitUntil, type QueueProbe } from './queues.js';

/** The resource types the pipeline writes with business identifiers. */
const TYPES = ['Observation', 'Device', 'DeviceAssociation'] as const;

/** Final inbox states (src/webhooks/inbox): nothing more will happen to such a row. */
const FINAL = ['done', 'dropped', 'failed'];

export async function inboxByStatus(env: ChaosEnvironment, since: Date): Promise<Record<string, number>> {
  const rows = await env.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM notification_inbox WHERE received_at >= $1 GROUP BY status`,
    [since],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export function unfinished(byStatus: Record<string, number>): number {
  return Object.entries(byStatus)
    .filter(([status]) => !FINAL.includes(status))
    .reduce((sum, [, n]) => sum + n, 0);
}

/**
 * Waits until the queues are idle and then until every inbox row since `since` is final. Rows whose job a Redis
 * crash lost (the last second before a kill -9, AOF everysec) are the reconciler's: the suite runs it every few
 * seconds on rows a few seconds old (RECONCILE_* in environment.ts). Returns how many rows were still open once
 * nothing was queued, i.e. how many the reconciler had to carry over.
 */
export async function waitInboxFinal(
  env: ChaosEnvironment,
  queues: QueueProbe,
  since: Date,
  drainMs: number,
): Promise<number> {
  await waitUntil('queues idle', () => queues.idle(), drainMs);
  const open = unfinished(await inboxByStatus(env, since));
  if (open === 0) {
    return 0;
  }
  const reconcilerMs = 3 * (RECONCILE_INTERVAL_MS + RECONCILE_STALE_AFTER_MS);
  await waitUntil(
    'inbox rows final after reconciler passes',
    () => allFinal(env, since),
    reconcilerMs + drainMs,
  );
  await waitUntil('queues idle after the reconciler', () => queues.idle(), drainMs);
  return open;
}

async function allFinal(env: ChaosEnvironment, since: Date): Promise<boolean> {
  return unfinished(await inboxByStatus(env, since)) === 0;
}

/** Identifiers (system|value) carried by more than one resource of the same type. */
export async function duplicateIdentifiers(fhir: FhirTestServer): Promise<string[]> {
  const dups: string[] = [];
  for (const type of TYPES) {
    const seen = new Map<string, number>();
    for (const key of identifierKeys(await fhir.search(type, {}))) {
      seen.set(`${type} ${key}`, (seen.get(`${type} ${key}`) ?? 0) + 1);
    }
    dups.push(...[...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`));
  }
  return dups;
}

/** The accepted notifications whose planted weight is not at the FHIR server. */
export async function missingAtFhir(fhir: FhirTestServer, accepted: readonly Sent[]): Promise<Sent[]> {
  const present = new Set(identifierKeys(await fhir.search('Observation', {})));
  return accepted.filter((s) => !present.has(`${s.system}|${s.value}`));
}

function identifierKeys(resources: ReadonlyArray<Record<string, unknown>>): string[] {
  const keys: string[] = [];
  for (const resource of resources) {
    const identifiers = resource['identifier'];
    if (Array.isArray(identifiers)) {
      for (const i of identifiers as Array<{ system?: string; value?: string }>) {
        keys.push(`${i.system ?? ''}|${i.value ?? ''}`);
      }
    }
  }
  return keys;
}

/** One line of figures per scenario, easy to find in CI logs and to copy into the README. */
export function report(scenario: string, figures: Record<string, number | string | boolean>): void {
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)}`)
    .join(' ');
  console.log(`[chaos] ${scenario}: ${text}`);
}
