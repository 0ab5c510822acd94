import { Module } from '@nestjs/common';
import { PublishersModule } from '../publishers/publishers.module.js';
import { IngestorsModule } from './ingestors.module.js';
import { LinkMaintenanceProcessor } from './processors/link-maintenance.processor.js';
import { LinkPatientRepository } from './processors/link-patient.repository.js';

/**
 * The queue processors. Imported only by processes that run workers (ROLE=all|worker), so an API-only process
 * never consumes jobs.
 */
@Module({
  imports: [IngestorsModule, PublishersModule],
  providers: [LinkPatientRepository, LinkMaintenanceProcessor],
})
export class WorkersModule {}
