import { Injectable } from '@nestjs/common';
import { DATA_TYPES, type DataType } from '../../common/domain/data-type.js';
import { FITBIT } from '../google-health/fitbit.descriptor.js';
import { WITHINGS } from '../withings/withings.descriptor.js';
import type { ProviderDescriptor } from './provider-descriptor.js';

/** Adding a provider means adding its folder and one entry here. */
export const PROVIDER_DESCRIPTORS: readonly ProviderDescriptor[] = [WITHINGS, FITBIT];

/** The providers this build supports, keyed by provider_type. */
@Injectable()
export class ProviderRegistry {
  private readonly byType: ReadonlyMap<string, ProviderDescriptor>;

  constructor() {
    this.byType = new Map(PROVIDER_DESCRIPTORS.map((d) => [d.type, d]));
  }

  get types(): string[] {
    return [...this.byType.keys()];
  }

  all(): readonly ProviderDescriptor[] {
    return [...this.byType.values()];
  }

  find(type: string): ProviderDescriptor | undefined {
    return this.byType.get(type);
  }

  /** Union of every provider's data types, in the canonical order. */
  dataTypes(): DataType[] {
    const offered = new Set(this.all().flatMap((d) => d.dataTypes));
    return DATA_TYPES.filter((t) => offered.has(t));
  }
}
