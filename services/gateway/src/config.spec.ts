import { strict as assert } from 'node:assert';
import { loadConfig } from '../../../platform/config';
import { addressesVariable } from '../../../platform/service-spec';
import { gatewayConfig, upstreamAddresses } from './config';
import { loadContracts, serviceKey } from './contracts';

describe('gateway configuration', () => {
  it('has defaults that work on a development machine', () => {
    const config = loadConfig(gatewayConfig, {});
    assert.equal(config.HTTP_PORT, 8080);
    assert.equal(config.METRICS_PORT, 9460);
    assert.equal(config.GATEWAY_TRUSTED_PROXY_HOPS, 0);
    assert.match(config.GATEWAY_ENVOY_CONFIG, /envoy\/envoy\.yaml$/);
    assert.deepEqual(upstreamAddresses(config, 'users'), []);
  });

  it('reads upstream addresses per service', () => {
    const config = loadConfig(gatewayConfig, { USERS_ADDRESSES: '10.0.0.1:50051, 10.0.0.2:50051', GATEWAY_TRUSTED_PROXY_HOPS: '1' });
    assert.deepEqual(upstreamAddresses(config, 'users'), ['10.0.0.1:50051', '10.0.0.2:50051']);
    assert.equal(config.GATEWAY_TRUSTED_PROXY_HOPS, 1);
  });

  it('reads upstreams of any service by full name (GATEWAY_UPSTREAMS), ahead of <NAME>_ADDRESSES', () => {
    const config = loadConfig(gatewayConfig, {
      USERS_ADDRESSES: '10.0.0.1:1',
      GATEWAY_UPSTREAMS: 'shop.users.v1.UsersService=10.0.0.9:1|10.0.0.8:1, bookstore.Bookstore=127.0.0.1:9',
    });
    assert.deepEqual(upstreamAddresses(config, 'users', 'shop.users.v1.UsersService'), ['10.0.0.9:1', '10.0.0.8:1']);
    assert.deepEqual(upstreamAddresses(config, 'Bookstore', 'bookstore.Bookstore'), ['127.0.0.1:9']);
    assert.throws(() => loadConfig(gatewayConfig, { GATEWAY_UPSTREAMS: 'no-equals-sign' }), /GATEWAY_UPSTREAMS/);
  });

  it('reads <NAME>_ADDRESSES for every service with REST routes in the descriptor set', () => {
    const services = loadContracts().services;
    const env = Object.fromEntries(services.map((service, i) => [addressesVariable(serviceKey(service)), `10.0.0.${i + 1}:1`]));
    const config = loadConfig(gatewayConfig, env);
    services.forEach((service, i) => assert.deepEqual(upstreamAddresses(config, serviceKey(service), service.typeName), [`10.0.0.${i + 1}:1`]));
  });

  it('refuses bad values, naming the variable', () => {
    assert.throws(() => loadConfig(gatewayConfig, { HTTP_PORT: '70000' }), /HTTP_PORT/);
    assert.throws(() => loadConfig(gatewayConfig, { GATEWAY_TRUSTED_PROXY_HOPS: '' }), /GATEWAY_TRUSTED_PROXY_HOPS/);
    assert.throws(() => loadConfig(gatewayConfig, { GATEWAY_RATE_LIMIT_STORE: 'disk' }), /GATEWAY_RATE_LIMIT_STORE/);
  });
});
