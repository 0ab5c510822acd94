import type { Resource } from '@medplum/fhirtypes';

/**
 * Every stored version of every resource, by type and id, plus which resources are deleted. The repository keeps
 * it in step with Medplum's own map, and reads history, vread and fast token searches from it: Medplum's history
 * array is reversed in place on every read, and its search deep-clones every resource of the type each time.
 * Entries are never mutated, so they can key caches (see token-search.ts).
 */
export class VersionStore {
  private readonly byType = new Map<string, Map<string, Resource[]>>();
  private readonly deleted = new Set<string>();

  clear(): void {
    this.byType.clear();
    this.deleted.clear();
  }

  history(resourceType: string, id: string): readonly Resource[] {
    return this.byType.get(resourceType)?.get(id) ?? [];
  }

  /** Sequential like HAPI's, instead of Medplum's UUIDs: ETags W/"1", W/"2" read well in tests. */
  nextVersionId(resourceType: string, id: string): string {
    return String(this.history(resourceType, id).length + 1);
  }

  push(resource: Resource & { id: string }): void {
    let ofType = this.byType.get(resource.resourceType);
    if (ofType === undefined) {
      ofType = new Map();
      this.byType.set(resource.resourceType, ofType);
    }
    const versions = ofType.get(resource.id) ?? [];
    versions.push(structuredClone(resource));
    ofType.set(resource.id, versions);
  }

  pop(resourceType: string, id: string): void {
    this.byType.get(resourceType)?.get(id)?.pop();
  }

  isDeleted(resourceType: string, id: string): boolean {
    return this.deleted.has(`${resourceType}/${id}`);
  }

  setDeleted(resourceType: string, id: string, deleted: boolean): void {
    if (deleted) {
      this.deleted.add(`${resourceType}/${id}`);
    } else {
      this.deleted.delete(`${resourceType}/${id}`);
    }
  }

  /** The current version, as stored here (do not mutate); undefined when absent or deleted. */
  latest(resourceType: string, id: string): Resource | undefined {
    return this.isDeleted(resourceType, id) ? undefined : this.history(resourceType, id).at(-1);
  }

  /** Current versions of every live resource of the type (do not mutate). */
  current(resourceType: string): Resource[] {
    const out: Resource[] = [];
    for (const [id, versions] of this.byType.get(resourceType) ?? []) {
      const last = versions.at(-1);
      if (last !== undefined && !this.isDeleted(resourceType, id)) {
        out.push(last);
      }
    }
    return out;
  }
}
