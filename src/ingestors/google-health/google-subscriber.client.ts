import { callProvider, isRecord } from '../auth/http.js';
import { ProviderCallError } from '../auth/provider-auth.js';
import { FITBIT } from './fitbit.descriptor.js';

/** Data types the service syncs from Google Health, as the subscriber API names them (research §4). */
export const SUBSCRIBED_DATA_TYPES = [
  'steps',
  'heart-rate',
  'heart-rate-variability',
  'daily-oxygen-saturation',
  'sleep',
  'weight',
  'body-fat',
] as const;

export interface SubscriberSettings {
  readonly apiBaseUrl: string;
  readonly projectNumber: string;
  readonly subscriberId: string;
  /** Public base URL of this service; the endpoint is `<base>/webhooks/fitbit/`. */
  readonly webhookBaseUrl: string;
  readonly webhookSecret: string;
  /** OAuth access token with the cloud-platform scope (a service account's, or `gcloud auth print-access-token`). */
  readonly accessToken: string;
  readonly timeoutMs: number;
}

/**
 * Registers the one project-level Google Health subscriber (AUTOMATIC policy: notifications follow user consent,
 * nothing per user). Idempotent: an existing subscriber with our id is left alone when its endpoint matches,
 * patched when it does not.
 */
export class GoogleSubscriberClient {
  constructor(private readonly s: SubscriberSettings) {}

  private get collection(): string {
    return `${this.s.apiBaseUrl}/v4/projects/${this.s.projectNumber}/subscribers`;
  }

  private get endpointUri(): string {
    return `${this.s.webhookBaseUrl}${FITBIT.webhookPath}`;
  }

  body(): Record<string, unknown> {
    return {
      endpointUri: this.endpointUri,
      subscriberConfigs: [{ dataTypes: [...SUBSCRIBED_DATA_TYPES], subscriptionCreatePolicy: 'AUTOMATIC' }],
      endpointAuthorization: { secret: `Bearer ${this.s.webhookSecret}` },
    };
  }

  async ensure(): Promise<'created' | 'updated' | 'unchanged'> {
    const name = `projects/${this.s.projectNumber}/subscribers/${this.s.subscriberId}`;
    const existing = (await this.list()).find((sub) => sub['name'] === name);
    if (existing === undefined) {
      await this.call(`${this.collection}?subscriberId=${encodeURIComponent(this.s.subscriberId)}`, 'POST');
      return 'created';
    }
    if (existing['endpointUri'] === this.endpointUri) {
      return 'unchanged';
    }
    await this.call(
      `${this.collection}/${this.s.subscriberId}?updateMask=endpointUri,subscriberConfigs,endpointAuthorization`,
      'PATCH',
    );
    return 'updated';
  }

  private async list(): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    let page: string | undefined;
    do {
      const url =
        page === undefined ? this.collection : `${this.collection}?pageToken=${encodeURIComponent(page)}`;
      const body = await this.call(url, 'GET');
      found.push(...(Array.isArray(body['subscribers']) ? body['subscribers'].filter(isRecord) : []));
      page =
        typeof body['nextPageToken'] === 'string' && body['nextPageToken'] !== ''
          ? body['nextPageToken']
          : undefined;
    } while (page !== undefined);
    return found;
  }

  private async call(url: string, method: 'GET' | 'POST' | 'PATCH'): Promise<Record<string, unknown>> {
    const answer = await callProvider(
      url,
      {
        method,
        headers: { authorization: `Bearer ${this.s.accessToken}` },
        ...(method === 'GET' ? {} : { json: this.body() }),
      },
      AbortSignal.timeout(this.s.timeoutMs),
    );
    const body = isRecord(answer.json) ? answer.json : {};
    if (answer.status !== 200) {
      const error = isRecord(body['error'])
        ? String(body['error']['status'] ?? body['error']['message'])
        : '';
      throw new ProviderCallError(
        `Google Health subscribers ${method}: HTTP ${answer.status} ${error}`,
        false,
      );
    }
    // Create and patch answer a long-running Operation; it comes back done, possibly with an error.
    if (isRecord(body['error'])) {
      throw new ProviderCallError(
        `Google Health subscriber operation failed: ${String(body['error']['message'])}`,
        false,
      );
    }
    return body;
  }
}
