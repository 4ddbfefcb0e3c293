import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for one secret column at rest (payments' card tokens). Each
 * value gets a fresh 96-bit IV and is bound to its row's id (additional
 * authenticated data), so a ciphertext copied onto another row fails to
 * decrypt. Stored as `v1:<base64 iv|tag|data>`. `purpose` only names the key
 * in errors, which never carry the key or the value.
 */
export function createFieldCipher(keyBase64: string, purpose: string) {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new Error(`${purpose} key must be 32 bytes (base64)`);

  return {
    encrypt(plain: string, rowId: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(rowId));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
    },

    decrypt(stored: string, rowId: string): string {
      const [version, body] = stored.split(':');
      if (version !== VERSION || !body) throw new Error(`unknown ${purpose} ciphertext format`);
      const bytes = Buffer.from(body, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(rowId));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

export type FieldCipher = ReturnType<typeof createFieldCipher>;
