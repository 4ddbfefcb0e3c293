import { strict as assert } from 'node:assert';
import { createTokens } from './auth';
import { createServiceCredentials } from './service-credentials';

describe('platform/service-credentials', () => {
  const tokens = createTokens({ secret: 'a-test-secret-of-at-least-32-bytes-long', issuer: 'test' });

  it('authenticates as the service itself, with the service role', async () => {
    const options = await createServiceCredentials(tokens, 'orders')();
    const token = options.metadata!.authorization.replace(/^Bearer /, '');
    const { userId, roles, expiresAt } = await tokens.verify(token);
    assert.deepEqual({ userId, roles }, { userId: 'service:orders', roles: ['service'] });
    assert.ok(expiresAt && expiresAt.getTime() > Date.now(), 'a token that expires');
  });

  it('keeps one token while it is fresh', async () => {
    const credentials = createServiceCredentials(tokens, 'orders');
    assert.equal((await credentials()).metadata!.authorization, (await credentials()).metadata!.authorization);
  });
});
