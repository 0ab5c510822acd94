import type { FhirConfig } from '../../config/app-config.js';
import { FhirAuth, NoFhirAuth, StaticFhirAuth } from './fhir-auth.js';
import { ClientCredentialsFhirAuth, SmartBackendFhirAuth } from './oauth-fhir-auth.js';
import { TokenEndpointClient } from './token-endpoint.client.js';

/** The FhirAuth for FHIR_AUTH_MODE; the settings were checked by loadConfig, so this cannot half-succeed. */
export function createFhirAuth(fhir: FhirConfig, now?: () => number): FhirAuth {
  const auth = fhir.auth;
  switch (auth.mode) {
    case 'none':
      return new NoFhirAuth();
    case 'static':
      return new StaticFhirAuth(auth.header, auth.value);
    case 'client_credentials':
      return new ClientCredentialsFhirAuth(
        new TokenEndpointClient(fhir.timeoutMs),
        { tokenUrl: auth.tokenUrl, fhirBaseUrl: fhir.baseUrl, scopes: auth.scopes },
        auth.clientId,
        auth.clientSecret,
        now,
      );
    case 'smart_backend':
      return new SmartBackendFhirAuth(
        new TokenEndpointClient(fhir.timeoutMs),
        { tokenUrl: auth.tokenUrl, fhirBaseUrl: fhir.baseUrl, scopes: auth.scopes },
        auth.clientId,
        { privateKey: auth.privateKey, keyId: auth.keyId, alg: auth.signingAlg },
        now,
      );
  }
}
