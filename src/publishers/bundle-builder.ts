import type { Bundle, BundleEntry, Identifier } from 'fhir/r5.js';
import type { FhirWriteMode } from '../config/app-config.js';
import type { TransformedResource } from '../transformers/transformed-resource.js';
import { FhirPermanentError } from './fhir-errors.js';

export interface BundleOptions {
  /** Most entries per bundle; a group that alone is larger still goes whole into a bundle of its own. */
  readonly batchSize: number;
  readonly writeMode: FhirWriteMode;
}

/**
 * By default Devices and their associations are only created: a placeholder Device that rides along with
 * observations must not overwrite the full one a device sync wrote. The writers that own them (device sync,
 * ending a link's associations) ask for an upsert explicitly with `write: 'upsert'`.
 */
const CREATE_ONLY: ReadonlySet<string> = new Set(['Device', 'DeviceAssociation']);

/** FHIR search escaping (search.html#escaping): `\`, `|`, `,` and `$` are escaped with `\`. */
export function escapeSearchValue(text: string): string {
  return text.replace(/[\\|,$]/g, (c) => `\\${c}`);
}

/**
 * `identifier=<system>|<value>`, escaped, then URL-encoded except for `: / | \`, which are safe in a query and
 * keep the bundle readable. Encoding matters: an unencoded `+` or `%` in a value would be decoded into
 * something else by the server, the condition would never match, and every publish would create a duplicate.
 */
export function identifierCondition(identifier: Required<Pick<Identifier, 'system' | 'value'>>): string {
  const token = `${escapeSearchValue(identifier.system)}|${escapeSearchValue(identifier.value)}`;
  // Most identifiers need no encoding at all; skipping it keeps bundle building cheap for large batches.
  const encoded = QUERY_SAFE.test(token)
    ? token
    : encodeURIComponent(token).replace(/%(3A|2F|7C|5C)/gi, (m) => decodeURIComponent(m));
  return `identifier=${encoded}`;
}

const QUERY_SAFE = /^[A-Za-z0-9\-._~:/|\\]*$/;

function entryFor(item: TransformedResource, writeMode: FhirWriteMode): BundleEntry {
  const type = item.resource.resourceType;
  const condition = identifierCondition(item.identifier);
  const upsert =
    item.write === 'upsert' ||
    (item.write !== 'create-only' && writeMode === 'conditional-update' && !CREATE_ONLY.has(type));
  return {
    fullUrl: item.fullUrl,
    resource: item.resource,
    request: upsert
      ? { method: 'PUT', url: `${type}?${condition}` }
      : { method: 'POST', url: type, ifNoneExist: condition },
  };
}

const isDevice = (item: TransformedResource): boolean => item.resource.resourceType === 'Device';

/** Every `reference` string anywhere in the resource. */
function referencesOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) {
      referencesOf(v, out);
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'reference' && typeof v === 'string') {
        out.add(v);
      } else if (typeof v === 'object') {
        referencesOf(v, out);
      }
    }
  }
  return out;
}

/**
 * One resource per fullUrl (the later wins: it is the newer reading of the same measurement) and one fullUrl
 * per identifier: two entries with the same condition in one transaction would both see "no match" and
 * create two resources.
 */
function deduplicate(resources: readonly TransformedResource[]): Map<string, TransformedResource> {
  const byUrl = new Map<string, TransformedResource>();
  const urlByIdentifier = new Map<string, string>();
  for (const item of resources) {
    const key = `${item.resource.resourceType} ${item.identifier.system}|${item.identifier.value}`;
    const known = urlByIdentifier.get(key);
    if (known !== undefined && known !== item.fullUrl) {
      throw new FhirPermanentError(
        `Two resources (${known}, ${item.fullUrl}) share the ${item.resource.resourceType} identifier in ${item.identifier.system}`,
        undefined,
      );
    }
    const ids = (item.resource as { identifier?: Identifier[] }).identifier ?? [];
    if (!ids.some((i) => i.system === item.identifier.system && i.value === item.identifier.value)) {
      // The condition would never match the stored resource, so every publish would create another copy.
      throw new FhirPermanentError(`${item.fullUrl} does not carry its business identifier`, undefined);
    }
    urlByIdentifier.set(key, item.fullUrl);
    byUrl.set(item.fullUrl, item);
  }
  return byUrl;
}

class DisjointSets {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let root = x;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) {
      root = p;
    }
    this.parent.set(x, root);
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) {
      // The smaller key becomes the root, so the result does not depend on the order of unions.
      this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
    }
  }
}

/** Resources that must share a transaction, and the Devices they need alongside (which may repeat elsewhere). */
interface Cluster {
  readonly members: readonly TransformedResource[];
  readonly devices: readonly TransformedResource[];
}

function clustersOf(byUrl: ReadonlyMap<string, TransformedResource>): Cluster[] {
  const refs = new Map<string, string[]>();
  for (const item of byUrl.values()) {
    refs.set(
      item.fullUrl,
      [...referencesOf(item.resource)].filter((r) => byUrl.has(r) && r !== item.fullUrl),
    );
  }
  const referencedDevices = new Set<string>();
  const sets = new DisjointSets();
  for (const item of byUrl.values()) {
    sets.find(item.fullUrl);
    if (item.group !== undefined) {
      // The group is named by a fullUrl (usually its report's), so the resource so named joins it too.
      sets.union(item.fullUrl, item.group);
    }
    for (const target of refs.get(item.fullUrl) ?? []) {
      const targetItem = byUrl.get(target);
      if (targetItem !== undefined && isDevice(targetItem)) {
        referencedDevices.add(target);
      } else {
        // A urn:uuid reference only resolves inside the same transaction.
        sets.union(item.fullUrl, target);
      }
    }
  }

  const members = new Map<string, TransformedResource[]>();
  const sorted = [...byUrl.values()].sort((a, b) => (a.fullUrl < b.fullUrl ? -1 : 1));
  for (const item of sorted) {
    // A referenced Device rides along with whatever references it, unless it belongs to a group itself.
    if (isDevice(item) && item.group === undefined && referencedDevices.has(item.fullUrl)) {
      continue;
    }
    const root = sets.find(item.fullUrl);
    const list = members.get(root);
    if (list === undefined) {
      members.set(root, [item]);
    } else {
      list.push(item);
    }
  }

  const devicesNeededBy = (items: readonly TransformedResource[]): TransformedResource[] => {
    const seen = new Set(items.map((i) => i.fullUrl));
    const needed: TransformedResource[] = [];
    const visit = (url: string): void => {
      for (const target of refs.get(url) ?? []) {
        const device = byUrl.get(target);
        if (device !== undefined && isDevice(device) && !seen.has(target)) {
          seen.add(target);
          needed.push(device);
          visit(target);
        }
      }
    };
    items.forEach((i) => {
      visit(i.fullUrl);
    });
    return needed.sort((a, b) => (a.fullUrl < b.fullUrl ? -1 : 1));
  };

  // Clusters that need the same Device sit next to each other, so the Device is repeated as little as possible.
  const keyed = [...members.values()].map((m) => {
    const devices = devicesNeededBy(m);
    return { members: m, devices, key: `${devices[0]?.fullUrl ?? ''} ${m[0]?.fullUrl ?? ''}` };
  });
  return keyed.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * Splits resources into transaction bundles of at most `batchSize` entries. Resources of one `group`, and
 * resources linked by urn:uuid references, land in the same bundle; a Device joins every bundle holding a
 * resource that references it (it is a conditional create, so repeating it is harmless). The output depends
 * only on the set of resources, not on their order, so a replay sends identical bundles.
 */
export function buildTransactionBundles(
  resources: readonly TransformedResource[],
  options: BundleOptions,
): Bundle[] {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  const bundles: TransformedResource[][] = [];
  let current = new Map<string, TransformedResource>();
  for (const cluster of clustersOf(deduplicate(resources))) {
    const missing = (bundle: ReadonlyMap<string, TransformedResource>): number =>
      cluster.devices.filter((d) => !bundle.has(d.fullUrl)).length;
    if (current.size > 0 && current.size + missing(current) + cluster.members.length > options.batchSize) {
      bundles.push([...current.values()]);
      current = new Map();
    }
    for (const item of [...cluster.devices, ...cluster.members]) {
      current.set(item.fullUrl, item);
    }
  }
  if (current.size > 0) {
    bundles.push([...current.values()]);
  }
  return bundles.map((items) => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: items.map((item) => entryFor(item, options.writeMode)),
  }));
}
