import type { Json } from './outcomes.js';

/** What a FHIR server's `.well-known/smart-configuration` says about its authorization server. */
export interface SmartConfigurationOptions {
  readonly tokenEndpoint: string;
  /** Default: the Open Health Exchange publisher's system scopes plus `system/*.cruds`. */
  readonly scopesSupported?: readonly string[];
  /** Default `['private_key_jwt']`. */
  readonly tokenEndpointAuthMethods?: readonly string[];
}

export const SMART_SIGNING_ALGORITHMS = ['RS384', 'ES384'] as const;

export const DEFAULT_SMART_SCOPES: readonly string[] = [
  'system/Observation.cu',
  'system/Device.cu',
  'system/DeviceAssociation.cu',
  'system/DiagnosticReport.cu',
  'system/Patient.rs',
  'system/*.cruds',
];

/** The discovery document of SMART App Launch 2.2 (conformance.html#metadata), backend-services subset. */
export function smartConfigurationDocument(options: SmartConfigurationOptions): Json {
  return {
    token_endpoint: options.tokenEndpoint,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: [...(options.tokenEndpointAuthMethods ?? ['private_key_jwt'])],
    token_endpoint_auth_signing_alg_values_supported: [...SMART_SIGNING_ALGORITHMS],
    scopes_supported: [...(options.scopesSupported ?? DEFAULT_SMART_SCOPES)],
    capabilities: ['client-confidential-asymmetric', 'permission-v2'],
  };
}

/**
 * Where a SmartAuthServer started with `fhirBaseUrl` announces itself, and where a FhirTestServer in the same
 * process looks when it was given no explicit `smartConfiguration`. Either server may start first: the lookup
 * happens per discovery request.
 */
const registry = new Map<string, SmartConfigurationOptions>();

export const smartRegistry = {
  register(fhirBaseUrl: string, options: SmartConfigurationOptions): void {
    registry.set(fhirBaseUrl.replace(/\/+$/, ''), options);
  },
  unregister(fhirBaseUrl: string, options: SmartConfigurationOptions): void {
    const key = fhirBaseUrl.replace(/\/+$/, '');
    if (registry.get(key) === options) {
      registry.delete(key);
    }
  },
  lookup(fhirBaseUrl: string): SmartConfigurationOptions | undefined {
    return registry.get(fhirBaseUrl);
  },
};
