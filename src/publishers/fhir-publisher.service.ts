import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Bundle } from 'fhir/r5.js';
import type { Counter, Histogram } from 'prom-client';
import { CircuitOpenError, FHIR_BREAKER, type CircuitBreaker } from '../common/resilience/circuit-breaker.js';
import { CircuitBreakerRegistry } from '../common/resilience/circuit-breaker.registry.js';
import { AppConfig } from '../config/app-config.js';
import type { TransformedResource } from '../transformers/transformed-resource.js';
import { buildTransactionBundles } from './bundle-builder.js';
import { FhirClient } from './fhir.client.js';
import { breakerClass, FhirConfigurationError, FhirError, FhirRetryableError } from './fhir-errors.js';
import { FHIR_METRIC, type FhirOperationLabels } from './fhir-metrics.js';
import {
  halves,
  isContentRefusal,
  itemsOf,
  MAX_ISOLATION_REQUESTS,
  refusedOf,
  type RefusedResource,
} from './refusal-isolation.js';
import { readTransactionResponse, type EntryResult } from './transaction-response.js';

export interface PublishResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Records the target refused for good (422); the others were written. */
  readonly rejected: number;
  /** What the FHIR server refused, when it refused anything (types and identifier systems only). */
  readonly refused?: readonly RefusedResource[];
  readonly bundles: number;
  /** Resources the server created, per resource type (FHIR targets). */
  readonly createdByType?: Readonly<Record<string, number>>;
}

/** The breaker every process shares for the FHIR server (architecture: 5 failures, 60 s open, 3 successes). */
/**
 * Awaited before each bundle is sent; rejecting stops the publish there. A sync passes its lease check, so a
 * worker that lost its link stops between two bundles rather than after the whole chunk.
 */
export type BeforeWrite = () => Promise<void>;

export const FHIR_BREAKER_NAME = 'fhir';

/** One publish's search for refused resources: what it found and how many transactions it may still spend. */
interface Isolation {
  readonly byUrl: ReadonlyMap<string, TransformedResource>;
  readonly refused: RefusedResource[];
  budget: number;
  readonly beforeWrite?: BeforeWrite;
}

/**
 * Publishes transformed resources to the FHIR server as transaction bundles of conditional writes, so a
 * replayed notification, a retried job or a crashed worker's redo never creates a second resource.
 *
 * Bundles go one after another; if one fails, the earlier ones stay written and the error propagates. The
 * caller retries the whole batch, which is safe because every write is conditional on its identifier. A bundle
 * refused with 422 is the exception: a transaction is all-or-nothing, so one refused record would hold back
 * (and, retried, re-send forever) all the others; its resources are sent again in halves, down to indivisible
 * clusters, within MAX_ISOLATION_REQUESTS extra transactions, and the refused ones are reported, not thrown.
 * Health data never reaches the logs: only counts, statuses and bundle numbers do.
 */
@Injectable()
export class FhirPublisher {
  private readonly logger = new Logger(FhirPublisher.name);
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

  /**
   * Writes the resources and reports what the server did with them. Throws a FhirError: FhirRetryableError
   * (server trouble, rate limit, timeout, open breaker; `retryAfterMs` when known) or a non-retryable one
   * (the server rejected the content, or FHIR is not configured).
   */
  async publish(
    resources: readonly TransformedResource[],
    beforeWrite?: BeforeWrite,
  ): Promise<PublishResult> {
    const totals = { created: 0, updated: 0, unchanged: 0, rejected: 0, bundles: 0 };
    const createdByType: Record<string, number> = {};
    if (resources.length === 0) {
      return { ...totals, createdByType };
    }
    this.checkConfigured();
    const bundles = buildTransactionBundles(resources, this.config.fhir);
    const isolation: Isolation = {
      byUrl: new Map(resources.map((r) => [r.fullUrl, r])),
      refused: [],
      budget: MAX_ISOLATION_REQUESTS,
      ...(beforeWrite === undefined ? {} : { beforeWrite }),
    };
    for (const [index, bundle] of bundles.entries()) {
      await beforeWrite?.();
      const entries = await this.sendIsolating(bundle, index, bundles.length, isolation);
      for (const entry of entries) {
        totals[entry.outcome] += 1;
        if (entry.outcome === 'created') {
          createdByType[entry.resourceType] = (createdByType[entry.resourceType] ?? 0) + 1;
        }
      }
      totals.bundles += 1;
    }
    if (isolation.refused.length > 0) {
      totals.rejected = isolation.refused.length;
      this.logger.warn(
        `The FHIR server refused ${isolation.refused.length} of ${resources.length} resources`,
      );
      return { ...totals, createdByType, refused: isolation.refused };
    }
    this.logger.debug(
      `Published ${resources.length} resources in ${totals.bundles} bundles: ${totals.created} created, ` +
        `${totals.updated} updated, ${totals.unchanged} unchanged`,
    );
    return { ...totals, createdByType };
  }

  private checkConfigured(): void {
    if (this.config.fhir.target !== 'fhir') {
      throw new FhirConfigurationError(`FHIR_TARGET=${this.config.fhir.target} is not supported yet`);
    }
    if (!this.client.configured) {
      throw new FhirConfigurationError(
        'FHIR_BASE_URL is not set: this deployment has no FHIR server to publish to',
      );
    }
  }

  /** Sends the bundle; on a content refusal, its halves, recursively (see the class comment). */
  private async sendIsolating(
    bundle: Bundle,
    index: number,
    count: number,
    isolation: Isolation,
  ): Promise<EntryResult[]> {
    try {
      return await this.send(bundle, index, count);
    } catch (err) {
      if (!isContentRefusal(err)) {
        throw err;
      }
      const items = itemsOf(bundle, isolation.byUrl);
      const parts = halves(items, this.config.fhir);
      if (parts.length <= 1) {
        isolation.refused.push(...refusedOf(items));
        return [];
      }
      if (isolation.budget < parts.length) {
        throw err;
      }
      isolation.budget -= parts.length;
      const entries: EntryResult[] = [];
      for (const part of parts) {
        await isolation.beforeWrite?.();
        entries.push(...(await this.sendIsolating(part, index, count, isolation)));
      }
      return entries;
    }
  }

  private async send(bundle: Bundle, index: number, count: number): Promise<EntryResult[]> {
    let entries: EntryResult[];
    try {
      const response = await this.breaker.execute(() => this.timedTransaction(bundle), breakerClass);
      entries = readTransactionResponse(bundle, response);
    } catch (err) {
      const error =
        err instanceof CircuitOpenError
          ? new FhirRetryableError(
              `FHIR transaction not sent: ${err.message}`,
              'circuit-open',
              undefined,
              err.retryAfterMs,
              { cause: err },
            )
          : err;
      this.countFailure(bundle, error);
      this.logger.debug(
        `Bundle ${index + 1}/${count} (${bundle.entry?.length ?? 0} entries) failed: ${
          error instanceof Error ? error.message : 'unknown error'
        }`,
      );
      throw error;
    }
    this.operations.inc({ operation: 'transaction', resource_type: 'Bundle', status: 'success' });
    for (const entry of entries) {
      this.operations.inc({
        operation: entry.operation,
        resource_type: entry.resourceType,
        status: entry.outcome,
      });
    }
    return entries;
  }

  private async timedTransaction(bundle: Bundle): Promise<unknown> {
    const stop = this.responseTime.startTimer({ operation: 'transaction' });
    try {
      return await this.client.transaction(bundle);
    } finally {
      stop();
    }
  }

  private countFailure(bundle: Bundle, error: unknown): void {
    const status =
      error instanceof FhirRetryableError
        ? error.reason === 'circuit-open'
          ? 'circuit_open'
          : 'retryable_error'
        : error instanceof FhirError
          ? 'permanent_error'
          : 'error';
    this.operations.inc({ operation: 'transaction', resource_type: 'Bundle', status });
    for (const entry of bundle.entry ?? []) {
      this.operations.inc({
        operation: entry.request?.method === 'PUT' ? 'conditional-update' : 'conditional-create',
        resource_type: entry.resource?.resourceType ?? 'unknown',
        status: 'failed',
      });
    }
  }
}
