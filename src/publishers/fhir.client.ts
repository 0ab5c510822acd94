import { Injectable } from '@nestjs/common';
import type { Bundle } from 'fhir/r5.js';
import { Client, type FhirResource } from 'fhir-kit-client';
import { AppConfig } from '../config/app-config.js';
import { FhirAuth } from './auth/fhir-auth.js';
import { FhirConfigurationError, httpStatusOf, toFhirError } from './fhir-errors.js';
import { nextPageUrl } from './fhir-paging.js';

/**
 * The FHIR server, as far as this service talks to it. Every failure leaves as a FhirError (retryable or
 * permanent), except programming errors, which pass through untouched.
 */
@Injectable()
export class FhirClient {
  private readonly client: Client | undefined;
  private readonly baseUrl: string | undefined;
  private readonly timeoutMs: number;

  constructor(
    config: AppConfig,
    private readonly auth: FhirAuth,
  ) {
    const baseUrl = config.fhir.baseUrl;
    this.baseUrl = baseUrl;
    // Without FHIR_BASE_URL the service still boots (API-only and local runs); publishing then fails clearly.
    this.client = baseUrl === undefined ? undefined : new Client({ baseUrl });
    this.timeoutMs = config.fhir.timeoutMs;
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  /**
   * POSTs a transaction bundle and returns the server's transaction-response. A 401 drops the cached token and
   * tries once more with a fresh one, since tokens can be revoked or expire early on the server's side.
   */
  async transaction(bundle: Bundle): Promise<unknown> {
    return this.submit(bundle);
  }

  /** POSTs a batch bundle (independent entries, e.g. to a JupyterHealth Exchange) and returns its batch-response. */
  async batch(bundle: Bundle): Promise<unknown> {
    return this.submit(bundle);
  }

  /**
   * Every match of a type-level search, following `next` links (servers page their results). A `next` link
   * that leaves FHIR_BASE_URL ends the search with a FhirPermanentError, before it is requested.
   * @param resourceType - e.g. DeviceAssociation
   * @param params - search parameters, already in FHIR syntax
   */
  async searchAll(
    resourceType: string,
    params: Record<string, string>,
  ): Promise<Array<Record<string, unknown>>> {
    const client = this.client;
    if (client === undefined || this.baseUrl === undefined) {
      throw new FhirConfigurationError(
        'FHIR_BASE_URL is not set: this deployment has no FHIR server to search',
      );
    }
    const baseUrl = this.baseUrl;
    const options = async (): Promise<{ headers: Record<string, string>; signal: AbortSignal }> => ({
      headers: { ...(await this.auth.headers()) },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const found: Array<Record<string, unknown>> = [];
    try {
      let page: Partial<Bundle> | undefined = (await client.search({
        resourceType,
        searchParams: params,
        options: await options(),
      })) as Partial<Bundle>;
      // A bounded walk: a server that keeps returning `next` forever must not hang a job.
      for (let pages = 0; page !== undefined && pages < 100; pages++) {
        found.push(
          ...(page.entry ?? []).flatMap((e) =>
            e.resource === undefined ? [] : [e.resource as unknown as Record<string, unknown>],
          ),
        );
        const next = nextPageUrl(baseUrl, page);
        // An absolute URL, which fhir-kit-client requests as it is (it would append a relative one to the base).
        page =
          next === undefined
            ? undefined
            : ((await client.request(next, { options: await options() })) as Partial<Bundle>);
      }
    } catch (err) {
      throw toFhirError(err, 'FHIR search') ?? err;
    }
    return found;
  }

  /** One resource by id; a 404 or 410 leaves as a FhirPermanentError with that status. */
  async read(resourceType: string, id: string): Promise<Record<string, unknown>> {
    const client = this.client;
    if (client === undefined) {
      throw new FhirConfigurationError(
        'FHIR_BASE_URL is not set: this deployment has no FHIR server to read',
      );
    }
    try {
      return await client.read({
        resourceType,
        id,
        options: { headers: { ...(await this.auth.headers()) }, signal: AbortSignal.timeout(this.timeoutMs) },
      });
    } catch (err) {
      throw toFhirError(err, `FHIR read of ${resourceType}`) ?? err;
    }
  }

  private async submit(bundle: Bundle): Promise<unknown> {
    const client = this.client;
    if (client === undefined) {
      throw new FhirConfigurationError(
        'FHIR_BASE_URL is not set: this deployment has no FHIR server to publish to',
      );
    }
    try {
      return await this.send(client, bundle, true);
    } catch (err) {
      throw toFhirError(err) ?? err;
    }
  }

  private async send(client: Client, bundle: Bundle, mayRetry: boolean): Promise<unknown> {
    const headers = await this.auth.headers();
    try {
      // Both interactions are a POST of the bundle to the base URL; the bundle's type tells the server which.
      return await client.transaction({
        // fhir-kit-client types bodies as an open record; a Bundle has no index signature.
        body: bundle as unknown as FhirResource,
        options: { headers: { ...headers }, signal: AbortSignal.timeout(this.timeoutMs) },
      });
    } catch (err) {
      if (mayRetry && httpStatusOf(err) === 401 && this.auth.invalidate(headers)) {
        return this.send(client, bundle, false);
      }
      throw err;
    }
  }
}
