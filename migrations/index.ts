import { InitialSchema1763790000000 } from './1763790000000-initial-schema.js';
import { LinkAggregationAndJhePatient1763800000000 } from './1763800000000-link-aggregation-and-jhe-patient.js';
import { ProviderTokensAndAudit1763900000000 } from './1763900000000-provider-tokens-and-audit.js';
import { NotificationInbox1764000000000 } from './1764000000000-notification-inbox.js';
import { InboxRouting1764100000000 } from './1764100000000-inbox-routing.js';
import { PendingLinks1764200000000 } from './1764200000000-pending-links.js';
import { InboxDedupWindow1764300000000 } from './1764300000000-inbox-dedup-window.js';
import { InboxDeadLetters1764400000000 } from './1764400000000-inbox-dead-letters.js';
import { SyncBackfillProgress1764500000000 } from './1764500000000-sync-backfill-progress.js';
import { PatientMapping1764600000000 } from './1764600000000-patient-mapping.js';
import { SyncRejectedRecords1764650000000 } from './1764650000000-sync-rejected-records.js';
import { Organizations1764700000000 } from './1764700000000-organizations.js';
import { SyncRequests1764800000000 } from './1764800000000-sync-requests.js';

/**
 * Every migration, oldest first. Listed explicitly (no glob) so the same list loads under the test runner,
 * the compiled dist and the CLI. `npm run migration:generate` writes a file; add its class here.
 */
export const MIGRATIONS = [
  InitialSchema1763790000000,
  LinkAggregationAndJhePatient1763800000000,
  ProviderTokensAndAudit1763900000000,
  NotificationInbox1764000000000,
  InboxRouting1764100000000,
  PendingLinks1764200000000,
  InboxDedupWindow1764300000000,
  InboxDeadLetters1764400000000,
  SyncBackfillProgress1764500000000,
  PatientMapping1764600000000,
  SyncRejectedRecords1764650000000,
  Organizations1764700000000,
  SyncRequests1764800000000,
];
