import { isResourceType, parseSearchRequest, type WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { FhirRouter } from '@medplum/fhir-router';
import {
  badRequest,
  FhirError,
  isFhirJson,
  multipleMatches,
  notFound,
  type FhirJson,
  type FhirResult,
  type Json,
} from './outcomes.js';
import type { R5MemoryRepository } from './r5-repository.js';
import { checkSearchQuery, FORMAT_PARAMETERS, normalizeQuery, toQueryRecord } from './search-params.js';

/** Everything an interaction needs from the server that runs it. */
export interface FhirContext {
  readonly repo: R5MemoryRepository;
  readonly router: FhirRouter;
  readonly baseUrl: string;
  /** Throws a 400 FhirError when the resource fails R5 validation (a no-op when validation is off). */
  checkResource(json: FhirJson): void;
  smartConfiguration(): Json | undefined;
  /** Between a conditional search and its write: lets other requests run in concurrent mode (RequestLock.gap). */
  conditionalGap(): Promise<void>;
}

// The two places R5 JSON crosses into Medplum's R4-typed API and back; the shapes are only ever passed through.
export const asResource = (json: FhirJson): Resource => json as unknown as Resource;
export const asJson = (resource: Resource): FhirJson => resource as unknown as FhirJson;

export function requireResourceType(resourceType: string): void {
  if (!isResourceType(resourceType)) {
    throw notFound(`Unknown resource type '${resourceType}' (this server knows the FHIR R5 resource types)`);
  }
}

export function requireBody(body: unknown, resourceType: string): FhirJson {
  if (!isFhirJson(body)) {
    throw badRequest(`Expected a ${resourceType} resource as the request body`);
  }
  if (body.resourceType !== resourceType) {
    throw badRequest(`Body is a ${body.resourceType}, the URL says ${resourceType}`);
  }
  return body;
}

/** Resources matching conditional criteria (`identifier=sys|val`); at most two, enough to tell 0 / 1 / many. */
export async function findMatches(
  ctx: FhirContext,
  resourceType: string,
  criteria: string,
): Promise<Array<WithId<Resource>>> {
  const entries = [...new URLSearchParams(criteria)].filter(([key]) => !FORMAT_PARAMETERS.has(key));
  if (entries.length === 0) {
    throw badRequest(`Conditional ${resourceType} operation without search criteria`);
  }
  checkSearchQuery(resourceType, entries, true);
  const request = parseSearchRequest(
    resourceType,
    toQueryRecord(normalizeQuery(resourceType, entries, ctx.baseUrl)),
  );
  request.count = 2;
  return ctx.repo.searchResources(request);
}

/** A copy fit for storing as a new resource: the server, not the client, assigns id, versionId and lastUpdated. */
export function prepareForCreate(json: FhirJson, id: string): Resource {
  const copy: Json = structuredClone(json);
  copy['id'] = id;
  const meta = copy['meta'];
  if (typeof meta === 'object' && meta !== null) {
    const { versionId: _v, lastUpdated: _l, ...rest } = meta as Json;
    if (Object.keys(rest).length === 0) {
      delete copy['meta'];
    } else {
      copy['meta'] = rest;
    }
  }
  return asResource({ ...copy, resourceType: json.resourceType });
}

export interface WriteOutcome {
  readonly status: 200 | 201;
  readonly resource: WithId<Resource>;
}

export async function createResource(ctx: FhirContext, json: FhirJson, id?: string): Promise<WriteOutcome> {
  const resource = await ctx.repo.createResource(prepareForCreate(json, id ?? ctx.repo.generateId()));
  return { status: 201, resource };
}

/** FHIR conditional create: 0 matches → create (201), 1 → that resource untouched (200), more → 412. */
export async function conditionalCreate(
  ctx: FhirContext,
  json: FhirJson,
  criteria: string,
): Promise<WriteOutcome> {
  const matches = await findMatches(ctx, json.resourceType, criteria);
  const [only, second] = matches;
  if (second !== undefined) {
    throw multipleMatches(`${json.resourceType}?${criteria}`);
  }
  if (only !== undefined) {
    return { status: 200, resource: only };
  }
  await ctx.conditionalGap();
  return createResource(ctx, json);
}

/** Update by id; creates (201) when the id is new, as FHIR's update-as-create. `ifMatch` is a version id. */
export async function updateResource(
  ctx: FhirContext,
  json: FhirJson,
  id: string,
  ifMatch?: string,
): Promise<WriteOutcome> {
  if (json['id'] !== id) {
    throw badRequest(`Resource id '${String(json['id'])}' does not match the id '${id}' in the URL`);
  }
  const existed = await ctx.repo.exists(json.resourceType, id);
  if (ifMatch !== undefined && !existed) {
    throw FhirError.of(412, 'conflict', `If-Match given but ${json.resourceType}/${id} does not exist`);
  }
  const options = ifMatch === undefined ? undefined : { ifMatch };
  const resource = await ctx.repo.updateResource(asResource(json), options);
  return { status: existed ? 200 : 201, resource };
}

/**
 * FHIR R5 conditional update (http.html#cond-update): no match → create (with the body's id if it has one and
 * that id is free, else 409); one match → update it (400 if the body names another id); more → 412.
 */
export async function conditionalUpdate(
  ctx: FhirContext,
  json: FhirJson,
  criteria: string,
): Promise<WriteOutcome> {
  const matches = await findMatches(ctx, json.resourceType, criteria);
  const [only, second] = matches;
  if (second !== undefined) {
    throw multipleMatches(`${json.resourceType}?${criteria}`);
  }
  const bodyId = typeof json['id'] === 'string' ? json['id'] : undefined;
  await ctx.conditionalGap();
  if (only === undefined) {
    if (bodyId !== undefined && (await ctx.repo.exists(json.resourceType, bodyId))) {
      throw FhirError.of(
        409,
        'conflict',
        `No match for ${criteria}, but ${json.resourceType}/${bodyId} exists`,
      );
    }
    return createResource(ctx, json, bodyId);
  }
  if (bodyId !== undefined && bodyId !== only.id) {
    throw badRequest(
      `Body id '${bodyId}' differs from the matching resource ${json.resourceType}/${only.id}`,
    );
  }
  return updateResource(ctx, { ...json, id: only.id }, only.id);
}

/** `W/"3"` or `"3"` → `3`. */
export function parseETag(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const match = /^(?:W\/)?"([^"]+)"$/.exec(header.trim());
  if (match?.[1] === undefined) {
    throw badRequest(`Malformed If-Match header '${header}'`);
  }
  return match[1];
}

export const versionIdOf = (resource: Resource): string => resource.meta?.versionId ?? '';
export const relativeUrlOf = (resource: WithId<Resource>): string =>
  `${resource.resourceType}/${resource.id}/_history/${versionIdOf(resource)}`;

/**
 * HTTP answer for a resource, with the headers FHIR specifies (http.html#create, #versioning): Location on a
 * create (and on a conditional create that found its match), Content-Location on other writes.
 */
export function resourceResult(
  ctx: FhirContext,
  status: number,
  resource: WithId<Resource>,
  options: { readonly prefer?: string | undefined; readonly write?: 'create' | 'update' } = {},
): FhirResult {
  const headers: Record<string, string> = { ETag: `W/"${versionIdOf(resource)}"` };
  if (options.write !== undefined) {
    const location = `${ctx.baseUrl}/${relativeUrlOf(resource)}`;
    headers[options.write === 'create' || status === 201 ? 'Location' : 'Content-Location'] = location;
  }
  const lastUpdated = resource.meta?.lastUpdated;
  if (lastUpdated !== undefined) {
    headers['Last-Modified'] = new Date(lastUpdated).toUTCString();
  }
  const minimal = options.write !== undefined && /return=minimal/.test(options.prefer ?? '');
  return minimal ? { status, headers } : { status, headers, body: resource };
}
