/**
 * The repeatable sync schedule. The capabilities endpoint advertises exactly these, so what clients are told
 * and what the scheduler registers cannot drift apart.
 */
export interface SyncSchedule {
  readonly key: string;
  /** Cron pattern, evaluated in UTC. */
  readonly cron: string;
  readonly description: string;
}

export const SYNC_SCHEDULES: readonly SyncSchedule[] = [
  {
    key: 'nightly',
    cron: '0 3 * * *',
    description: 'Nightly reconciliation of every active link at 03:00 UTC',
  },
  { key: 'daily', cron: '0 6 * * *', description: 'Daily at 06:00 UTC' },
  { key: 'weekly', cron: '0 6 * * 0', description: 'Weekly on Sundays at 06:00 UTC' },
];

export const REAL_TIME_DESCRIPTION = 'Webhook-triggered (immediate)';
