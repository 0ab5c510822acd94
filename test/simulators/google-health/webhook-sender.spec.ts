import { verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSignature, parseKeyset } from '../../../src/webhooks/google-health/tink-keyset.js';
import { GoogleWebhookSender } from './webhook-sender.js';

interface KeysetDoc {
  primaryKeyId: number;
  key: { keyId: number; status: string; outputPrefixType: string; keyData: { value: string } }[];
}

const senders: GoogleWebhookSender[] = [];
const sender = (): GoogleWebhookSender => {
  const s = new GoogleWebhookSender();
  senders.push(s);
  return s;
};

afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.stop()));
});

describe('GoogleWebhookSender', () => {
  it('should publish key bytes that decode to its own public key, in the layout the research documents', () => {
    const s = sender();
    const doc = JSON.parse(s.keysetJson()) as KeysetDoc;
    expect(doc.primaryKeyId).toBe(s.keyId);
    expect(doc.key).toHaveLength(1);
    const value = Buffer.from(doc.key[0]!.keyData.value, 'base64');
    // params (08 03 10 02 18 02), then x and y as 33-byte fields with a leading zero.
    expect(value.subarray(0, 8).toString('hex')).toBe('1206080310021802');
    expect(value.subarray(8, 11).toString('hex')).toBe('1a2100');
    expect(value.subarray(43, 46).toString('hex')).toBe('222100');
    expect(value).toHaveLength(78);

    const [key] = parseKeyset(s.keysetJson()).keys;
    expect(key?.keyId).toBe(s.keyId);
    // Verifying the sender's signature with the decoded key proves it is the same public key.
    const body = Buffer.from('[{"data":{}}]');
    const sig = decodeSignature(s.sign(body));
    expect(sig?.keyId).toBe(s.keyId);
    expect(verify('sha256', body, { key: key!.publicKey, dsaEncoding: 'der' }, sig!.der)).toBe(true);
    expect(
      verify('sha256', Buffer.from('[{"data":{ }}]'), { key: key!.publicKey, dsaEncoding: 'der' }, sig!.der),
    ).toBe(false);
  });

  it('should keep the old key after rotate() and sign with the new one', () => {
    const s = sender();
    const first = s.keyId;
    s.rotate();
    expect(s.keyId).not.toBe(first);
    const keys = parseKeyset(s.keysetJson()).keys;
    expect(keys.map((k) => k.keyId)).toEqual([first, s.keyId]);
    expect(decodeSignature(s.sign('x'))?.keyId).toBe(s.keyId);
  });

  it('should serve the current keyset and count fetches', async () => {
    const s = sender();
    const url = await s.serveKeyset();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(s.keysetJson()));
    s.keysetStatus = 503;
    expect((await fetch(url)).status).toBe(503);
    expect(s.keysetFetches).toBe(2);
  });

  it('should build envelopes in the live shape', () => {
    const e = sender().envelope('42', 'heart-rate', '2026-03-08T01:29:00Z', new Date('2026-03-08T01:34:00Z'));
    expect(e.data).toMatchObject({
      version: '1',
      healthUserId: '42',
      operation: 'UPSERT',
      dataType: 'heart-rate',
      intervals: [
        {
          physicalTimeInterval: { startTime: '2026-03-08T01:29:00Z', endTime: '2026-03-08T01:34:00Z' },
          civilIso8601TimeInterval: { startTime: '2026-03-08T01:29:00', endTime: '2026-03-08T01:34:00' },
        },
      ],
    });
    expect(e.data.clientProvidedSubscriptionName).toMatch(/^[0-9a-f-]{36}$/);
  });
});
