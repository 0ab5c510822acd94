import { Global, Module } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import {
  CIRCUIT_BREAKER_STATE_METRIC,
  CircuitBreakerRegistry,
  collectBreakerStates,
} from './circuit-breaker.registry.js';

const breakerStateGauge = makeGaugeProvider({
  name: CIRCUIT_BREAKER_STATE_METRIC,
  help: 'Circuit breaker state, shared by every process: 0 closed, 1 open, 2 half-open',
  labelNames: ['breaker'],
  collect: collectBreakerStates,
});

/**
 * Circuit breakers shared through Redis. Global, so provider adapters and FHIR publishers get the registry
 * without importing this module; it needs RedisService (RedisModule is global too).
 */
@Global()
@Module({
  providers: [CircuitBreakerRegistry, breakerStateGauge],
  exports: [CircuitBreakerRegistry, breakerStateGauge],
})
export class ResilienceModule {}
