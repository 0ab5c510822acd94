import { getSearchParameter } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { badRequest } from './outcomes.js';
import { parseTokenValue, splitOnUnescapedComma } from './token-search.js';

export type QueryEntries = ReadonlyArray<readonly [string, string]>;

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;

// Result parameters the in-memory repository honours; _include, _elements and friends it would silently ignore.
const RESULT_PARAMETERS = new Set(['_count', '_offset', '_sort', '_total', '_summary', '_format', '_pretty']);
/** Parameters about the response's format, which some clients append to every URL; they select nothing. */
export const FORMAT_PARAMETERS = new Set(['_format', '_pretty']);

function splitKey(key: string): { code: string; modifier: string | undefined } {
  const colon = key.indexOf(':');
  return colon < 0
    ? { code: key, modifier: undefined }
    : { code: key.slice(0, colon), modifier: key.slice(colon + 1) };
}

function modifierAllowed(param: SearchParameter, modifier: string): boolean {
  if (modifier === 'missing') {
    return true;
  }
  if (param.type === 'token') {
    return modifier === 'not';
  }
  return param.type === 'reference' && (param.target ?? []).some((t) => t === modifier);
}

function checkResultParameter(key: string, value: string): void {
  if ((key === '_count' || key === '_offset') && !/^\d+$/.test(value)) {
    throw badRequest(`${key} must be a non-negative integer, got '${value}'`);
  }
  if (key === '_summary' && value !== 'count' && value !== 'false') {
    throw badRequest(`_summary=${value} is not supported by this test server (only count)`);
  }
}

/**
 * Rejects what a strict FHIR server rejects (search.html#errors, `Prefer: handling=strict`): unknown parameters,
 * unsupported modifiers, chains and malformed tokens. Medplum would match nothing for an unknown parameter, so a
 * typo in a conditional create's criteria would silently create a duplicate every time.
 * Conditional criteria take no result parameters at all.
 */
export function checkSearchQuery(resourceType: string, entries: QueryEntries, conditional: boolean): void {
  for (const [key, value] of entries) {
    if (RESULT_PARAMETERS.has(key)) {
      if (conditional && !FORMAT_PARAMETERS.has(key)) {
        throw badRequest(`${key} has no meaning in conditional criteria`);
      }
      checkResultParameter(key, value);
      continue;
    }
    if (key.includes('.') || key.startsWith('_has')) {
      throw badRequest(`Chained and reverse-chained search is not supported by this test server: ${key}`);
    }
    const { code, modifier } = splitKey(key);
    const param = getSearchParameter(resourceType, code);
    if (param === undefined) {
      throw badRequest(`Unknown search parameter '${code}' for resource type ${resourceType}`);
    }
    if (modifier !== undefined && !modifierAllowed(param, modifier)) {
      throw badRequest(
        `Modifier ':${modifier}' is not supported on ${resourceType}.${code} by this test server`,
      );
    }
    if (param.type === 'token' && modifier !== 'missing') {
      splitOnUnescapedComma(value).forEach(parseTokenValue);
    }
  }
}

function normalizeReference(
  param: SearchParameter,
  typeModifier: string | undefined,
  raw: string,
  base: string,
): string {
  return splitOnUnescapedComma(raw)
    .flatMap((value) => {
      const relative = value.startsWith(`${base}/`) ? value.slice(base.length + 1) : value;
      if (relative.includes('/')) {
        return [relative];
      }
      // A bare id means "this id in any of the parameter's target types" (search.html#reference).
      const types = typeModifier === undefined ? (param.target ?? []) : [typeModifier];
      return types.length === 0 ? [relative] : types.map((t) => `${t}/${relative}`);
    })
    .join(',');
}

/**
 * Rewrites reference parameters into the `Type/id` form Medplum's matcher compares against: absolute URLs on this
 * server, bare ids and `subject:Patient=123` type modifiers. Everything else passes through untouched.
 */
export function normalizeQuery(resourceType: string, entries: QueryEntries, baseUrl: string): QueryEntries {
  return entries.map(([key, value]) => {
    const { code, modifier } = splitKey(key);
    const param = getSearchParameter(resourceType, code);
    if (param?.type !== 'reference' || modifier === 'missing') {
      return [key, value] as const;
    }
    return [code, normalizeReference(param, modifier, value, baseUrl)] as const;
  });
}

export function toQueryRecord(entries: QueryEntries): Record<string, string[]> {
  const record: Record<string, string[]> = {};
  for (const [key, value] of entries) {
    (record[key] ??= []).push(value);
  }
  return record;
}

export function queryString(entries: QueryEntries): string {
  return new URLSearchParams(entries.map(([k, v]): [string, string] => [k, v])).toString();
}

/** Escapes `\ | , $` so a system or value is taken literally inside a token search parameter. */
export const escapeTokenPart = (part: string): string => part.replace(/[\\|,$]/g, (c) => `\\${c}`);
