import { Injectable } from '@nestjs/common';
import { canActFor, type Principal } from '../common/auth/principal.js';
import { NotFoundError } from '../common/errors/api-error.js';
import type { EhrUser } from './entities/ehr-user.entity.js';
import { EhrUserRepository } from './repositories/ehr-user.repository.js';

/**
 * The one place that turns a caller-supplied ehr_user_id into a user the caller may see. A patient asking about
 * someone else, or any credential asking about another organization's patient, gets exactly the answer an unknown
 * user gets, so ids cannot be probed across patients or organizations.
 */
@Injectable()
export class PatientAccessService {
  constructor(private readonly users: EhrUserRepository) {}

  async visibleUser(principal: Principal, ehrUserId: string): Promise<EhrUser> {
    const user = canActFor(principal, ehrUserId)
      ? await this.users.findByEhrUserId(principal.organizationId, ehrUserId)
      : null;
    if (user === null) {
      throw new NotFoundError(`User ${ehrUserId} not found`);
    }
    return user;
  }
}
