import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { createPiiCipher, keyIdOf, LEGACY_KEY_ID, piiKeyring } from './pii-cipher';

describe('PII cipher (AES-256-GCM)', () => {
  const cipher = createPiiCipher(randomBytes(32).toString('base64'));

  it('reads back what it wrote, and never writes the clear text', () => {
    const stored = cipher.encrypt('+34 600 000 000', 'user-1');
    assert.match(stored, /^v2:legacy:/);
    assert.ok(!stored.includes('600'));
    assert.equal(cipher.decrypt(stored, 'user-1'), '+34 600 000 000');
  });

  it('gives two ciphertexts for one value (a fresh IV each time)', () => {
    assert.notEqual(cipher.encrypt('Calle Mayor 1', 'u'), cipher.encrypt('Calle Mayor 1', 'u'));
  });

  it("refuses a ciphertext moved onto another user's row", () => {
    const stored = cipher.encrypt('secret address', 'user-1');
    assert.throws(() => cipher.decrypt(stored, 'user-2'));
  });

  it('refuses a tampered ciphertext', () => {
    const stored = cipher.encrypt('secret', 'u');
    const bytes = Buffer.from(stored.slice('v2:legacy:'.length), 'base64');
    bytes[bytes.length - 1] ^= 1;
    assert.throws(() => cipher.decrypt(`v2:legacy:${bytes.toString('base64')}`, 'u'));
  });

  it('refuses a key of the wrong length', () => {
    assert.throws(() => createPiiCipher(randomBytes(16).toString('base64')), /32 bytes/);
  });
});

describe('PII keyring (rotation by key id)', () => {
  const legacy = randomBytes(32).toString('base64');
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64');
  /** A value as written before key ids: `v1:` and the same iv|tag|data body. */
  const asV1 = (stored: string) => `v1:${stored.slice(stored.lastIndexOf(':') + 1)}`;

  it('writes under the first listed key and names it in the ciphertext', () => {
    const cipher = createPiiCipher(piiKeyring(legacy, `k2=${k2},k1=${k1}`));
    const stored = cipher.encrypt('+34 600 000 000', 'u');
    assert.match(stored, /^v2:k2:/);
    assert.equal(keyIdOf(stored), 'k2');
    assert.equal(cipher.decrypt(stored, 'u'), '+34 600 000 000');
  });

  it('still reads values of older keys, legacy v1 values included, after the active key changed', () => {
    const before = createPiiCipher(piiKeyring(legacy, `k1=${k1}`));
    const underK1 = before.encrypt('Calle Mayor 1', 'u');
    const v1 = asV1(createPiiCipher(legacy).encrypt('Calle Luna 2', 'u'));
    const after = createPiiCipher(piiKeyring(legacy, `k2=${k2},k1=${k1}`));
    assert.equal(after.decrypt(underK1, 'u'), 'Calle Mayor 1');
    assert.equal(after.decrypt(v1, 'u'), 'Calle Luna 2');
    assert.equal(keyIdOf(v1), LEGACY_KEY_ID);
    assert.ok(after.isStale(underK1) && after.isStale(v1) && !after.isStale(after.encrypt('x', 'u')));
  });

  it('keeps PII_ENCRYPTION_KEY active while no list is set (a deployment without rotation)', () => {
    assert.match(createPiiCipher(piiKeyring(legacy, '')).encrypt('x', 'u'), /^v2:legacy:/);
  });

  it('refuses a value whose key id left the keyring, naming the id but not the key', () => {
    const stored = createPiiCipher(piiKeyring(legacy, `k1=${k1}`)).encrypt('x', 'u');
    const without = createPiiCipher(piiKeyring(legacy, `k2=${k2}`));
    assert.throws(
      () => without.decrypt(stored, 'u'),
      (error: Error) => error.message.includes('k1') && !error.message.includes(k1),
    );
  });

  it('refuses a key id used under another key (a ciphertext cannot pick a key it was not written with)', () => {
    const stored = createPiiCipher(piiKeyring(legacy, `k1=${k1}`)).encrypt('x', 'u');
    assert.throws(() => createPiiCipher(piiKeyring(legacy, `k1=${k2}`)).decrypt(stored, 'u'));
  });

  it('refuses malformed lists without echoing a key', () => {
    for (const list of [`=${k1}`, `k 1=${k1}`, `k1=${k1},k1=${k2}`, 'k1=c2hvcnQ=', 'k1']) {
      assert.throws(
        () => piiKeyring(legacy, list),
        (error: Error) => !error.message.includes(k1) && !error.message.includes(k2),
        list,
      );
    }
  });
});
