import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for personal data at rest. Each value gets a fresh 96-bit IV and
 * is bound to its owner's id (additional authenticated data), so a ciphertext
 * copied onto another row fails to decrypt. Stored as `v1:<base64 iv|tag|data>`.
 */
export function createPiiCipher(keyBase64: string) {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new Error('PII key must be 32 bytes');

  return {
    encrypt(plain: string, ownerId: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(ownerId));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
    },

    decrypt(stored: string, ownerId: string): string {
      const [version, body] = stored.split(':');
      if (version !== VERSION || !body) throw new Error('unknown PII ciphertext format');
      const bytes = Buffer.from(body, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(ownerId));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

export type PiiCipher = ReturnType<typeof createPiiCipher>;
