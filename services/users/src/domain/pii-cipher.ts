import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The id of PII_ENCRYPTION_KEY, the key every `v1:` value (written before key ids) is under. */
export const LEGACY_KEY_ID = 'legacy';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Keys by id; `activeKeyId` encrypts, every key decrypts what was written under its id. */
export interface PiiKeyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, string>;
}

/**
 * `PII_ENCRYPTION_KEYS` (`id=base64,id=base64`, the first one active) plus the single
 * PII_ENCRYPTION_KEY under LEGACY_KEY_ID, which stays active while the list is empty.
 * Throws with the id (never the key) of the first bad entry.
 */
export function piiKeyring(legacyKey: string, keyList = ''): PiiKeyring {
  const keys = new Map<string, string>();
  for (const entry of keyList
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const split = entry.indexOf('=');
    const id = split > 0 ? entry.slice(0, split) : '';
    if (!KEY_ID.test(id)) throw new Error('each entry must be <id>=<base64 key>, the id of 1-32 letters, digits, _ or -');
    if (keys.has(id)) throw new Error(`key id ${id} is listed twice`);
    if (Buffer.from(entry.slice(split + 1), 'base64').length !== 32) throw new Error(`key ${id} must be 32 bytes, base64-encoded`);
    keys.set(id, entry.slice(split + 1));
  }
  const activeKeyId = keys.keys().next().value ?? LEGACY_KEY_ID;
  if (!keys.has(LEGACY_KEY_ID)) keys.set(LEGACY_KEY_ID, legacyKey);
  return { activeKeyId, keys };
}

/** The key id a stored value was written under (`v1:` values: the legacy key). */
export function keyIdOf(stored: string): string {
  const [version, id] = stored.split(':');
  if (version === 'v1') return LEGACY_KEY_ID;
  if (version === 'v2' && id) return id;
  throw new Error('unknown PII ciphertext format');
}

/**
 * AES-256-GCM for personal data at rest. Each value gets a fresh 96-bit IV and
 * is bound to its owner's id (additional authenticated data), so a ciphertext
 * copied onto another row fails to decrypt. Stored as `v2:<key id>:<base64 iv|tag|data>`
 * so that the key can be rotated (docs/security.md); `v1:<base64>` (no id) is still read,
 * with the legacy key.
 */
export function createPiiCipher(keyring: PiiKeyring | string) {
  const ring = typeof keyring === 'string' ? piiKeyring(keyring) : keyring;
  const keys = new Map([...ring.keys].map(([id, base64]) => [id, Buffer.from(base64, 'base64')]));
  for (const [id, key] of keys) if (key.length !== 32) throw new Error(`PII key ${id} must be 32 bytes`);
  const active = keys.get(ring.activeKeyId);
  if (!active) throw new Error(`the active PII key ${ring.activeKeyId} is not in the keyring`);

  return {
    activeKeyId: ring.activeKeyId,

    encrypt(plain: string, ownerId: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', active, iv);
      cipher.setAAD(Buffer.from(ownerId));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v2:${ring.activeKeyId}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
    },

    decrypt(stored: string, ownerId: string): string {
      const id = keyIdOf(stored);
      const key = keys.get(id);
      // The id is not secret (it names a key, not its bytes), and it tells the operator what to restore.
      if (!key) throw new Error(`PII key ${id} is not in the keyring`);
      const body = stored.slice(stored.lastIndexOf(':') + 1);
      const bytes = Buffer.from(body, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(ownerId));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    },

    /** Whether a stored value is under another key than the active one (re-encryption's filter). */
    isStale(stored: string): boolean {
      return keyIdOf(stored) !== ring.activeKeyId;
    },
  };
}

export type PiiCipher = ReturnType<typeof createPiiCipher>;
