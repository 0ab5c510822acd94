import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { ValidationError } from '../../common/errors/api-error.js';
import { toPage, type Page } from '../../common/pagination/pagination.js';
import { InboxDeadLetters } from '../../webhooks/inbox/inbox-dead-letters.js';
import {
  toFailedInboxRowDto,
  type FailedInboxQuery,
  type FailedInboxRowDto,
  type ReplayFailedDto,
  type ReplayResultDto,
} from './dto/failed-inbox.dto.js';

/** The REST face of the inbox's dead letters (service principals only; the controller enforces it). */
@Injectable()
export class FailedInboxService {
  constructor(private readonly deadLetters: InboxDeadLetters) {}

  async list(query: FailedInboxQuery, pageUrl: string): Promise<Page<FailedInboxRowDto>> {
    const { rows, count } = await this.deadLetters.list(query, query.limit, query.offset);
    return toPage(rows.map(toFailedInboxRowDto), count, query, pageUrl);
  }

  async replay(body: ReplayFailedDto, principal: Principal, requestId: string): Promise<ReplayResultDto> {
    if ((body.ids === undefined) === (body.all === undefined)) {
      throw ValidationError.field('ids', 'Give either ids or all: true.');
    }
    const selection =
      body.ids === undefined ? { all: true as const, provider: body.provider } : { ids: body.ids };
    const ids = await this.deadLetters.replay(selection, { actor: principal.subject, requestId });
    return { replayed: ids.length, ids };
  }
}
