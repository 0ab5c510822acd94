import { Module } from '@nestjs/common';
import { ProviderRegistry } from './registry/provider-registry.js';

/**
 * Provider adapters, sync strategies and processors. Only the registry of supported providers exists so far;
 * the adapters and processors arrive with the linking and sync-pipeline work.
 */
@Module({
  providers: [ProviderRegistry],
  exports: [ProviderRegistry],
})
export class IngestorsModule {}
