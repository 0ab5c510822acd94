import { Module } from '@nestjs/common';
import { ProviderGate } from './provider-gate.js';
import { providerMetricProviders } from './provider-metrics.js';
import { ProviderQuota } from './provider-quota.js';

/**
 * The provider call gate: shared quotas, the provider breakers and provider API metrics. Needs RedisService and
 * CircuitBreakerRegistry, both from global modules (RedisModule, ResilienceModule), and a PrometheusModule.
 */
@Module({
  providers: [ProviderQuota, ProviderGate, ...providerMetricProviders],
  exports: [ProviderQuota, ProviderGate, ...providerMetricProviders],
})
export class ProviderResilienceModule {}
