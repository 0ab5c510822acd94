import { Module } from '@nestjs/common';

/** FHIR and JupyterHealth Exchange publishing targets. Filled by the FHIR work. */
@Module({})
export class PublishersModule {}
