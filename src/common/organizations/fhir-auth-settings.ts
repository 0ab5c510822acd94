import { DEFAULT_FHIR_SCOPES } from '../../config/env.schema.js';
import { normalizePrivateKey, signingAlgFor, type FhirAuthConfig } from '../../config/app-config.js';
import type { FhirAuthKind } from './organization.entity.js';

/**
 * An organization's FHIR auth settings as the API takes them (snake_case, like the rest of the API) and as they
 * are sealed at rest: the whole document is secret material, client ids and token URLs included, since nothing
 * but the publisher needs them.
 */
export interface FhirAuthSettings {
  readonly header?: string;
  readonly value?: string;
  readonly client_id?: string;
  readonly client_secret?: string;
  readonly private_key?: string;
  readonly key_id?: string;
  readonly signing_alg?: string;
  readonly token_url?: string;
  readonly scopes?: string;
}

const REQUIRED: Readonly<Record<FhirAuthKind, readonly (keyof FhirAuthSettings)[]>> = {
  none: [],
  static_header: ['value'],
  client_credentials: ['client_id', 'client_secret'],
  smart_backend: ['client_id', 'private_key', 'key_id'],
};

/** The problems of a settings document for this kind, per field (empty when it can be used). */
export function fhirAuthProblems(kind: FhirAuthKind, settings: FhirAuthSettings): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  for (const field of REQUIRED[kind]) {
    const value = settings[field];
    if (typeof value !== 'string' || value.trim() === '') {
      problems[`fhir_auth.${field}`] = [`Required when fhir_auth.kind is ${kind}.`];
    }
  }
  if (settings.token_url !== undefined && !/^https?:\/\//.test(settings.token_url)) {
    problems['fhir_auth.token_url'] = ['Must be an http(s) URL.'];
  }
  if (settings.signing_alg !== undefined && algOf(settings.signing_alg) === undefined) {
    problems['fhir_auth.signing_alg'] = ['Must be RS384 or ES384.'];
  }
  if (kind === 'smart_backend' && settings.private_key !== undefined) {
    const alg = signingAlgFor(normalizePrivateKey(settings.private_key), algOf(settings.signing_alg));
    if (typeof alg !== 'string') {
      problems['fhir_auth.private_key'] = [alg.problem.replace('FHIR_PRIVATE_KEY', 'private_key')];
    }
  }
  return problems;
}

/** The FhirAuth configuration for checked settings (see fhirAuthProblems). */
export function toFhirAuthConfig(kind: FhirAuthKind, s: FhirAuthSettings): FhirAuthConfig {
  const scopes = (s.scopes ?? DEFAULT_FHIR_SCOPES).trim().split(/\s+/).join(' ');
  switch (kind) {
    case 'none':
      return { mode: 'none' };
    case 'static_header': {
      const header = s.header ?? 'Authorization';
      const value = (s.value ?? '').trim();
      // As with FHIR_AUTH_TOKEN: a bare token in Authorization is meant as a bearer token.
      const bare = header.toLowerCase() === 'authorization' && !/\s/.test(value);
      return { mode: 'static', header, value: bare ? `Bearer ${value}` : value };
    }
    case 'client_credentials':
      return {
        mode: 'client_credentials',
        tokenUrl: s.token_url,
        clientId: s.client_id ?? '',
        clientSecret: s.client_secret ?? '',
        scopes,
      };
    case 'smart_backend': {
      const privateKey = normalizePrivateKey(s.private_key ?? '');
      const alg = signingAlgFor(privateKey, algOf(s.signing_alg));
      return {
        mode: 'smart_backend',
        tokenUrl: s.token_url,
        clientId: s.client_id ?? '',
        privateKey,
        keyId: s.key_id ?? '',
        signingAlg: typeof alg === 'string' ? alg : 'RS384',
        scopes,
      };
    }
  }
}

function algOf(value: string | undefined): 'RS384' | 'ES384' | undefined {
  return value === 'RS384' || value === 'ES384' ? value : undefined;
}
