import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Observation } from 'fhir/r5.js';
import type { Counter, Histogram } from 'prom-client';
import {
  CircuitOpenError,
  FHIR_BREAKER,
  type CircuitBreaker,
} from '../../common/resilience/circuit-breaker.js';
import { CircuitBreakerRegistry } from '../../common/resilience/circuit-breaker.registry.js';
import { AppConfig } from '../../config/app-config.js';
import type { TransformedResource } from '../../transformers/transformed-resource.js';
import { FhirClient } from '../fhir.client.js';
import { breakerClass, FhirConfigurationError, FhirRetryableError } from '../fhir-errors.js';
import { FHIR_METRIC, type FhirOperationLabels } from '../fhir-metrics.js';
import { FHIR_BREAKER_NAME, type BeforeWrite, type PublishResult } from '../fhir-publisher.service.js';
import { buildJheBatches, readJheBatchResponse } from './jhe-batch.js';

/**
 * Publishes Open mHealth Observations to a JupyterHealth Exchange ({FHIR_BASE_URL} = {jhe}/FHIR/R5) as batch
 * bundles. A replay is safe: JHE refuses a second Observation with the same identifier (409), counted here as
 * unchanged. Refused entries are counted, never logged with their content.
 */
@Injectable()
export class JhePublisher {
  private readonly logger = new Logger(JhePublisher.name);
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly config: AppConfig,
    private readonly client: FhirClient,
    breakers: CircuitBreakerRegistry,
    @InjectMetric(FHIR_METRIC.operations) private readonly operations: Counter<FhirOperationLabels>,
    @InjectMetric(FHIR_METRIC.responseTime) private readonly responseTime: Histogram<'operation'>,
  ) {
    this.breaker = breakers.get(FHIR_BREAKER_NAME, FHIR_BREAKER);
  }

  async publish(
    resources: readonly TransformedResource<Observation>[],
    beforeWrite?: BeforeWrite,
  ): Promise<PublishResult> {
    const totals = { created: 0, updated: 0, unchanged: 0, rejected: 0, bundles: 0 };
    if (resources.length === 0) {
      return totals;
    }
    if (!this.client.configured) {
      throw new FhirConfigurationError(
        'FHIR_BASE_URL is not set: there is no JupyterHealth Exchange to publish to',
      );
    }
    for (const bundle of buildJheBatches(resources, this.config.fhir.batchSize)) {
      await beforeWrite?.();
      let response: unknown;
      try {
        response = await this.breaker.execute(async () => {
          const stop = this.responseTime.startTimer({ operation: 'batch' });
          try {
            return await this.client.batch(bundle);
          } finally {
            stop();
          }
        }, breakerClass);
      } catch (err) {
        this.operations.inc({ operation: 'batch', resource_type: 'Bundle', status: 'error' });
        if (err instanceof CircuitOpenError) {
          throw new FhirRetryableError(
            `JHE batch not sent: ${err.message}`,
            'circuit-open',
            undefined,
            err.retryAfterMs,
            {
              cause: err,
            },
          );
        }
        throw err;
      }
      for (const outcome of readJheBatchResponse(bundle, response)) {
        totals[outcome] += 1;
        this.operations.inc({ operation: 'create', resource_type: 'Observation', status: outcome });
      }
      totals.bundles += 1;
      this.operations.inc({ operation: 'batch', resource_type: 'Bundle', status: 'success' });
    }
    if (totals.rejected > 0) {
      this.logger.warn(
        `JupyterHealth Exchange refused ${totals.rejected} of ${resources.length} observations`,
      );
    }
    return totals;
  }
}
