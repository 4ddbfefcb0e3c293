import { strict as assert } from 'node:assert';
import { hashPassword, verifyPassword } from './passwords';

describe('passwords (scrypt)', function () {
  this.timeout(10_000);

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse');
    assert.equal(await verifyPassword('correct horse', stored), true);
    assert.equal(await verifyPassword('correct horsE', stored), false);
  });

  it('salts every hash, and keeps its parameters with it', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it('treats a stored value of another scheme as no match', async () => {
    assert.equal(await verifyPassword('x', 'bcrypt$whatever'), false);
  });
});
