import { AsyncLocalStorage } from 'node:async_hooks';
import {
  getSearchParameter,
  Operator,
  OperationOutcomeError,
  type Filter,
  type SearchRequest,
  type WithId,
} from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '@medplum/fhir-router';
import { FhirError, notFound } from './outcomes.js';
import { tokenFilter } from './token-search.js';
import { VersionStore } from './version-store.js';

interface JournalEntry {
  readonly resourceType: string;
  readonly id: string;
  readonly prior: WithId<Resource> | undefined;
  readonly priorDeleted: boolean;
  readonly wroteVersion: boolean;
}

/**
 * Medplum's MemoryRepository with the three things a faithful test server needs and it lacks:
 * - a write journal, so a transaction Bundle can be undone completely (its withTransaction does not roll back);
 * - a write hook (R5 schema validation) on the single path every create, update and patch funnels through;
 * - FHIR token semantics for token parameters (see token-search.ts), plus 410 Gone and a version history of its
 *   own, because Medplum's history array is reversed in place on every read.
 * Each atomically() scope keeps its own journal (per async context), so requests interleaving at the server's
 * conditional gaps never undo each other's writes; the server's RequestLock keeps writes themselves apart.
 */
export class R5MemoryRepository extends MemoryRepository {
  private readonly journals = new AsyncLocalStorage<JournalEntry[]>();
  private readonly store = new VersionStore();

  constructor(private readonly beforeWrite: (resource: Resource) => void) {
    super();
  }

  override clear(): void {
    super.clear();
    this.store.clear();
  }

  /** Runs `work` so that if it throws, every write it made is undone and the error rethrown. */
  async atomically<T>(work: () => Promise<T>): Promise<T> {
    if (this.journals.getStore() !== undefined) {
      return work();
    }
    const journal: JournalEntry[] = [];
    try {
      return await this.journals.run(journal, work);
    } catch (err) {
      await this.undo(journal);
      throw err;
    }
  }

  /** Whether the enclosing atomically() scope has written anything yet. */
  hasPendingWrites(): boolean {
    return (this.journals.getStore()?.length ?? 0) > 0;
  }

  private async undo(journal: readonly JournalEntry[]): Promise<void> {
    for (const entry of [...journal].reverse()) {
      if (entry.wroteVersion) {
        this.store.pop(entry.resourceType, entry.id);
      }
      // super.* on purpose: restoring must neither validate nor journal nor mint a new version.
      if (entry.prior === undefined) {
        if (await this.exists(entry.resourceType, entry.id)) {
          await super.deleteResource(entry.resourceType, entry.id);
        }
      } else {
        await super.createResource(entry.prior);
      }
      this.store.setDeleted(entry.resourceType, entry.id, entry.priorDeleted);
    }
  }

  private async current(resourceType: string, id: string | undefined): Promise<WithId<Resource> | undefined> {
    if (id === undefined) {
      return undefined;
    }
    try {
      return await super.readResource<WithId<Resource>>(resourceType, id);
    } catch (err) {
      if (err instanceof OperationOutcomeError) {
        return undefined;
      }
      throw err;
    }
  }

  async exists(resourceType: string, id: string): Promise<boolean> {
    return (await this.current(resourceType, id)) !== undefined;
  }

  /** Every create, update and patch ends here (Medplum's update and patch call it), so it stamps versions too. */
  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    this.beforeWrite(resource);
    const { resourceType } = resource;
    const id = resource.id ?? this.generateId();
    const prior = await this.current(resourceType, id);
    const versionId = this.store.nextVersionId(resourceType, id);
    const meta = { ...resource.meta, versionId, lastUpdated: new Date().toISOString() };
    const stored = await super.createResource({ ...resource, id, meta });
    const priorDeleted = this.store.isDeleted(resourceType, id);
    this.journals.getStore()?.push({ resourceType, id, prior, priorDeleted, wroteVersion: true });
    this.store.setDeleted(resourceType, id, false);
    this.store.push(stored);
    return stored;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    const prior = await this.current(resourceType, id);
    if (prior === undefined) {
      throw notFound(`${resourceType}/${id} does not exist`);
    }
    await super.deleteResource(resourceType, id);
    this.journals.getStore()?.push({ resourceType, id, prior, priorDeleted: false, wroteVersion: false });
    this.store.setDeleted(resourceType, id, true);
  }

  override async readResource<T extends Resource>(resourceType: string, id: string): Promise<T> {
    if (this.store.isDeleted(resourceType, id)) {
      throw FhirError.of(410, 'deleted', `${resourceType}/${id} has been deleted`);
    }
    return super.readResource<T>(resourceType, id);
  }

  override async readHistory<T extends Resource>(
    resourceType: string,
    id: string,
    options?: { offset?: number; limit?: number },
  ): Promise<Bundle<T>> {
    await this.readResource(resourceType, id);
    const all = [...this.store.history(resourceType, id)].reverse();
    const offset = options?.offset ?? 0;
    const page = all.slice(offset, options?.limit === undefined ? undefined : offset + options.limit);
    return {
      resourceType: 'Bundle',
      type: 'history',
      total: all.length,
      entry: page.map((resource) => ({ resource: structuredClone(resource) as T })),
    };
  }

  override async readVersion<T extends Resource>(
    resourceType: string,
    id: string,
    versionId: string,
  ): Promise<T> {
    await this.readResource(resourceType, id);
    const version = this.store.history(resourceType, id).find((v) => v.meta?.versionId === versionId);
    if (version === undefined) {
      throw notFound(`${resourceType}/${id} has no version ${versionId}`);
    }
    return structuredClone(version) as T;
  }

  /**
   * Token filters (plain and :not) are matched here, the rest by Medplum. A search made only of token filters
   * (every conditional create and update on an identifier) reads the version store directly, with tokens cached
   * per stored version, so it stays fast as the sandbox fills up.
   */
  override async search<T extends Resource>(request: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const type = request.resourceType;
    const checks: Array<{ test: (r: Resource) => boolean; negate: boolean }> = [];
    const rest: Filter[] = [];
    for (const filter of request.filters ?? []) {
      const param = getSearchParameter(type, filter.code);
      const exact = filter.operator === Operator.EQUALS || filter.operator === Operator.NOT;
      if (param?.type === 'token' && exact) {
        checks.push({ test: tokenFilter(param, filter.value), negate: filter.operator === Operator.NOT });
      } else {
        rest.push(filter);
      }
    }
    if (checks.length === 0) {
      return super.search(request);
    }
    let candidates: Resource[];
    if (rest.length === 0 && (request.sortRules ?? []).length === 0) {
      candidates = this.store.current(type);
    } else {
      const bundle = await super.search({ ...request, filters: rest, offset: undefined, count: undefined });
      candidates = (bundle.entry ?? []).flatMap((e) => {
        const r = e.resource;
        return r === undefined ? [] : [this.store.latest(type, r.id) ?? r];
      });
    }
    const matched = candidates.filter((r) => checks.every((c) => c.test(r) !== c.negate));
    const offset = request.offset ?? 0;
    const page = matched.slice(offset, request.count === undefined ? undefined : offset + request.count);
    const entry = page.map((r) => ({ resource: structuredClone(r) as WithId<T> }));
    return { resourceType: 'Bundle', type: 'searchset', total: matched.length, entry };
  }
}
