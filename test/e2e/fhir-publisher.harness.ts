import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { register, type Counter } from 'prom-client';
import { RedisModule } from '../../src/common/redis/redis.module.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { FHIR_METRIC } from '../../src/publishers/fhir-metrics.js';
import { FhirPublisher } from '../../src/publishers/fhir-publisher.service.js';
import { PublishersModule } from '../../src/publishers/publishers.module.js';
import { uniqueRedisPrefix } from '../support/app.js';
import { TEST_REDIS_URL } from '../support/test-env.js';

export interface PublisherHarness {
  readonly publisher: FhirPublisher;
  readonly config: AppConfig;
  readonly module: TestingModule;
  close(): Promise<void>;
}

/** The breaker's own warnings are expected here (the tests open it on purpose); keep the output readable. */
const quiet: LoggerService = {
  log: () => undefined,
  error: () => undefined,
  warn: () => undefined,
};

/**
 * The real PublishersModule (with ResilienceModule and RedisModule: the breaker lives in the test Redis, under a
 * prefix of its own) for the given FHIR settings. No database is touched, so DATABASE_URL is a placeholder.
 */
export async function startPublisher(env: Record<string, string | undefined>): Promise<PublisherHarness> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://unused@127.0.0.1:5432/unused',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueRedisPrefix(),
    LOG_LEVEL: 'silent',
    ...env,
  });
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), RedisModule, PublishersModule],
  })
    .setLogger(quiet)
    .compile();
  await moduleRef.init();
  return {
    publisher: moduleRef.get(FhirPublisher),
    config,
    module: moduleRef,
    close: () => moduleRef.close(),
  };
}

/** Current value of one ohe_fhir_operations_total series (the registry is process-wide: compare deltas). */
export async function operationCount(labels: {
  operation: string;
  resource_type: string;
  status: string;
}): Promise<number> {
  const counter = register.getSingleMetric(FHIR_METRIC.operations) as Counter | undefined;
  const values = (await counter?.get())?.values ?? [];
  const match = values.find(
    (v) =>
      v.labels['operation'] === labels.operation &&
      v.labels['resource_type'] === labels.resource_type &&
      v.labels['status'] === labels.status,
  );
  return match?.value ?? 0;
}
