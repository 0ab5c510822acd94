import type { WithId } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { HttpMethod } from '@medplum/fhir-router';
import { capabilityStatement } from './capability.js';
import {
  badRequest,
  FhirError,
  failureResult,
  multipleMatches,
  notFound,
  operationOutcome,
  outcomeJson,
  statusOf,
  type FhirResult,
} from './outcomes.js';
import {
  conditionalCreate,
  conditionalUpdate,
  createResource,
  findMatches,
  parseETag,
  requireBody,
  requireResourceType,
  resourceResult,
  updateResource,
  type FhirContext,
} from './resource-ops.js';
import { queryString, toQueryRecord, type QueryEntries } from './search-params.js';
import { searchset } from './searchset.js';

/** One FHIR interaction, from HTTP or from a Bundle entry. */
export interface InteractionRequest {
  readonly method: string;
  /** Relative to the FHIR base, without query: `Observation/123/_history/2`. */
  readonly path: string;
  readonly query: QueryEntries;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
}

/** Calls Medplum's router and turns its [outcome, resource] answer into a resource or a thrown FhirError. */
export async function viaRouter(
  ctx: FhirContext,
  method: HttpMethod,
  url: string,
  extra: { readonly query?: Record<string, string[]>; readonly body?: unknown } = {},
): Promise<Resource | undefined> {
  const [outcome, resource] = await ctx.router.handleRequest(
    { method, url, pathname: '', params: {}, query: extra.query ?? {}, body: extra.body, config: {} },
    ctx.repo,
  );
  const status = statusOf(outcome);
  if (status >= 400) {
    throw new FhirError(status, outcomeJson(outcome));
  }
  return resource;
}

async function readById(ctx: FhirContext, url: string): Promise<FhirResult> {
  const resource = (await viaRouter(ctx, 'GET', url)) as WithId<Resource> | undefined;
  if (resource === undefined) {
    throw notFound(`${url} not found`);
  }
  return resourceResult(ctx, 200, resource);
}

async function deleteById(ctx: FhirContext, resourceType: string, id: string): Promise<FhirResult> {
  await viaRouter(ctx, 'DELETE', `${resourceType}/${id}`);
  const body = operationOutcome(
    [{ code: 'informational', diagnostics: `Deleted ${resourceType}/${id}` }],
    'information',
  );
  return { status: 200, body };
}

export async function patchById(
  ctx: FhirContext,
  resourceType: string,
  id: string,
  patch: unknown,
  prefer?: string,
): Promise<FhirResult> {
  if (!Array.isArray(patch)) {
    throw FhirError.of(415, 'not-supported', 'Only JSON Patch (application/json-patch+json) is supported');
  }
  const resource = (await viaRouter(ctx, 'PATCH', `${resourceType}/${id}`, {
    body: patch,
  })) as WithId<Resource>;
  return resourceResult(ctx, 200, resource, { prefer, write: 'update' });
}

async function onlyMatch(
  ctx: FhirContext,
  resourceType: string,
  query: QueryEntries,
): Promise<string | undefined> {
  const criteria = queryString(query);
  const [only, second] = await findMatches(ctx, resourceType, criteria);
  if (second !== undefined) {
    throw multipleMatches(`${resourceType}?${criteria}`);
  }
  return only?.id;
}

async function search(ctx: FhirContext, resourceType: string, query: QueryEntries): Promise<FhirResult> {
  const { request, links } = searchset.prepare(ctx, resourceType, query);
  const bundle = (await viaRouter(ctx, 'GET', resourceType, { query: toQueryRecord(request) })) as Bundle;
  return { status: 200, body: searchset.finish(ctx, bundle, links) };
}

/** `If-None-Exist` may arrive as `identifier=…`, `?identifier=…` or `Observation?identifier=…`. */
export const criteriaOf = (resourceType: string, header: string): string =>
  header.replace(new RegExp(`^(${resourceType})?\\?`), '');

async function onType(ctx: FhirContext, req: InteractionRequest, resourceType: string): Promise<FhirResult> {
  const prefer = req.headers['prefer'];
  switch (req.method) {
    case 'GET':
      return search(ctx, resourceType, req.query);
    case 'POST': {
      const json = requireBody(req.body, resourceType);
      const ifNoneExist = req.headers['if-none-exist'];
      const result =
        ifNoneExist === undefined
          ? await createResource(ctx, json)
          : await conditionalCreate(ctx, json, criteriaOf(resourceType, ifNoneExist));
      return resourceResult(ctx, result.status, result.resource, { prefer, write: 'create' });
    }
    case 'PUT': {
      if (req.query.length === 0) {
        throw badRequest('PUT needs an id in the URL or conditional criteria');
      }
      const result = await conditionalUpdate(
        ctx,
        requireBody(req.body, resourceType),
        queryString(req.query),
      );
      return resourceResult(ctx, result.status, result.resource, { prefer, write: 'update' });
    }
    case 'DELETE': {
      const id = await onlyMatch(ctx, resourceType, req.query);
      return id === undefined ? { status: 204 } : deleteById(ctx, resourceType, id);
    }
    case 'PATCH': {
      const id = await onlyMatch(ctx, resourceType, req.query);
      if (id === undefined) {
        throw notFound(`No ${resourceType} matches ${queryString(req.query)}`);
      }
      return patchById(ctx, resourceType, id, req.body, prefer);
    }
    default:
      throw FhirError.of(405, 'not-supported', `${req.method} is not allowed on ${resourceType}`);
  }
}

async function onInstance(
  ctx: FhirContext,
  req: InteractionRequest,
  type: string,
  id: string,
): Promise<FhirResult> {
  const prefer = req.headers['prefer'];
  switch (req.method) {
    case 'GET':
      return readById(ctx, `${type}/${id}`);
    case 'PUT': {
      const json = requireBody(req.body, type);
      const result = await updateResource(ctx, json, id, parseETag(req.headers['if-match']));
      return resourceResult(ctx, result.status, result.resource, { prefer, write: 'update' });
    }
    case 'DELETE':
      return deleteById(ctx, type, id);
    case 'PATCH':
      return patchById(ctx, type, id, req.body, prefer);
    default:
      throw FhirError.of(405, 'not-supported', `${req.method} is not allowed on ${type}/${id}`);
  }
}

/** Runs one interaction; throws FhirError (or Medplum's OperationOutcomeError) on failure. */
export async function runInteraction(ctx: FhirContext, req: InteractionRequest): Promise<FhirResult> {
  const segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third, fourth] = segments;
  if (first === undefined) {
    throw badRequest('Bundles are POSTed to the base; nothing else is served there');
  }
  if (req.method === 'GET' && segments.length === 1 && first === 'metadata') {
    return { status: 200, body: capabilityStatement(ctx) };
  }
  if (
    req.method === 'GET' &&
    first === '.well-known' &&
    second === 'smart-configuration' &&
    third === undefined
  ) {
    const body = ctx.smartConfiguration();
    return body === undefined
      ? failureResult(notFound('No SMART authorization server is configured'))
      : { status: 200, body };
  }
  requireResourceType(first);
  if (second === undefined) {
    return onType(ctx, req, first);
  }
  if (second === '_search' && third === undefined && req.method === 'POST') {
    const form = typeof req.body === 'string' ? [...new URLSearchParams(req.body)] : [];
    return search(ctx, first, [...req.query, ...form]);
  }
  if (third === undefined) {
    return onInstance(ctx, req, first, second);
  }
  if (third === '_history' && req.method === 'GET' && segments.length <= 4) {
    const history = `${first}/${second}/_history`;
    if (fourth !== undefined) {
      return readById(ctx, `${history}/${fourth}`);
    }
    const bundle = await viaRouter(ctx, 'GET', history, { query: toQueryRecord(req.query) });
    return { status: 200, body: bundle };
  }
  throw notFound(`No route for ${req.method} ${req.path}`);
}

/** Runs one interaction atomically and answers failures as OperationOutcomes instead of throwing. */
export async function handleInteraction(ctx: FhirContext, req: InteractionRequest): Promise<FhirResult> {
  try {
    return await ctx.repo.atomically(() => runInteraction(ctx, req));
  } catch (err) {
    return failureResult(err);
  }
}
