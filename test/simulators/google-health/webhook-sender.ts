import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { Server } from 'node:http';
import { close, listen, sendJson } from '../shared/http.js';

export type SignatureHeader = 'X-HEALTHAPI-SIGNATURE' | 'GOOGLE-HEALTH-API-SIGNATURE';
export type Operation = 'UPSERT' | 'DELETE';

/** One notification envelope as live Google traffic carries it (research §4). */
export interface Envelope {
  data: {
    version: string;
    clientProvidedSubscriptionName: string;
    healthUserId: string;
    operation: Operation;
    dataType: string;
    intervals: {
      physicalTimeInterval: { startTime: string; endTime: string };
      civilIso8601TimeInterval: { startTime: string; endTime: string };
    }[];
  };
}

export interface PostOptions {
  header?: SignatureHeader;
  /** Sent as the Authorization header; live notifications carry none after the handshake. */
  authorization?: string;
  /** Changes the body after signing: `true` alters its content, 'whitespace' only its spacing. */
  tamper?: boolean | 'whitespace';
  /** Signs with a key the keyset does not hold, under the current key's id. */
  wrongKey?: boolean;
  /** Leaves the signature header out. */
  unsigned?: boolean;
  contentType?: string;
}

export interface Answer {
  readonly status: number;
  /** Parsed JSON, or the text when it is not JSON ('' for an empty body). */
  readonly body: unknown;
}

interface SigningKey {
  readonly keyId: number;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Tink's EcdsaParams for P-256 / SHA-256 / DER: hash_type=SHA256(3), curve=NIST_P256(2), encoding=DER(2). */
const ECDSA_PARAMS = Buffer.from([0x08, 0x03, 0x10, 0x02, 0x18, 0x02]);

/** A length-delimited protobuf field; every length here is below 128, so it fits one varint byte. */
function lengthDelimited(fieldNo: number, bytes: Buffer): Buffer {
  if (bytes.length >= 128) {
    throw new Error('field too long for this encoder');
  }
  return Buffer.concat([Buffer.from([(fieldNo << 3) | 2, bytes.length]), bytes]);
}

/** Serialized google.crypto.tink.EcdsaPublicKey: version 0 (omitted), params, then x and y with a 0x00 lead. */
export function serializeEcdsaPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) {
    throw new Error('not an EC public key');
  }
  const coordinate = (b64url: string): Buffer =>
    Buffer.concat([Buffer.from([0]), Buffer.from(b64url, 'base64url')]);
  return Buffer.concat([
    lengthDelimited(2, ECDSA_PARAMS),
    lengthDelimited(3, coordinate(jwk.x)),
    lengthDelimited(4, coordinate(jwk.y)),
  ]);
}

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // Tink key ids are uint32; the top bit is set on purpose half the time, as in Google's keysets.
  return { keyId: randomBytes(4).readUInt32BE(0), privateKey, publicKey };
}

function parse(text: string): unknown {
  if (text === '') {
    return '';
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Plays Google's side of Health API webhooks: the verification handshake, signed notifications (Tink ECDSA
 * P-256 output: 0x01 ‖ key id ‖ DER signature over the raw body) and the public keyset, inline or served.
 */
export class GoogleWebhookSender {
  private readonly keys: SigningKey[] = [newKey()];
  private server: Server | undefined;
  /** How many times the served keyset was fetched. */
  keysetFetches = 0;
  /** Status the served keyset answers with; set to 500 to simulate an outage. */
  keysetStatus = 200;

  private get current(): SigningKey {
    const key = this.keys[this.keys.length - 1];
    if (key === undefined) {
      throw new Error('no signing key');
    }
    return key;
  }

  get keyId(): number {
    return this.current.keyId;
  }

  /** The Tink JSON public keyset holding every key so far, the newest as primary. */
  keysetJson(): string {
    return JSON.stringify({
      primaryKeyId: this.current.keyId,
      key: this.keys.map((k) => ({
        keyData: {
          typeUrl: 'type.googleapis.com/google.crypto.tink.EcdsaPublicKey',
          value: serializeEcdsaPublicKey(k.publicKey).toString('base64'),
          keyMaterialType: 'ASYMMETRIC_PUBLIC',
        },
        status: 'ENABLED',
        keyId: k.keyId,
        outputPrefixType: 'TINK',
      })),
    });
  }

  /** A new signing key; the keyset keeps the old ones too, as during Google's rotation overlap. */
  rotate(): void {
    let key = newKey();
    while (this.keys.some((k) => k.keyId === key.keyId)) {
      key = newKey();
    }
    this.keys.push(key);
  }

  /** The signature header value for these exact bytes. */
  sign(rawBody: string | Buffer, options: { wrongKey?: boolean } = {}): string {
    const signer = options.wrongKey === true ? newKey().privateKey : this.current.privateKey;
    const prefix = Buffer.alloc(5);
    prefix.writeUInt8(0x01, 0);
    prefix.writeUInt32BE(this.current.keyId, 1);
    const der = sign('sha256', Buffer.from(rawBody), { key: signer, dsaEncoding: 'der' });
    return Buffer.concat([prefix, der]).toString('base64');
  }

  /** Serves the current keyset at a loopback URL (answering keysetStatus); stop() closes it. */
  async serveKeyset(): Promise<string> {
    const { server, baseUrl } = await listen((_req, res) => {
      this.keysetFetches++;
      if (this.keysetStatus === 200) {
        sendJson(res, 200, JSON.parse(this.keysetJson()));
      } else {
        sendJson(res, this.keysetStatus, { error: 'unavailable' });
      }
      return Promise.resolve();
    });
    this.server = server;
    return `${baseUrl}/googlehealthapi/webhooks/webhooks_public_keyset.json`;
  }

  async stop(): Promise<void> {
    if (this.server !== undefined) {
      await close(this.server);
      this.server = undefined;
    }
  }

  envelope(
    healthUserId: string,
    dataType: string,
    start: Date | string,
    end: Date | string,
    operation: Operation = 'UPSERT',
  ): Envelope {
    const iso = (t: Date | string): string =>
      (typeof t === 'string' ? new Date(t) : t).toISOString().replace(/\.000Z$/, 'Z');
    const civil = (t: string): string => t.replace(/Z$/, '');
    const [startTime, endTime] = [iso(start), iso(end)];
    return {
      data: {
        version: '1',
        clientProvidedSubscriptionName: randomUUID(),
        healthUserId,
        operation,
        dataType,
        intervals: [
          {
            physicalTimeInterval: { startTime, endTime },
            civilIso8601TimeInterval: { startTime: civil(startTime), endTime: civil(endTime) },
          },
        ],
      },
    };
  }

  /** POSTs envelopes (an array, as live traffic, or one object, as the guide shows), signed unless told not. */
  post(targetUrl: string, envelopes: Envelope | Envelope[], options: PostOptions = {}): Promise<Answer> {
    return this.postRaw(targetUrl, JSON.stringify(envelopes), options);
  }

  /** As post(), for any body text (signed as given). */
  async postRaw(targetUrl: string, rawBody: string, options: PostOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {
      'content-type': options.contentType ?? 'application/json',
      'user-agent': 'Google-Health-API-Webhooks',
    };
    if (options.unsigned !== true) {
      headers[options.header ?? 'X-HEALTHAPI-SIGNATURE'] = this.sign(rawBody, { wrongKey: options.wrongKey });
    }
    if (options.authorization !== undefined) {
      headers['authorization'] = options.authorization;
    }
    let sent = rawBody;
    if (options.tamper === 'whitespace') {
      sent = `${rawBody} `;
    } else if (options.tamper === true) {
      sent = rawBody.includes('UPSERT') ? rawBody.replace('UPSERT', 'DELETE') : rawBody.replace(/\d/, '9');
    }
    const res = await fetch(targetUrl, { method: 'POST', headers, body: sent });
    return { status: res.status, body: parse(await res.text()) };
  }

  /** Google's handshake: the secret verbatim (wants 201), then no Authorization at all (wants 401 or 403). */
  async verify(targetUrl: string, secret: string): Promise<{ first: number; second: number }> {
    const body = JSON.stringify({ type: 'verification' });
    const base = { 'content-type': 'application/json', 'user-agent': 'Google-Health-API-Webhooks-Verifier' };
    const first = await fetch(targetUrl, {
      method: 'POST',
      headers: { ...base, authorization: secret },
      body,
    });
    await first.arrayBuffer();
    const second = await fetch(targetUrl, { method: 'POST', headers: base, body });
    await second.arrayBuffer();
    return { first: first.status, second: second.status };
  }
}
