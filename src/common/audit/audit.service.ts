import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEvent } from './audit-event.entity.js';

export interface AuditEntry {
  readonly actor: string;
  readonly action: string;
  readonly ehrUserId?: string | null;
  readonly provider?: string | null;
  readonly linkId?: number | null;
  readonly requestId?: string | null;
  readonly details?: Record<string, unknown>;
}

/** Appends audit events; pass the transaction's manager so the event commits (or not) with the change it records. */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(AuditEvent).insert({
      actor: entry.actor,
      action: entry.action,
      ehrUserId: entry.ehrUserId ?? null,
      provider: entry.provider ?? null,
      linkId: entry.linkId ?? null,
      requestId: entry.requestId ?? null,
      details: (entry.details ?? {}) as never,
    });
  }
}
