import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { ResilienceModule } from '../common/resilience/resilience.module.js';
import { AppConfig } from '../config/app-config.js';
import { FhirAuth } from './auth/fhir-auth.js';
import { createFhirAuth } from './auth/fhir-auth.factory.js';
import { FhirClient } from './fhir.client.js';
import { fhirMetricProviders } from './fhir-metrics.js';
import { FhirPublisher } from './fhir-publisher.service.js';
import { JhePublisher } from './jhe/jhe-publisher.service.js';
import { PatientDirectory } from './patient-directory.js';
import { RecordPublisher } from './record-publisher.service.js';

/**
 * FHIR publishing: bundle building, the FHIR client with its auth (bound by FHIR_AUTH_MODE) and the publisher
 * behind the shared FHIR circuit breaker. ResilienceModule is global; importing it here as well keeps this
 * module bootable on its own (tests, a worker-only app) and Nest still makes one registry per app.
 */
@Module({
  imports: [ResilienceModule],
  providers: [
    {
      provide: FhirAuth,
      useFactory: (config: AppConfig) => createFhirAuth(config.fhir),
      inject: [AppConfig],
    },
    FhirClient,
    FhirPublisher,
    JhePublisher,
    RecordPublisher,
    PatientDirectory,
    ...fhirMetricProviders,
  ],
  // The metrics too: the per-organization publishers (OrganizationPublishersModule) count into the same series.
  exports: [FhirPublisher, JhePublisher, RecordPublisher, PatientDirectory, ...fhirMetricProviders],
})
export class PublishersModule implements OnModuleInit {
  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    if (this.config.runsWorkers && this.config.fhir.baseUrl === undefined) {
      new Logger('PublishersModule').warn('FHIR_BASE_URL is not set: sync jobs will fail until it is');
    }
  }
}
