import {
  evalFhirPathTyped,
  parseFhirPath,
  toTypedValue,
  type FhirPathAtom,
  type TypedValue,
} from '@medplum/core';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { badRequest } from './outcomes.js';

/**
 * FHIR token search (search.html#token) done to the letter, because Medplum's matcher splits on every `|` and
 * lowercases: an identifier value containing `|`, or differing only in case, would then alias another one and
 * a conditional create would silently duplicate or overwrite. Here the first unescaped `|` separates system and
 * code, `\` escapes `\ , $ |`, and systems and codes compare exactly.
 */
export type TokenCriterion =
  | { readonly kind: 'code'; readonly code: string }
  | { readonly kind: 'system'; readonly system: string }
  | { readonly kind: 'system-code'; readonly system: string; readonly code: string }
  | { readonly kind: 'no-system'; readonly code: string };

export interface ResourceToken {
  readonly system: string | undefined;
  readonly code: string | undefined;
}

const ESCAPABLE = new Set(['\\', ',', '$', '|']);

/** Splits a parameter value on unescaped `,` (OR), leaving escapes in place for the token split. */
export function splitOnUnescapedComma(raw: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === '\\' && i + 1 < raw.length) {
      current += c + raw.charAt(i + 1);
      i++;
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    const next = raw.charAt(i + 1);
    if (c === '\\' && ESCAPABLE.has(next)) {
      out += next;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function firstUnescapedBar(raw: string): number {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === '\\') {
      i++;
    } else if (c === '|') {
      return i;
    }
  }
  return -1;
}

/** Parses one (already comma-split) token value; throws a 400 outcome for a bare `|` or an empty value. */
export function parseTokenValue(raw: string): TokenCriterion {
  const bar = firstUnescapedBar(raw);
  if (bar < 0) {
    if (raw === '') {
      throw badRequest('Empty token search value');
    }
    return { kind: 'code', code: unescape(raw) };
  }
  const system = unescape(raw.slice(0, bar));
  const code = unescape(raw.slice(bar + 1));
  if (system === '' && code === '') {
    throw badRequest(`Token search value '${raw}' has neither system nor code`);
  }
  if (system === '') {
    return { kind: 'no-system', code };
  }
  return code === '' ? { kind: 'system', system } : { kind: 'system-code', system, code };
}

export function tokenMatches(token: ResourceToken, criterion: TokenCriterion): boolean {
  switch (criterion.kind) {
    case 'code':
      return token.code === criterion.code;
    case 'system':
      return token.system === criterion.system;
    case 'system-code':
      return token.system === criterion.system && token.code === criterion.code;
    case 'no-system':
      return token.system === undefined && token.code === criterion.code;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function codingTokens(coding: unknown): ResourceToken[] {
  return isObject(coding) ? [{ system: str(coding['system']), code: str(coding['code']) }] : [];
}

function conceptTokens(concept: unknown): ResourceToken[] {
  const codings = isObject(concept) ? concept['coding'] : undefined;
  return Array.isArray(codings) ? codings.flatMap(codingTokens) : [];
}

// Only system and code/value take part: Medplum also indexes display and text, which token search must not match.
function tokensOfValue(typed: TypedValue): ResourceToken[] {
  const value: unknown = typed.value;
  switch (typed.type) {
    case 'Identifier':
      return isObject(value) ? [{ system: str(value['system']), code: str(value['value']) }] : [];
    case 'Coding':
      return codingTokens(value);
    case 'CodeableConcept':
      return conceptTokens(value);
    case 'CodeableReference':
      return isObject(value) ? conceptTokens(value['concept']) : [];
    case 'ContactPoint':
      return isObject(value) ? [{ system: undefined, code: str(value['value']) }] : [];
    default:
      return typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number'
        ? [{ system: undefined, code: String(value) }]
        : [];
  }
}

// Parsing is most of the cost: R5's shared parameters (identifier, code…) are unions over ~100 resource types.
const parsed = new Map<string, FhirPathAtom>();

function compiled(expression: string): FhirPathAtom {
  let atom = parsed.get(expression);
  if (atom === undefined) {
    atom = parseFhirPath(expression);
    parsed.set(expression, atom);
  }
  return atom;
}

// Stored versions never change, so their tokens are computed once per version object and parameter.
const tokenCache = new WeakMap<object, Map<string, ResourceToken[]>>();

export function resourceTokens(resource: Resource, param: SearchParameter): ResourceToken[] {
  const expression = param.expression;
  if (expression === undefined) {
    return [];
  }
  const perResource = tokenCache.get(resource) ?? new Map<string, ResourceToken[]>();
  tokenCache.set(resource, perResource);
  let tokens = perResource.get(expression);
  if (tokens === undefined) {
    tokens = evalFhirPathTyped(compiled(expression), [toTypedValue(resource)])
      .flatMap(tokensOfValue)
      .filter((t) => t.code !== undefined || t.system !== undefined);
    perResource.set(expression, tokens);
  }
  return tokens;
}

/** A predicate: does any of the resource's tokens for the parameter match any of the OR-ed values? */
export function tokenFilter(param: SearchParameter, rawValue: string): (resource: Resource) => boolean {
  const criteria = splitOnUnescapedComma(rawValue).map(parseTokenValue);
  return (resource) =>
    resourceTokens(resource, param).some((token) => criteria.some((c) => tokenMatches(token, c)));
}
