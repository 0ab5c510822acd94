import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IngestorsModule } from '../ingestors/ingestors.module.js';
import { EhrUser } from './entities/ehr-user.entity.js';
import { ProviderLink } from './entities/provider-link.entity.js';
import { Provider } from './entities/provider.entity.js';
import { SyncState } from './entities/sync-state.entity.js';
import { LinkCompletionService } from './link/link-completion.service.js';
import { LinkConfirmationService } from './link/link-confirmation.service.js';
import { LinkFlowService } from './link/link-flow.service.js';
import { PendingLinkRepository } from './link/pending/pending-link.repository.js';
import { LinkStateService } from './link/link-state.service.js';
import { LinkStatusService } from './link/link-status.service.js';
import { LinkWriterRepository } from './link/link-writer.repository.js';
import { UnlinkService } from './link/unlink.service.js';
import { ProviderRevocation } from './link/provider-revocation.service.js';
import { LinkController } from './link/link.controller.js';
import { FailedInboxController } from './inbox/failed-inbox.controller.js';
import { FailedInboxService } from './inbox/failed-inbox.service.js';
import { InboxDeadLetters } from '../webhooks/inbox/inbox-dead-letters.js';
import { PatientAccessService } from './patient-access.service.js';
import { ProvidersController } from './providers/providers.controller.js';
import { ProvidersService } from './providers/providers.service.js';
import { EhrUserRepository } from './repositories/ehr-user.repository.js';
import { ProviderLinkRepository } from './repositories/provider-link.repository.js';
import { ProviderRepository } from './repositories/provider.repository.js';
import { SyncStateRepository } from './repositories/sync-state.repository.js';
import { SyncStatusService } from './sync/sync-status.service.js';
import { SyncController } from './sync/sync.controller.js';
import { DeviceSyncTriggerService } from './sync/device-sync-trigger.service.js';
import { ResyncRejectedService } from './sync/resync-rejected.service.js';
import { SyncRequestService } from './sync/sync-request.service.js';
import { SyncRequestsController } from './sync/sync-requests.controller.js';
import { BreakersController } from './breakers/breakers.controller.js';
import { BreakersService } from './breakers/breakers.service.js';
import { LinkSubscriptionsController } from './link/subscriptions/link-subscriptions.controller.js';
import { LinkSubscriptionsApiService } from './link/subscriptions/link-subscriptions-api.service.js';
import { SupportedProviderPipe } from './supported-provider.pipe.js';
import { PublishersModule } from '../publishers/publishers.module.js';
import { OrganizationPublishersModule } from '../publishers/organizations/organization-publishers.module.js';
import { PatientsController } from './patients/patients.controller.js';
import { PatientMappingService } from './patients/patient-mapping.service.js';
import { PatientResolver } from './patients/patient-resolver.js';
import { OrganizationsController } from './organizations/organizations.controller.js';
import { OrganizationsService } from './organizations/organizations.service.js';
import { OrganizationView } from './organizations/organization-view.js';

/**
 * The clinical app's REST API under /api/base: providers, links, sync status, patient mappings, the inbox's dead
 * letters and (for platform principals) organizations.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([EhrUser, Provider, ProviderLink, SyncState]),
    IngestorsModule,
    PublishersModule,
    OrganizationPublishersModule,
  ],
  controllers: [
    ProvidersController,
    SyncController,
    SyncRequestsController,
    BreakersController,
    LinkSubscriptionsController,
    LinkController,
    FailedInboxController,
    PatientsController,
    OrganizationsController,
  ],
  providers: [
    EhrUserRepository,
    ProviderRepository,
    ProviderLinkRepository,
    SyncStateRepository,
    PatientAccessService,
    ProvidersService,
    SyncStatusService,
    DeviceSyncTriggerService,
    ResyncRejectedService,
    SyncRequestService,
    BreakersService,
    LinkSubscriptionsApiService,
    LinkStatusService,
    LinkStateService,
    LinkWriterRepository,
    LinkFlowService,
    LinkCompletionService,
    LinkConfirmationService,
    PendingLinkRepository,
    UnlinkService,
    ProviderRevocation,
    SupportedProviderPipe,
    InboxDeadLetters,
    FailedInboxService,
    PatientMappingService,
    PatientResolver,
    OrganizationsService,
    OrganizationView,
  ],
})
export class BaseModule {}
