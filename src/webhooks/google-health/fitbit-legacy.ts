import { createHash, createHmac } from 'node:crypto';
import { ValidationError } from '../../common/errors/api-error.js';
import { secretsMatch } from '../withings/withings-webhook.guard.js';
import { MAX_ENVELOPES } from './google-envelopes.js';

/**
 * The legacy Fitbit Web API subscriber contract, kept from the seed for installations still registered with it.
 * Fitbit signs with the OAuth-1 style key `<client secret>&`; the original service left out the `&`, so every
 * real notification failed verification (review §5).
 */

/** Base64 HMAC-SHA1 of the raw body, keyed with `<client secret>&`. */
export function legacySignature(rawBody: Buffer, clientSecret: string): string {
  return createHmac('sha1', `${clientSecret}&`).update(rawBody).digest('base64');
}

/** Constant-time check of X-Fitbit-Signature; false when no client secret is configured. */
export function legacySignatureValid(
  rawBody: Buffer,
  header: string,
  clientSecret: string | undefined,
): boolean {
  return clientSecret !== undefined && secretsMatch(header.trim(), legacySignature(rawBody, clientSecret));
}

/** Constant-time check of ?verify=; false when no code is configured (the seed accepted any code then). */
export function verificationCodeMatches(given: unknown, expected: string | undefined): boolean {
  return expected !== undefined && typeof given === 'string' && secretsMatch(given, expected);
}

export interface LegacyNotification {
  readonly collectionType: string;
  readonly date: string;
  readonly ownerId: string;
  readonly subscriptionId: string;
  readonly dedupKey: string;
}

const COLLECTION = /^[A-Za-z]{1,32}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const OWNER_ID = /^[A-Za-z0-9]{1,64}$/;
/** The subscriber's own id for the subscription (the seed used the EHR user id). */
const SUBSCRIPTION_ID = /^[A-Za-z0-9._@:-]{1,255}$/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** sha256 of legacy|ownerId|collectionType|date|subscriptionId: Fitbit has no delivery id, retries repeat these. */
export function legacyDedupKey(n: Omit<LegacyNotification, 'dedupKey'>): string {
  return createHash('sha256')
    .update(['legacy', n.ownerId, n.collectionType, n.date, n.subscriptionId].join('|'))
    .digest('hex');
}

/** Validates the array of `{collectionType, date, ownerId, ownerType, subscriptionId}`; one bad item → 400. */
export function parseLegacyNotifications(body: unknown): LegacyNotification[] {
  const items: unknown[] = Array.isArray(body) ? body : [body];
  if (items.length > MAX_ENVELOPES) {
    throw ValidationError.field('body', `at most ${MAX_ENVELOPES} notifications per request`);
  }
  const problems: Record<string, string[]> = {};
  const checks: readonly [string, RegExp, string][] = [
    ['collectionType', COLLECTION, 'is required (a collection name)'],
    ['date', DATE, 'must be YYYY-MM-DD'],
    ['ownerId', OWNER_ID, 'is required (a Fitbit user id)'],
    ['subscriptionId', SUBSCRIPTION_ID, 'is required'],
  ];
  const out: LegacyNotification[] = [];
  items.forEach((item, i) => {
    const path = Array.isArray(body) ? `[${i}]` : 'body';
    if (!isRecord(item)) {
      problems[path] = ['must be an object'];
      return;
    }
    const values: Record<string, string> = {};
    for (const [field, pattern, message] of checks) {
      const value = item[field];
      if (typeof value === 'string' && pattern.test(value)) {
        values[field] = value;
      } else {
        problems[`${path}.${field}`] = [message];
      }
    }
    const { collectionType, date, ownerId, subscriptionId } = values;
    if (
      collectionType !== undefined &&
      date !== undefined &&
      ownerId !== undefined &&
      subscriptionId !== undefined
    ) {
      const fields = { collectionType, date, ownerId, subscriptionId };
      out.push({ ...fields, dedupKey: legacyDedupKey(fields) });
    }
  });
  if (Object.keys(problems).length > 0) {
    throw new ValidationError(problems);
  }
  return out;
}
