import { ApiKey } from '../common/auth/api-key.entity.js';
import { AuditEvent } from '../common/audit/audit-event.entity.js';
import { EhrUser } from '../base/entities/ehr-user.entity.js';
import { ProviderLink } from '../base/entities/provider-link.entity.js';
import { Provider } from '../base/entities/provider.entity.js';
import { PendingLink } from '../base/link/pending/pending-link.entity.js';
import { SyncState } from '../base/entities/sync-state.entity.js';
import { Organization } from '../common/organizations/organization.entity.js';
import { NotificationInbox } from '../webhooks/inbox/notification-inbox.entity.js';

/** Every mapped entity, listed explicitly so the app, the CLI and the tests load the same set without globs. */
export const ENTITIES = [
  EhrUser,
  Provider,
  ProviderLink,
  SyncState,
  ApiKey,
  AuditEvent,
  NotificationInbox,
  PendingLink,
  Organization,
];
