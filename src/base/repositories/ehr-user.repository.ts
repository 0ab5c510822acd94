import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { EhrUser } from '../entities/ehr-user.entity.js';

@Injectable()
export class EhrUserRepository {
  constructor(@InjectRepository(EhrUser) private readonly repo: Repository<EhrUser>) {}

  findByEhrUserId(ehrUserId: string): Promise<EhrUser | null> {
    return this.repo.findOne({ where: { ehrUserId } });
  }

  /** Returns the user, creating it on first sight; safe under concurrent calls for the same id. */
  async upsert(ehrUserId: string): Promise<EhrUser> {
    await this.repo.createQueryBuilder().insert().values({ ehrUserId }).orIgnore().execute();
    return this.repo.findOneOrFail({ where: { ehrUserId } });
  }
}
