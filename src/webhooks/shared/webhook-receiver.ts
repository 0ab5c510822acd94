import type { Request } from 'express';
import type { InboxEntry } from '../inbox/notification-inbox.repository.js';

/**
 * What a provider supplies to the shared webhook pipeline (webhook-pipeline.ts): how to recognise its genuine
 * requests and what they notify. The pipeline does the rest the same way for every provider: request id, rate
 * limit, durable acceptance, statistics, the answer and the access log line.
 *
 * Both checks are free of side effects and only ever say "yes, this is the plain case": whatever they do not
 * recognise (a wrong credential, a body that does not validate, anything unusual) is passed on untouched to the
 * provider's Nest controller, which refuses or answers it exactly as it always has (404/403/400 bodies, counting
 * against the source address). So the fast path can stay small without re-implementing every refusal.
 */
export interface WebhookReceiver {
  /** The provider the notifications are accepted for (the rate-limit budget and the statistics key too). */
  readonly provider: string;
  /** The Express route served, e.g. `/webhooks/withings/:token`; also what the access log shows of the path. */
  readonly route: string;
  /** The status of the answer once the entries are accepted: 202 with the accepted body, or 204 with none. */
  readonly acceptedStatus: 202 | 204;
  /** Whether the request carries the provider's credential (secret path, signature) and may come from where it did. */
  verify(req: Request): boolean;
  /** The inbox entries a valid body notifies, or undefined when the body is not one the fast path accepts. */
  parse(body: unknown): readonly InboxEntry[] | undefined;
}
