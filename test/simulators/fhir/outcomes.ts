import { STATUS_CODES } from 'node:http';
import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ErrorObject } from 'ajv';

export type Json = Record<string, unknown>;
/** A FHIR resource as JSON: the test server stores R5 verbatim, so Medplum's R4 interfaces never describe it. */
export type FhirJson = { readonly resourceType: string } & Json;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isFhirJson = (v: unknown): v is FhirJson => isObject(v) && typeof v['resourceType'] === 'string';

/** What one interaction answers, before it is written to HTTP or into a response Bundle entry. */
export interface FhirResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface OutcomeIssue {
  readonly code: string;
  readonly diagnostics: string;
  readonly expression?: readonly string[];
}

export function operationOutcome(issues: readonly OutcomeIssue[], severity = 'error'): FhirJson {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity,
      code: i.code,
      diagnostics: i.diagnostics,
      ...(i.expression === undefined ? {} : { expression: [...i.expression] }),
    })),
  };
}

// Medplum's router turns anything thrown into the thrown error's own outcome object, and maps outcome to status
// by its id; remembering the status per outcome object lets ours survive the trip through the router intact.
const statusOfOutcome = new WeakMap<object, number>();

/** An interaction failure carrying the HTTP status and the OperationOutcome a FHIR server would answer. */
export class FhirError extends OperationOutcomeError {
  constructor(
    readonly status: number,
    outcome: FhirJson,
  ) {
    // Medplum types outcomes as R4; an R5 OperationOutcome has the same shape for everything used here.
    super(outcome as unknown as OperationOutcome);
    statusOfOutcome.set(this.outcome, status);
  }

  static of(status: number, code: string, diagnostics: string, expression?: readonly string[]): FhirError {
    const issue = expression === undefined ? { code, diagnostics } : { code, diagnostics, expression };
    return new FhirError(status, operationOutcome([issue]));
  }
}

/** The status for an outcome from Medplum or from a FhirError that went through Medplum's router. */
export function statusOf(outcome: OperationOutcome): number {
  return statusOfOutcome.get(outcome) ?? getStatus(outcome);
}

/** The outcome as a server sends it: Medplum's status-coding ids ('not-found', 'gone'…) removed. */
export function outcomeJson(outcome: OperationOutcome): FhirJson {
  const json: Json = { ...outcome };
  delete json['id'];
  return { ...json, resourceType: 'OperationOutcome' };
}

export const badRequest = (diagnostics: string, expression?: readonly string[]): FhirError =>
  FhirError.of(400, 'invalid', diagnostics, expression);
export const notFound = (diagnostics: string): FhirError => FhirError.of(404, 'not-found', diagnostics);
export const multipleMatches = (criteria: string): FhirError =>
  FhirError.of(412, 'multiple-matches', `More than one resource matches ${criteria}`);

/** Maps anything thrown (ours, Medplum's OperationOutcomeError, a bug) to a status and an outcome. */
export function toFailure(err: unknown): { status: number; outcome: FhirJson } {
  if (err instanceof OperationOutcomeError) {
    return { status: statusOf(err.outcome), outcome: outcomeJson(err.outcome) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, outcome: operationOutcome([{ code: 'exception', diagnostics: message }]) };
}

export function failureResult(err: unknown): FhirResult {
  const { status, outcome } = toFailure(err);
  return { status, body: outcome };
}

/** 400 with one issue per JSON-schema violation, each pointing at the offending element. */
export function schemaFailure(resourceType: string, errors: readonly ErrorObject[]): FhirError {
  const issues = errors.map((e) => {
    const path = e.instancePath
      .split('/')
      .filter(Boolean)
      .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
      .join('');
    const expression = `${resourceType}${path}`;
    return {
      code: 'structure',
      diagnostics: `${e.instancePath || '/'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`,
      expression: [expression],
    };
  });
  return new FhirError(400, operationOutcome(issues));
}

/** `201 Created` — the form Bundle.entry.response.status takes. */
export const statusLine = (status: number): string => `${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
