import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { globalSchema, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';

const require = createRequire(import.meta.url);
let loaded = false;

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

// Medplum's types describe R4; these bundles carry R5 definitions, which its indexers read by shape alone.
function collection<T extends Resource>(resources: Array<Record<string, unknown>>): Bundle<T> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((resource) => ({ resource: resource as unknown as T })),
  };
}

/** Splits a FHIRPath expression at its top-level `|` unions, leaving parentheses and string literals whole. */
export function splitUnion(expression: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < expression.length; i++) {
    const c = expression.charAt(i);
    if (quoted) {
      quoted = c !== "'" || expression.charAt(i - 1) === '\\';
    } else if (c === "'") {
      quoted = true;
    } else if (c === '(' || c === '[') {
      depth++;
    } else if (c === ')' || c === ']') {
      depth--;
    } else if (c === '|' && depth === 0) {
      terms.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  terms.push(current.trim());
  return terms;
}

/**
 * R5 shares one SearchParameter across many types (`identifier` is a union over ~100 of them), and Medplum
 * evaluates the whole union against every stored resource on every search: with a few hundred Observations a
 * conditional create took a quarter of a second. Each type gets a copy holding only its own terms.
 */
function narrowSharedSearchParameters(): void {
  for (const [type, schema] of Object.entries(globalSchema.types)) {
    const params = schema.searchParams ?? {};
    for (const [code, param] of Object.entries(params)) {
      const terms = splitUnion(param.expression ?? '');
      const own = terms.filter((t) => new RegExp(`^\\(?${type}[.(]`).test(t) || t === type);
      if (terms.length > 1 && own.length > 0 && own.length < terms.length) {
        params[code] = { ...param, expression: own.join(' | ') };
      }
    }
  }
}

/**
 * Teaches @medplum/core the R5 resource types and search parameters from hl7.fhir.r5.core. Without them
 * Medplum knows only R4, so an R5-only type such as DeviceAssociation is stored but never found by search and
 * conditional creates silently duplicate. Medplum's schema registry is global, hence once per process (~1 s).
 */
export function loadR5Definitions(): void {
  if (loaded) {
    return;
  }
  const dir = dirname(require.resolve('hl7.fhir.r5.core/package.json'));
  const structureDefinitions: Array<Record<string, unknown>> = [];
  const searchParameters: Array<Record<string, unknown>> = [];
  for (const file of readdirSync(dir)) {
    if (file.startsWith('StructureDefinition-')) {
      const sd = readJson(join(dir, file));
      // Logical models and profiles would overwrite the base types they constrain.
      if (sd['kind'] !== 'logical' && sd['derivation'] !== 'constraint') {
        structureDefinitions.push(sd);
      }
    } else if (file.startsWith('SearchParameter-')) {
      searchParameters.push(readJson(join(dir, file)));
    }
  }
  // Structure definitions first: indexing them installs each type's default _id/_lastUpdated parameters.
  indexStructureDefinitionBundle(collection(structureDefinitions));
  indexSearchParameterBundle(collection(searchParameters));
  narrowSharedSearchParameters();
  loaded = true;
}
