import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { createPiiCipher } from './pii-cipher';

describe('PII cipher (AES-256-GCM)', () => {
  const cipher = createPiiCipher(randomBytes(32).toString('base64'));

  it('reads back what it wrote, and never writes the clear text', () => {
    const stored = cipher.encrypt('+34 600 000 000', 'user-1');
    assert.match(stored, /^v1:/);
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
    const bytes = Buffer.from(stored.slice(3), 'base64');
    bytes[bytes.length - 1] ^= 1;
    assert.throws(() => cipher.decrypt(`v1:${bytes.toString('base64')}`, 'u'));
  });

  it('refuses a key of the wrong length', () => {
    assert.throws(() => createPiiCipher(randomBytes(16).toString('base64')), /32 bytes/);
  });
});
