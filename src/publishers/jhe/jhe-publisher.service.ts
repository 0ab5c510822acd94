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
import type { RefusedResource } from '../refusal-isolation.js';
import { buildJheBatches, isJheRefusal, readJheBatchResponse } from './jhe-batch.js';

/**
 * Publishes Open mHealth Observations to a JupyterHealth Exchange ({FHIR_BASE_URL} = {jhe}/FHIR/R5) as batch
 * bundles. A replay is safe: JHE refuses a second Observation with the same identifier (409), counted here as
 * unchanged. Refused entries (missing consent for their scope, or any other refusal) are reported with their data
 * type's identifier system and the reason, so the sync can record them and fetch them again once the patient
 * consents; never logged with their content.
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
    const refused: RefusedResource[] = [];
    if (resources.length === 0) {
      return totals;
    }
    if (!this.client.configured) {
      throw new FhirConfigurationError(
        'FHIR_BASE_URL is not set: there is no JupyterHealth Exchange to publish to',
      );
    }
    const byUrl = new Map(resources.map((r) => [r.fullUrl, r]));
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
      const sent = bundle.entry ?? [];
      for (const [i, outcome] of readJheBatchResponse(bundle, response).entries()) {
        if (isJheRefusal(outcome)) {
          totals.rejected += 1;
          // Entries and answers correspond by position (checked by readJheBatchResponse).
          const item = byUrl.get(sent[i]?.fullUrl ?? '');
          refused.push({
            resourceType: 'Observation',
            identifierSystem: item?.identifier.system ?? 'unknown',
            reason: outcome,
          });
        } else {
          totals[outcome] += 1;
        }
        const status = isJheRefusal(outcome) ? 'rejected' : outcome;
        this.operations.inc({ operation: 'create', resource_type: 'Observation', status });
      }
      totals.bundles += 1;
      this.operations.inc({ operation: 'batch', resource_type: 'Bundle', status: 'success' });
    }
    if (totals.rejected > 0) {
      this.logger.warn(
        `JupyterHealth Exchange refused ${totals.rejected} of ${resources.length} observations`,
      );
      return { ...totals, refused };
    }
    return totals;
  }
}
