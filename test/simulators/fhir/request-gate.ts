import { fhirSchemaErrors } from '../../support/fhir-schema.js';
import {
  badRequest,
  failureResult,
  FhirError,
  schemaFailure,
  type FhirJson,
  type FhirResult,
} from './outcomes.js';

const JSON_TYPES = /^application\/(fhir\+json|json|json-patch\+json)\b/i;
// Discovery stays open, as on real servers: a client needs it to learn where to get a token.
const PUBLIC_PATHS = new Set(['/metadata', '/.well-known/smart-configuration']);

export type BearerRule = readonly string[] | ((token: string) => boolean);

/** The body as JSON (or form text for `_search`), or the FhirError to answer when it is neither. */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) {
    return undefined;
  }
  const text = raw.toString('utf8');
  if (contentType?.startsWith('application/x-www-form-urlencoded') === true) {
    return text;
  }
  if (contentType !== undefined && !JSON_TYPES.test(contentType)) {
    return FhirError.of(
      415,
      'not-supported',
      `Unsupported Content-Type '${contentType}'; this server speaks JSON`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return badRequest('Request body is not valid JSON');
  }
}

/** Undefined when the request may proceed, else the 401 to answer (RFC 6750 §3 challenge included). */
export function checkBearer(
  rule: BearerRule | undefined,
  path: string,
  authorization: string | undefined,
): FhirResult | undefined {
  if (rule === undefined || PUBLIC_PATHS.has(path)) {
    return undefined;
  }
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  const accepted = token !== undefined && (typeof rule === 'function' ? rule(token) : rule.includes(token));
  if (accepted) {
    return undefined;
  }
  const challenge =
    token === undefined ? 'Bearer realm="fhir"' : 'Bearer realm="fhir", error="invalid_token"';
  const reason = token === undefined ? 'Bearer token required' : 'Bearer token not accepted';
  const { body } = failureResult(FhirError.of(401, 'login', reason));
  return { status: 401, body, headers: { 'WWW-Authenticate': challenge } };
}

/** Throws a 400 FhirError listing every R5 JSON-schema violation of the resource. */
export function checkR5Schema(json: FhirJson): void {
  let errors;
  try {
    errors = fhirSchemaErrors(json);
  } catch {
    throw badRequest(`${json.resourceType} is not an R5 resource type`);
  }
  if (errors.length > 0) {
    throw schemaFailure(json.resourceType, errors);
  }
}

/** The first schema compile takes ~1.5 s; paying it at start keeps it out of a client's first request timeout. */
export function warmUpSchema(): void {
  fhirSchemaErrors({ resourceType: 'Observation' });
}
