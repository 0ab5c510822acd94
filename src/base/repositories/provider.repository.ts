import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Provider } from '../entities/provider.entity.js';

@Injectable()
export class ProviderRepository {
  constructor(@InjectRepository(Provider) private readonly repo: Repository<Provider>) {}

  /** One page of providers in id order, with the total count. */
  page(offset: number, limit: number): Promise<[Provider[], number]> {
    return this.repo.findAndCount({ order: { id: 'ASC' }, skip: offset, take: limit });
  }

  findById(id: number): Promise<Provider | null> {
    return this.repo.findOne({ where: { id } });
  }

  findByType(providerType: string): Promise<Provider | null> {
    return this.repo.findOne({ where: { providerType } });
  }
}
