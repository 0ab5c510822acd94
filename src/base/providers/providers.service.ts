import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../../common/errors/api-error.js';
import { toPage, type Page, type PaginationQuery } from '../../common/pagination/pagination.js';
import { ProviderRegistry } from '../../ingestors/registry/provider-registry.js';
import { REAL_TIME_DESCRIPTION, SYNC_SCHEDULES } from '../../ingestors/schedules.js';
import { ProviderRepository } from '../repositories/provider.repository.js';
import type { CapabilitiesDto } from './dto/capabilities.dto.js';
import { toProviderDto, type ProviderDto } from './dto/provider.dto.js';

@Injectable()
export class ProvidersService {
  constructor(
    private readonly providers: ProviderRepository,
    private readonly registry: ProviderRegistry,
  ) {}

  async list(query: PaginationQuery, pageUrl: string): Promise<Page<ProviderDto>> {
    const [rows, count] = await this.providers.page(query.offset, query.limit);
    return toPage(rows.map(toProviderDto), count, query, pageUrl);
  }

  async get(id: number): Promise<ProviderDto> {
    const row = Number.isSafeInteger(id) ? await this.providers.findById(id) : null;
    if (row === null) {
      throw new NotFoundError(`Provider ${id} not found`);
    }
    return toProviderDto(row);
  }

  /** Built from the provider registry and the sync schedule, so it always tells what this build really does. */
  capabilities(): CapabilitiesDto {
    const descriptors = this.registry.all();
    return {
      supported_providers: descriptors.map((d) => d.type),
      supported_data_types: this.registry.dataTypes(),
      provider_data_types: Object.fromEntries(descriptors.map((d) => [d.type, [...d.dataTypes]])),
      webhook_endpoints: Object.fromEntries(descriptors.map((d) => [d.type, d.webhookPath])),
      sync_frequencies: {
        real_time: REAL_TIME_DESCRIPTION,
        ...Object.fromEntries(SYNC_SCHEDULES.map((s) => [s.key, s.description])),
      },
    };
  }
}
