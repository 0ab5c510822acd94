/** Every BullMQ queue of the service. Producers and processors refer to queues only through this enum. */
export enum QueueName {
  /** One job per accepted webhook notification (inbox row id). */
  Notifications = 'notifications',
  /** Health-data syncs of one provider link over one window. */
  UserSync = 'user-sync',
  /** Device and DeviceAssociation syncs of one provider link. */
  DeviceSync = 'device-sync',
  /** Per-link upkeep outside data syncs: provider subscriptions, ending device associations after unlink. */
  LinkMaintenance = 'link-maintenance',
  /** Repeatable schedule ticks (nightly, daily, weekly); each fans out into user syncs of every active link. */
  SyncSchedules = 'sync-schedules',
  /** Repeatable housekeeping ticks of the deployment (the daily retention purge, the nightly subscription check). */
  Maintenance = 'maintenance',
}

export type MaintenanceTask = 'retention' | 'subscriptions';

export type LinkMaintenanceTask = 'ensure_subscriptions' | 'end_device_associations';

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

/**
 * Also the deduplication key of a user sync (with the link): each schedule has its own strategy, so a queued sync
 * of one schedule never swallows another's (a waiting nightly job used to drop the weekly reconciliation).
 */
export type SyncStrategy =
  | 'realtime'
  | 'incremental'
  | 'initial'
  | 'nightly'
  | 'weekly'
  | 'resync'
  | 'on_demand';

/**
 * Job payloads, per queue. They carry ids and time windows only: a job never holds a health value, because
 * BullMQ stores job data in clear text in Redis. A retry re-fetches from the provider.
 */
export interface JobDataByQueue {
  [QueueName.Notifications]: { readonly inboxId: string; readonly requestId?: string };
  [QueueName.UserSync]: {
    readonly linkId: number;
    readonly strategy: SyncStrategy;
    readonly dataTypes?: readonly string[];
    /** ISO-8601 instants bounding the window to fetch; absent means "derive from SyncState". */
    readonly windowStart?: string;
    readonly windowEnd?: string;
    readonly requestId?: string;
    /** An on-demand sync (sync_requests.id): its jobs, continuations included, report their progress to it. */
    readonly syncRequestId?: string;
  };
  [QueueName.DeviceSync]: { readonly linkId: number; readonly requestId?: string };
  [QueueName.LinkMaintenance]: {
    readonly linkId: number;
    readonly task: LinkMaintenanceTask;
    readonly requestId?: string;
    /** end_device_associations: the Patient the link published to when it ended (its mapping may be gone by then). */
    readonly fhirPatientId?: string;
  };
  [QueueName.SyncSchedules]: { readonly schedule: string };
  [QueueName.Maintenance]: { readonly task: MaintenanceTask };
}

/** BullMQ priorities: a lower number runs first. */
export const PRIORITY: Readonly<Record<SyncStrategy, number>> = {
  realtime: 1,
  incremental: 3,
  initial: 4,
  // A re-sync of refused records' windows, asked for by the EHR after the patient consented.
  resync: 4,
  // A window an operator or the EHR asked for (POST /api/base/sync/trigger/).
  on_demand: 4,
  nightly: 5,
  weekly: 6,
};
