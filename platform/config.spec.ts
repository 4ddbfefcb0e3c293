import assert from 'node:assert/strict';
import { z } from 'zod';
import { baseConfig, ConfigError, csv, DEVELOPMENT_SECRETS, loadConfig, serviceConfig } from './config';

const ordersLike = serviceConfig({ grpcPort: 50053, metricsPort: 9453 });

describe('platform/config', () => {
  describe('loadConfig', () => {
    it('fills every setting from defaults that work on this machine', () => {
      const config = loadConfig(ordersLike, {});
      assert.equal(config.NODE_ENV, 'development');
      assert.equal(config.LOG_LEVEL, 'info');
      assert.equal(config.GRPC_HOST, '127.0.0.1');
      assert.equal(config.MYSQL_URL, 'mysql://root@127.0.0.1:3306');
      assert.equal(config.MYSQL_POOL_MAX, 10);
      assert.equal(config.REDIS_URL, 'redis://127.0.0.1:6379');
      assert.equal(config.KAFKA_BROKERS, '127.0.0.1:9092');
      assert.ok(config.JWT_SECRET.length >= 32);
      assert.equal(config.JWT_ISSUER, 'shopmesh');
      assert.equal(config.SHUTDOWN_GRACE_MS, 10_000);
      assert.equal(config.CLIENT_DEADLINE_MS, 3_000);
    });

    it('turns numeric variables from text into numbers', () => {
      const config = loadConfig(ordersLike, { GRPC_PORT: '7001', MYSQL_POOL_MAX: '3', SHUTDOWN_GRACE_MS: '250', CLIENT_DEADLINE_MS: '900' });
      assert.equal(config.GRPC_PORT, 7001);
      assert.equal(config.MYSQL_POOL_MAX, 3);
      assert.equal(config.SHUTDOWN_GRACE_MS, 250);
      assert.equal(config.CLIENT_DEADLINE_MS, 900);
    });

    it('names the bad variable in its error', () => {
      assert.throws(
        () => loadConfig(ordersLike, { GRPC_PORT: 'not-a-port' }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /^invalid configuration:/);
          assert.match(error.message, /GRPC_PORT/);
          assert.doesNotMatch(error.message, /METRICS_PORT/);
          return true;
        },
      );
    });

    it('names every bad variable at once', () => {
      assert.throws(
        () => loadConfig(ordersLike, { METRICS_PORT: '70000', JWT_SECRET: 'short', MYSQL_URL: 'postgres://db:5432', LOG_LEVEL: 'loud' }),
        (error: Error) => {
          for (const name of ['METRICS_PORT', 'JWT_SECRET', 'MYSQL_URL', 'LOG_LEVEL']) assert.match(error.message, new RegExp(`\\b${name}:`));
          return true;
        },
      );
    });

    it('refuses an empty numeric variable instead of reading it as 0', () => {
      // GRPC_PORT= in a compose file would otherwise bind a random port, and
      // SHUTDOWN_GRACE_MS= would silently turn draining off.
      assert.throws(() => loadConfig(ordersLike, { GRPC_PORT: '' }), /GRPC_PORT/);
      assert.throws(() => loadConfig(ordersLike, { SHUTDOWN_GRACE_MS: ' ' }), /SHUTDOWN_GRACE_MS/);
    });

    it('refuses fractional and negative numbers', () => {
      assert.throws(() => loadConfig(ordersLike, { GRPC_PORT: '80.5' }), /GRPC_PORT/);
      assert.throws(() => loadConfig(ordersLike, { SHUTDOWN_GRACE_MS: '-1' }), /SHUTDOWN_GRACE_MS/);
    });

    it('accepts redis and rediss URLs but only mysql for the database', () => {
      assert.equal(loadConfig(ordersLike, { REDIS_URL: 'rediss://cache:6380' }).REDIS_URL, 'rediss://cache:6380');
      assert.throws(() => loadConfig(ordersLike, { REDIS_URL: 'http://cache:6379' }), /REDIS_URL/);
      assert.equal(loadConfig(ordersLike, { MYSQL_URL: 'mysql://app:pw@db:3306' }).MYSQL_URL, 'mysql://app:pw@db:3306');
    });

    it('requires the ports when a schema has no defaults for them', () => {
      assert.throws(
        () => loadConfig(baseConfig, {}),
        (error: Error) => /GRPC_PORT/.test(error.message) && /METRICS_PORT/.test(error.message),
      );
      assert.equal(loadConfig(baseConfig, { GRPC_PORT: '0', METRICS_PORT: '0' }).GRPC_PORT, 0);
    });

    it('refuses to run production with the development PII key in PII_ENCRYPTION_KEYS', () => {
      const withKeys = ordersLike.extend({ PII_ENCRYPTION_KEY: z.string().default('x'), PII_ENCRYPTION_KEYS: z.string().default('') });
      const secret = 'a-production-secret-of-at-least-32-bytes';
      const env = { NODE_ENV: 'production', JWT_SECRET: secret, PII_ENCRYPTION_KEY: 'fresh' };
      assert.throws(
        () => loadConfig(withKeys, { ...env, PII_ENCRYPTION_KEYS: `k1=fresh,k0=${DEVELOPMENT_SECRETS.PII_ENCRYPTION_KEY}` }),
        (error: Error) =>
          /PII_ENCRYPTION_KEYS: lists the development key/.test(error.message) && !error.message.includes(DEVELOPMENT_SECRETS.PII_ENCRYPTION_KEY),
      );
      assert.equal(loadConfig(withKeys, { ...env, PII_ENCRYPTION_KEYS: 'k1=fresh' }).PII_ENCRYPTION_KEYS, 'k1=fresh');
    });

    it('refuses to run production on a published development secret, in one line naming it', () => {
      assert.throws(
        () => loadConfig(ordersLike, { NODE_ENV: 'production' }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.message.split('\n').length, 1);
          assert.match(error.message, /JWT_SECRET: must be set in production/);
          return true;
        },
      );
      assert.throws(() => loadConfig(ordersLike, { NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_SECRETS.JWT_SECRET }), /JWT_SECRET/);
      const secret = 'a-production-secret-of-at-least-32-bytes';
      assert.equal(loadConfig(ordersLike, { NODE_ENV: 'production', JWT_SECRET: secret }).JWT_SECRET, secret);
      assert.equal(loadConfig(ordersLike, { NODE_ENV: 'development' }).JWT_SECRET, DEVELOPMENT_SECRETS.JWT_SECRET);
    });

    it('keeps the fields a service adds to the schema', () => {
      const schema = ordersLike.extend({ ORDERS_DB_NAME: z.string().default('shop_orders'), ALLOWED: csv.default([]) });
      const config = loadConfig(schema, { ALLOWED: ' a, b ,,c ' });
      assert.equal(config.ORDERS_DB_NAME, 'shop_orders');
      assert.deepEqual(config.ALLOWED, ['a', 'b', 'c']);
    });
  });

  describe('serviceConfig', () => {
    it("uses the service's own default ports", () => {
      const config = loadConfig(serviceConfig({ grpcPort: 50052, metricsPort: 9452 }), {});
      assert.equal(config.GRPC_PORT, 50052);
      assert.equal(config.METRICS_PORT, 9452);
    });

    it('lets the environment override those ports, 0 included', () => {
      const config = loadConfig(serviceConfig({ grpcPort: 50052, metricsPort: 9452 }), { GRPC_PORT: '6000', METRICS_PORT: '0' });
      assert.equal(config.GRPC_PORT, 6000);
      assert.equal(config.METRICS_PORT, 0);
    });

    it('still validates an overridden port', () => {
      assert.throws(() => loadConfig(serviceConfig({ grpcPort: 50052, metricsPort: 9452 }), { METRICS_PORT: '65536' }), /METRICS_PORT/);
    });
  });
});
