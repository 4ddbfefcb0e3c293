import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { DEVELOPMENT_SECRETS, loadConfig } from '../../../platform/config';
import { paymentsConfig } from './config';

describe('payments configuration', () => {
  const jwt = 'a-production-secret-of-at-least-32-bytes';

  it('refuses to run production on the published payment token key, or without one', () => {
    assert.throws(
      () => loadConfig(paymentsConfig, { NODE_ENV: 'production', JWT_SECRET: jwt }),
      /^ConfigError: invalid configuration: PAYMENTS_TOKEN_KEY: must be set in production/,
    );
    assert.throws(
      () => loadConfig(paymentsConfig, { NODE_ENV: 'production', JWT_SECRET: jwt, PAYMENTS_TOKEN_KEY: DEVELOPMENT_SECRETS.PAYMENTS_TOKEN_KEY }),
      /PAYMENTS_TOKEN_KEY/,
    );
    const key = randomBytes(32).toString('base64');
    assert.equal(loadConfig(paymentsConfig, { NODE_ENV: 'production', JWT_SECRET: jwt, PAYMENTS_TOKEN_KEY: key }).PAYMENTS_TOKEN_KEY, key);
  });

  it('refuses a key that is not 32 bytes', () => {
    assert.throws(() => loadConfig(paymentsConfig, { PAYMENTS_TOKEN_KEY: randomBytes(16).toString('base64') }), /PAYMENTS_TOKEN_KEY: must be 32 bytes/);
  });
});
