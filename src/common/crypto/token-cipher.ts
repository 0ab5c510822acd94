import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

export interface KeyRing {
  /** Id of the key new ciphertexts are written with. */
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
}

/** Raised when a ciphertext does not authenticate: wrong key, wrong row (AAD), or tampering. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

/**
 * Parses TOKEN_KEYS: comma-separated `<key id>:<base64 of 32 random bytes>`, newest first. The first key
 * encrypts; every key decrypts, so a key can be retired only after `tokens:reencrypt` has moved all rows off it.
 */
export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  let currentKeyId: string | undefined;
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const sep = entry.indexOf(':');
    const id = entry.slice(0, sep);
    const key = Buffer.from(entry.slice(sep + 1), 'base64');
    if (sep <= 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      throw new KeyRingError(
        `TOKEN_KEYS entry '${id || entry.slice(0, 8)}…' needs the form <id>:<base64 key>`,
      );
    }
    if (key.length !== 32) {
      throw new KeyRingError(`TOKEN_KEYS key '${id}' must be 32 bytes (base64 of 32 random bytes)`);
    }
    if (keys.has(id)) {
      throw new KeyRingError(`TOKEN_KEYS lists key id '${id}' twice`);
    }
    keys.set(id, key);
    currentKeyId ??= id;
  }
  if (currentKeyId === undefined) {
    throw new KeyRingError('TOKEN_KEYS holds no key');
  }
  return { currentKeyId, keys };
}

export interface Sealed {
  readonly keyId: string;
  /** `v1.<key id>.<iv>.<ciphertext>.<tag>`, base64url parts. */
  readonly value: string;
}

/**
 * AES-256-GCM for OAuth tokens at rest, with a fresh random 96-bit IV per encryption and additional authenticated
 * data naming the row and column, so a ciphertext copied into another row or column fails to decrypt.
 */
export class TokenCipher {
  constructor(private readonly ring: KeyRing) {}

  get currentKeyId(): string {
    return this.ring.currentKeyId;
  }

  /**
   * @param plaintext - the secret to seal
   * @param aad - binds the ciphertext to its place, e.g. `provider_links:42:access_token`
   */
  encrypt(plaintext: string, aad: string): Sealed {
    const keyId = this.ring.currentKeyId;
    const key = this.key(keyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [
      FORMAT,
      keyId,
      iv.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ];
    return { keyId, value: parts.join('.') };
  }

  decrypt(value: string, aad: string): string {
    const [format, keyId, iv, body, tag] = value.split('.');
    if (
      format !== FORMAT ||
      keyId === undefined ||
      iv === undefined ||
      body === undefined ||
      tag === undefined
    ) {
      throw new DecryptionError('not a sealed token');
    }
    const decipher = createDecipheriv(ALGORITHM, this.key(keyId), Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new DecryptionError('token ciphertext did not authenticate');
    }
  }

  /** Whether a value sealed under `keyId` should be re-encrypted under the current key. */
  isStale(keyId: string): boolean {
    return keyId !== this.ring.currentKeyId;
  }

  private key(keyId: string): Buffer {
    const key = this.ring.keys.get(keyId);
    if (key === undefined) {
      throw new DecryptionError(`key '${keyId}' is not in TOKEN_KEYS`);
    }
    return key;
  }
}
