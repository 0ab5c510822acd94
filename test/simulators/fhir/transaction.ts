import type { WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import {
  inEntry,
  mapStrings,
  parseEntry,
  patchBody,
  responseEntry,
  type ParsedEntry,
} from './bundle-entries.js';
import { criteriaOf, patchById, runInteraction } from './interactions.js';
import {
  badRequest,
  FhirError,
  isFhirJson,
  multipleMatches,
  notFound,
  type FhirJson,
  type FhirResult,
} from './outcomes.js';
import {
  createResource,
  findMatches,
  parseETag,
  requireResourceType,
  resourceResult,
  updateResource,
  type FhirContext,
} from './resource-ops.js';

/** What a write entry will do, decided before anything is written so every urn:uuid has its id up front. */
type Plan =
  | { readonly kind: 'create'; readonly id: string }
  | { readonly kind: 'found'; readonly resource: WithId<Resource> }
  | { readonly kind: 'same-as'; readonly index: number }
  | { readonly kind: 'update'; readonly id: string }
  | { readonly kind: 'patch'; readonly id: string };

interface State {
  readonly ctx: FhirContext;
  /** fullUrl (urn:uuid:… or absolute) → `Type/id`. */
  readonly aliases: Map<string, string>;
  /** `Type/id` of everything written, since a transaction may touch a resource only once. */
  readonly touched: Set<string>;
  /** Conditional criteria already resolved in this Bundle → the entry that owns them. */
  readonly conditions: Map<string, number>;
  /** Entry index → `Type/id` of the resource a POST entry creates or found. */
  readonly refs: Map<number, string>;
  readonly plans: Map<number, Plan>;
  readonly results: Map<number, FhirResult>;
}

async function guarded<T>(entry: ParsedEntry, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw inEntry(err, entry);
  }
}

function touch(state: State, entry: ParsedEntry, ref: string): void {
  if (state.touched.has(ref)) {
    throw badRequest(`${ref} is written by more than one entry of the transaction`);
  }
  state.touched.add(ref);
  if (entry.fullUrl !== undefined) {
    state.aliases.set(entry.fullUrl, ref);
  }
}

/** Placeholders inside conditional criteria (`patient=urn:uuid:…`) resolve like references do. */
function substitute(state: State, criteria: string): string {
  let out = criteria;
  for (const [fullUrl, ref] of state.aliases) {
    out = out.split(encodeURIComponent(fullUrl)).join(encodeURIComponent(ref)).split(fullUrl).join(ref);
  }
  return out;
}

async function onlyMatch(
  state: State,
  type: string,
  criteria: string,
): Promise<WithId<Resource> | undefined> {
  const [only, second] = await findMatches(state.ctx, type, substitute(state, criteria));
  if (second !== undefined) {
    throw multipleMatches(`${type}?${criteria}`);
  }
  return only;
}

async function planPost(state: State, entry: ParsedEntry): Promise<Plan> {
  const type = entry.resourceType;
  if (entry.ifNoneExist !== undefined) {
    const key = `${type}?${substitute(state, criteriaOf(type, entry.ifNoneExist))}`;
    const owner = state.conditions.get(key);
    if (owner !== undefined) {
      // The same conditional create twice in one Bundle means one resource, as HAPI resolves it.
      const ref = state.refs.get(owner);
      if (ref !== undefined && entry.fullUrl !== undefined) {
        state.aliases.set(entry.fullUrl, ref);
      }
      return { kind: 'same-as', index: owner };
    }
    state.conditions.set(key, entry.index);
    const found = await onlyMatch(state, type, criteriaOf(type, entry.ifNoneExist));
    if (found !== undefined) {
      touch(state, entry, `${type}/${found.id}`);
      state.refs.set(entry.index, `${type}/${found.id}`);
      return { kind: 'found', resource: found };
    }
  }
  const id = state.ctx.repo.generateId();
  touch(state, entry, `${type}/${id}`);
  state.refs.set(entry.index, `${type}/${id}`);
  return { kind: 'create', id };
}

async function planPutOrPatch(state: State, entry: ParsedEntry): Promise<Plan> {
  const type = entry.resourceType;
  const kind = entry.method === 'PATCH' ? 'patch' : 'update';
  if (entry.id !== undefined) {
    touch(state, entry, `${type}/${entry.id}`);
    return { kind, id: entry.id };
  }
  if (entry.criteria === undefined || entry.query.length === 0) {
    throw badRequest(`${entry.method} needs an id or conditional criteria in request.url`);
  }
  const found = await onlyMatch(state, type, entry.criteria);
  if (kind === 'patch') {
    if (found === undefined) {
      throw notFound(`No ${type} matches ${entry.criteria}`);
    }
    touch(state, entry, `${type}/${found.id}`);
    return { kind, id: found.id };
  }
  const bodyId = typeof entry.resource?.['id'] === 'string' ? entry.resource['id'] : undefined;
  if (found !== undefined) {
    if (bodyId !== undefined && bodyId !== found.id) {
      throw badRequest(`Body id '${bodyId}' differs from the matching resource ${type}/${found.id}`);
    }
    touch(state, entry, `${type}/${found.id}`);
    return { kind: 'update', id: found.id };
  }
  if (bodyId !== undefined && (await state.ctx.repo.exists(type, bodyId))) {
    throw FhirError.of(409, 'conflict', `No match for ${entry.criteria}, but ${type}/${bodyId} exists`);
  }
  const id = bodyId ?? state.ctx.repo.generateId();
  touch(state, entry, `${type}/${id}`);
  return { kind: 'create', id };
}

/** Rewrites references to other entries' fullUrls, and conditional references, to `Type/id`. */
async function resolveReferences(state: State, resource: FhirJson): Promise<FhirJson> {
  const resolved = await mapStrings(resource, async (value, key) => {
    const alias = state.aliases.get(value);
    if (key === 'reference' && alias !== undefined) {
      return alias;
    }
    if (key === 'reference' && value.startsWith('urn:')) {
      throw badRequest(`Reference '${value}' matches no fullUrl in this transaction`);
    }
    const conditional = key === 'reference' ? /^([A-Z][A-Za-z]+)\?(.+)$/.exec(value) : null;
    if (conditional?.[1] !== undefined && conditional[2] !== undefined) {
      const found = await onlyMatch(state, conditional[1], conditional[2]);
      if (found === undefined) {
        throw FhirError.of(412, 'not-found', `Conditional reference '${value}' matches no resource`);
      }
      return `${conditional[1]}/${found.id}`;
    }
    if (key === 'div' && value.includes('urn:')) {
      let div = value;
      for (const [fullUrl, ref] of state.aliases) {
        div = div.split(fullUrl).join(ref);
      }
      return div;
    }
    return value;
  });
  if (!isFhirJson(resolved)) {
    throw new Error('reference rewriting lost the resourceType');
  }
  return resolved;
}

async function execute(state: State, entry: ParsedEntry, prefer: string | undefined): Promise<FhirResult> {
  const { ctx } = state;
  const plan = state.plans.get(entry.index);
  const options = { prefer, write: entry.method === 'POST' ? ('create' as const) : ('update' as const) };
  if (plan?.kind === 'patch') {
    return patchById(ctx, entry.resourceType, plan.id, patchBody(entry), prefer);
  }
  if (plan?.kind === 'found') {
    return resourceResult(ctx, 200, plan.resource, options);
  }
  if (plan?.kind === 'same-as') {
    const ref = state.refs.get(plan.index) ?? '';
    const [type = '', id = ''] = ref.split('/');
    return resourceResult(ctx, 200, await ctx.repo.readResource<WithId<Resource>>(type, id), options);
  }
  if (plan === undefined || entry.resource === undefined) {
    throw badRequest(`${entry.method} entry has nothing to write`);
  }
  const resource = await resolveReferences(state, entry.resource);
  // A conditional PUT's body may omit the id; the match decided it. `PUT Type/id` must carry it (400 otherwise).
  const body = entry.id === undefined ? { ...resource, id: plan.id } : resource;
  const written =
    plan.kind === 'create'
      ? await createResource(ctx, body, plan.id)
      : await updateResource(ctx, body, plan.id, parseETag(entry.ifMatch));
  return resourceResult(ctx, written.status, written.resource, options);
}

/**
 * A FHIR transaction (http.html#transaction): all or nothing, entries processed as DELETE, POST, PUT/PATCH, then
 * GET/HEAD, `urn:uuid:` fullUrls resolved across entries, conditional creates, updates and references honoured.
 * Any failing entry undoes every write and answers that entry's status with an OperationOutcome naming it.
 */
export async function processTransaction(
  ctx: FhirContext,
  rawEntries: readonly unknown[],
  prefer: string | undefined,
): Promise<FhirResult> {
  const entries = rawEntries.map((raw, index) => parseEntry(ctx, raw, index));
  const fullUrls = entries.flatMap((e) => (e.fullUrl === undefined ? [] : [e.fullUrl]));
  if (new Set(fullUrls).size !== fullUrls.length) {
    throw badRequest('Two entries of the transaction share a fullUrl');
  }
  const state: State = {
    ctx,
    aliases: new Map(),
    touched: new Set(),
    conditions: new Map(),
    refs: new Map(),
    plans: new Map(),
    results: new Map(),
  };
  const ofMethod = (...methods: string[]): ParsedEntry[] => entries.filter((e) => methods.includes(e.method));
  // Every resource is checked before the first write, as a server parsing the whole Bundle first would.
  for (const entry of ofMethod('POST', 'PUT')) {
    if (entry.resource !== undefined) {
      const resource = entry.resource;
      await guarded(entry, () => {
        ctx.checkResource(resource);
      });
    }
  }
  return ctx.repo.atomically(async () => {
    for (const entry of ofMethod('DELETE')) {
      await guarded(entry, async () => {
        requireResourceType(entry.resourceType);
        if (entry.id !== undefined) {
          touch(state, entry, `${entry.resourceType}/${entry.id}`);
        }
        state.results.set(entry.index, await runInteraction(ctx, { ...entry, headers: {}, body: undefined }));
      });
    }
    for (const entry of [...ofMethod('POST'), ...ofMethod('PUT', 'PATCH')]) {
      await guarded(entry, async () => {
        requireResourceType(entry.resourceType);
        state.plans.set(
          entry.index,
          await (entry.method === 'POST' ? planPost : planPutOrPatch)(state, entry),
        );
      });
    }
    // One gap for all conditional entries, before the first write: others' requests may commit meanwhile. Not
    // after a DELETE was written, which real servers keep locked until the commit.
    const conditional = entries.some(
      (e) =>
        e.ifNoneExist !== undefined ||
        (e.id === undefined && e.criteria !== undefined && !['GET', 'HEAD'].includes(e.method)),
    );
    if (conditional && !ctx.repo.hasPendingWrites()) {
      await ctx.conditionalGap();
    }
    for (const entry of [...ofMethod('POST'), ...ofMethod('PUT', 'PATCH')]) {
      state.results.set(entry.index, await guarded(entry, () => execute(state, entry, prefer)));
    }
    for (const entry of ofMethod('GET', 'HEAD')) {
      const read = { ...entry, method: 'GET', headers: {}, body: undefined };
      state.results.set(entry.index, await guarded(entry, () => runInteraction(ctx, read)));
    }
    const includeResource = !/return=minimal/.test(prefer ?? '');
    const entry = entries.map((e) =>
      responseEntry(
        ctx,
        state.results.get(e.index) ?? { status: 500 },
        includeResource && e.method !== 'HEAD',
      ),
    );
    return { status: 200, body: { resourceType: 'Bundle', type: 'transaction-response', entry } };
  });
}
