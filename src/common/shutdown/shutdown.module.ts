import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QueueWorkers } from './queue-workers.js';
import { ShutdownState } from './shutdown-state.js';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [ShutdownState, QueueWorkers],
  exports: [ShutdownState, QueueWorkers],
})
export class ShutdownModule {}
