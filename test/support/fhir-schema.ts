import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Validates resources against the official FHIR R5 JSON schema (hl7.fhir.r5.core, openapi/fhir.schema.json).
 * It catches unknown elements, wrong types, missing required elements and malformed dates, not code values:
 * tests assert codes explicitly. Compiled validators are cached per process (compiling takes a second or two).
 */
export type FhirJson = { readonly resourceType: string } & Record<string, unknown>;

const require = createRequire(import.meta.url);
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv === undefined) {
    const schema = JSON.parse(
      readFileSync(require.resolve('hl7.fhir.r5.core/openapi/fhir.schema.json'), 'utf8'),
    ) as Record<string, unknown>;
    delete schema['id'];
    // unicodeRegExp off: the R5 decimal pattern has a stray '}' that unicode-mode regexes reject.
    ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as Record<string, unknown>);
    ajv.addSchema(schema, 'fhir5');
  }
  return ajv;
}

export function fhirSchemaErrors(resource: FhirJson): ErrorObject[] {
  let validate = validators.get(resource.resourceType);
  if (validate === undefined) {
    validate = instance().getSchema(`fhir5#/definitions/${resource.resourceType}`);
    if (validate === undefined) {
      throw new Error(`no R5 schema for ${resource.resourceType}`);
    }
    validators.set(resource.resourceType, validate);
  }
  return validate(resource) ? [] : [...(validate.errors ?? [])];
}

/** Throws with every schema violation listed when the resource is not valid R5 JSON. */
export function assertValidR5(resource: FhirJson): void {
  const errors = fhirSchemaErrors(resource);
  if (errors.length > 0) {
    const lines = errors.map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
    throw new Error(`${resource.resourceType} is not valid FHIR R5:\n${lines.join('\n')}`);
  }
}
