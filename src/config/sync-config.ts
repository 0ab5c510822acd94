import type { SyncEnvironmentVariables } from './sync.env.js';

export interface SyncConfig {
  readonly initialLookbackDays: number;
  readonly jobAttempts: number;
  readonly backoffMs: number;
  readonly workerConcurrency: number;
  /** Chunks one sync job fetches at most before handing the rest of its window to a continuation job. */
  readonly backfillChunksPerJob: number;
  readonly schedulesEnabled: boolean;
  readonly quotas: { readonly withingsPerMinute: number; readonly googleHealthPerMinute: number };
  readonly inbox: InboxConfig;
  readonly auditRetentionDays: number;
}

export interface InboxConfig {
  /** Repeats within this many hours of the accepted notification are dropped. */
  readonly dedupWindowHours: number;
  /** Days a done or dropped row is kept after it was received. */
  readonly retentionDays: number;
  /** Time between two reconciler passes of a worker process. */
  readonly reconcileIntervalMs: number;
  /** A row not final this long after it was (last) queued is checked by the reconciler. */
  readonly reconcileStaleAfterMs: number;
}

export interface WebhookVerificationConfig {
  /** Inline Tink keyset JSON; when undefined, keysetUrl is fetched. */
  readonly googleKeyset: string | undefined;
  readonly googleKeysetUrl: string;
  readonly fitbitVerificationCode: string | undefined;
  readonly fitbitClientSecret: string | undefined;
}

/** Builds the sync and webhook settings, pushing one line per problem onto `problems`. */
export function syncConfig(
  vars: SyncEnvironmentVariables,
  problems: string[],
): { sync: SyncConfig; webhooks: WebhookVerificationConfig } {
  if (vars.GOOGLE_HEALTH_WEBHOOK_KEYSET !== undefined) {
    try {
      JSON.parse(vars.GOOGLE_HEALTH_WEBHOOK_KEYSET);
    } catch {
      problems.push('GOOGLE_HEALTH_WEBHOOK_KEYSET (not JSON)');
    }
  }
  // A purged row no longer deduplicates: purging inside the window would let its repeats through.
  if (vars.INBOX_RETENTION_DAYS * 24 < vars.INBOX_DEDUP_WINDOW_HOURS) {
    problems.push('INBOX_RETENTION_DAYS (must cover INBOX_DEDUP_WINDOW_HOURS)');
  }
  return {
    sync: {
      initialLookbackDays: vars.SYNC_INITIAL_LOOKBACK_DAYS,
      jobAttempts: vars.SYNC_JOB_ATTEMPTS,
      backoffMs: vars.SYNC_BACKOFF_MS,
      workerConcurrency: vars.WORKER_CONCURRENCY,
      backfillChunksPerJob: vars.SYNC_BACKFILL_CHUNKS_PER_JOB,
      schedulesEnabled: vars.SYNC_SCHEDULES_ENABLED,
      quotas: {
        withingsPerMinute: vars.WITHINGS_QUOTA_PER_MINUTE,
        googleHealthPerMinute: vars.GOOGLE_HEALTH_QUOTA_PER_MINUTE,
      },
      inbox: {
        dedupWindowHours: vars.INBOX_DEDUP_WINDOW_HOURS,
        retentionDays: vars.INBOX_RETENTION_DAYS,
        reconcileIntervalMs: vars.INBOX_RECONCILE_INTERVAL_MS,
        reconcileStaleAfterMs: vars.INBOX_RECONCILE_STALE_AFTER_MS,
      },
      auditRetentionDays: vars.AUDIT_RETENTION_DAYS,
    },
    webhooks: {
      googleKeyset: vars.GOOGLE_HEALTH_WEBHOOK_KEYSET,
      googleKeysetUrl: vars.GOOGLE_HEALTH_WEBHOOK_KEYSET_URL,
      fitbitVerificationCode: vars.FITBIT_VERIFICATION_CODE,
      fitbitClientSecret: vars.FITBIT_CLIENT_SECRET,
    },
  };
}
