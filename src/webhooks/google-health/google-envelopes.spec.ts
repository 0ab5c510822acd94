import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../common/errors/api-error.js';
import {
  canonicalJson,
  googlePayload,
  isVerificationRequest,
  parseGoogleNotifications,
} from './google-envelopes.js';

const interval = (startTime: string, endTime: string): unknown => ({
  physicalTimeInterval: { startTime, endTime },
});

const envelope = (data: Record<string, unknown> = {}): { data: Record<string, unknown> } => ({
  data: {
    version: '1',
    clientProvidedSubscriptionName: '3f2c0000-0000-4000-8000-000000000001',
    healthUserId: '7583570207748835967',
    operation: 'UPSERT',
    dataType: 'heart-rate',
    intervals: [interval('2026-03-08T01:29:00Z', '2026-03-08T01:34:00Z')],
    ...data,
  },
});

function problems(body: unknown): Record<string, unknown> {
  try {
    parseGoogleNotifications(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
}

describe('canonicalJson', () => {
  it('should give equal text for equal content whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }] })).toBe('{"a":[{"c":null,"d":"x"}],"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson(JSON.parse('{"b":2,"a":1}')));
  });
});

describe('parseGoogleNotifications', () => {
  it('should read an array and a single envelope into the inbox payload', () => {
    const many = envelope({
      intervals: [
        interval('2026-03-08T02:00:00Z', '2026-03-08T02:05:00Z'),
        interval('2026-03-08T01:00:00+01:00', '2026-03-08T01:10:00Z'),
      ],
    });
    const [n] = parseGoogleNotifications([many]);
    expect(googlePayload(n!)).toEqual({
      healthUserId: '7583570207748835967',
      operation: 'UPSERT',
      dataType: 'heart-rate',
      // The earliest start is the one with an offset (00:00Z), kept as Google wrote it.
      startTime: '2026-03-08T01:00:00+01:00',
      endTime: '2026-03-08T02:05:00Z',
      intervals: '2',
    });
    expect(parseGoogleNotifications(envelope())).toHaveLength(1);
    expect(parseGoogleNotifications([])).toEqual([]);
  });

  it('should leave the time bounds out when there are no intervals', () => {
    const [n] = parseGoogleNotifications([envelope({ intervals: undefined, operation: 'DELETE' })]);
    expect(googlePayload(n!)).toEqual({
      healthUserId: '7583570207748835967',
      operation: 'DELETE',
      dataType: 'heart-rate',
      intervals: '0',
    });
  });

  it('should key each envelope by its data, so retries collide and different data does not', () => {
    const a = envelope();
    const reordered = JSON.parse(
      JSON.stringify({ data: Object.fromEntries(Object.entries(a.data).reverse()) }),
    );
    const [k1, k2, k3] = parseGoogleNotifications([a, reordered, envelope({ dataType: 'steps' })]).map(
      (n) => n.dedupKey,
    );
    expect(k1).toMatch(/^[0-9a-f]{64}$/);
    expect(k2).toBe(k1);
    expect(k3).not.toBe(k1);
  });

  it('should refuse the whole batch, naming every problem, when an envelope lacks required fields', () => {
    expect(
      problems([
        envelope(),
        envelope({ healthUserId: undefined }),
        envelope({ operation: 'PATCH', dataType: 'HeartRate' }),
        { notData: 1 },
        envelope({ intervals: [interval('yesterday', '2026-03-08T01:34:00Z'), {}] }),
      ]),
    ).toEqual({
      '[1].data.healthUserId': [expect.any(String)],
      '[2].data.operation': ['must be UPSERT or DELETE'],
      '[2].data.dataType': [expect.any(String)],
      '[3].data': ['is required'],
      '[4].data.intervals[0].physicalTimeInterval.startTime': ['must be an RFC 3339 time'],
      '[4].data.intervals[1].physicalTimeInterval': ['is required'],
    });
    expect(problems(envelope({ healthUserId: '' }))).toHaveProperty(['body.data.healthUserId']);
    expect(problems('text')).toEqual({ 'body.data': ['is required'] });
  });

  it('should refuse more than 100 envelopes', () => {
    expect(parseGoogleNotifications(Array.from({ length: 100 }, () => envelope()))).toHaveLength(100);
    expect(problems(Array.from({ length: 101 }, () => envelope()))).toEqual({ body: [expect.any(String)] });
  });
});

describe('isVerificationRequest', () => {
  it('should recognise only the handshake body', () => {
    expect(isVerificationRequest({ type: 'verification' })).toBe(true);
    expect(isVerificationRequest([{ type: 'verification' }])).toBe(false);
    expect(isVerificationRequest(envelope())).toBe(false);
  });
});
