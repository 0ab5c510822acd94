import { Module } from '@nestjs/common';

/**
 * Pure NormalizedRecord -> FHIR R5 mappings. The transformers themselves are plain functions with no DI; this
 * module only exists so the module graph mirrors the service's parts. Entry points: fhir-transformer.ts.
 */
@Module({})
export class TransformersModule {}
