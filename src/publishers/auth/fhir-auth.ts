/**
 * Credentials for requests to the FHIR server. One implementation is bound per FHIR_AUTH_MODE, so the client
 * never knows which scheme is in use.
 */
export abstract class FhirAuth {
  /** Headers to add to the next request; may fetch a token first. */
  abstract headers(): Promise<Readonly<Record<string, string>>>;

  /**
   * The server refused `rejected` (a 401): drop it if it is still the cached credential. Returns true when
   * a retry could carry a different credential, false when retrying would send the same one again.
   */
  abstract invalidate(rejected?: Readonly<Record<string, string>>): boolean;
}

/** FHIR_AUTH_MODE=none: an open server (local runs, tests). */
export class NoFhirAuth extends FhirAuth {
  headers(): Promise<Readonly<Record<string, string>>> {
    return Promise.resolve({});
  }

  invalidate(): boolean {
    return false;
  }
}

/** FHIR_AUTH_MODE=static: one fixed header, e.g. a long-lived API key or bearer token. */
export class StaticFhirAuth extends FhirAuth {
  private readonly value: Readonly<Record<string, string>>;

  constructor(header: string, value: string) {
    super();
    this.value = { [header]: value };
  }

  headers(): Promise<Readonly<Record<string, string>>> {
    return Promise.resolve(this.value);
  }

  invalidate(): boolean {
    return false;
  }
}
