import { Module } from '@nestjs/common';
import { PublishersModule } from '../publishers.module.js';
import { OrganizationPublisherRegistry } from './organization-publishers.js';

/**
 * The per-organization publishers. Apart from PublishersModule because it reads the organizations table:
 * PublishersModule itself stays bootable without a database (publisher tests, tools).
 */
@Module({
  imports: [PublishersModule],
  providers: [OrganizationPublisherRegistry],
  exports: [OrganizationPublisherRegistry],
})
export class OrganizationPublishersModule {}
