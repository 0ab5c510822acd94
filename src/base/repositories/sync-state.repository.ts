import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { SyncState } from '../entities/sync-state.entity.js';

@Injectable()
export class SyncStateRepository {
  constructor(@InjectRepository(SyncState) private readonly repo: Repository<SyncState>) {}

  findByLinks(linkIds: readonly number[]): Promise<SyncState[]> {
    if (linkIds.length === 0) {
      return Promise.resolve([]);
    }
    return this.repo.find({ where: { linkId: In([...linkIds]) }, order: { dataType: 'ASC' } });
  }
}
