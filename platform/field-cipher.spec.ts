import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { createFieldCipher } from './field-cipher';

describe('field cipher (AES-256-GCM)', () => {
  const cipher = createFieldCipher(randomBytes(32).toString('base64'), 'payment token');

  it('reads back what it wrote, and never writes the clear text', () => {
    const stored = cipher.encrypt('tok_visa', 'order-1');
    assert.match(stored, /^v1:/);
    assert.ok(!stored.includes('tok_visa'));
    assert.equal(cipher.decrypt(stored, 'order-1'), 'tok_visa');
    assert.equal(cipher.decrypt(cipher.encrypt('', 'order-1'), 'order-1'), '');
  });

  it('gives two ciphertexts for one value (a fresh IV each time)', () => {
    assert.notEqual(cipher.encrypt('tok_visa', 'o'), cipher.encrypt('tok_visa', 'o'));
  });

  it('refuses a ciphertext moved onto another row', () => {
    assert.throws(() => cipher.decrypt(cipher.encrypt('tok_visa', 'order-1'), 'order-2'));
  });

  it('refuses a tampered ciphertext, and one written with another key', () => {
    const bytes = Buffer.from(cipher.encrypt('tok_visa', 'o').slice(3), 'base64');
    bytes[bytes.length - 1] ^= 1;
    assert.throws(() => cipher.decrypt(`v1:${bytes.toString('base64')}`, 'o'));
    const other = createFieldCipher(randomBytes(32).toString('base64'), 'payment token');
    assert.throws(() => other.decrypt(cipher.encrypt('tok_visa', 'o'), 'o'));
  });

  it('refuses a key of the wrong length, naming its purpose', () => {
    assert.throws(() => createFieldCipher(randomBytes(16).toString('base64'), 'payment token'), /payment token key must be 32 bytes/);
  });
});
