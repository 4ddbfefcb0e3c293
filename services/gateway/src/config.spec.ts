import { strict as assert } from 'node:assert';
import { loadConfig } from '../../../platform/config';
import { gatewayConfig, FRONTED_SERVICES, upstreamAddresses } from './config';
import { loadContracts, serviceKey } from './contracts';

describe('gateway configuration', () => {
  it('has defaults that work on a development machine', () => {
    const config = loadConfig(gatewayConfig, {});
    assert.equal(config.HTTP_PORT, 8080);
    assert.equal(config.METRICS_PORT, 9460);
    assert.equal(config.GATEWAY_MAX_BODY_BYTES, 1024 * 1024);
    assert.deepEqual(upstreamAddresses(config, 'users'), []);
  });

  it('reads upstream addresses per service', () => {
    const config = loadConfig(gatewayConfig, { USERS_ADDRESSES: '10.0.0.1:50051, 10.0.0.2:50051', GATEWAY_TRUST_PROXY: 'true' });
    assert.deepEqual(upstreamAddresses(config, 'users'), ['10.0.0.1:50051', '10.0.0.2:50051']);
    assert.equal(config.GATEWAY_TRUST_PROXY, true);
  });

  it('declares <NAME>_ADDRESSES for every service with REST routes in the descriptor set', () => {
    const keys = Object.keys(gatewayConfig.shape);
    for (const service of loadContracts().services) {
      assert.ok((FRONTED_SERVICES as readonly string[]).includes(serviceKey(service)), service.typeName);
      assert.ok(keys.includes(`${serviceKey(service).toUpperCase()}_ADDRESSES`), service.typeName);
    }
  });

  it('refuses bad values, naming the variable', () => {
    assert.throws(() => loadConfig(gatewayConfig, { HTTP_PORT: '70000' }), /HTTP_PORT/);
    assert.throws(() => loadConfig(gatewayConfig, { GATEWAY_MAX_BODY_BYTES: '' }), /GATEWAY_MAX_BODY_BYTES/);
    assert.throws(() => loadConfig(gatewayConfig, { GATEWAY_TRUST_PROXY: 'yes' }), /GATEWAY_TRUST_PROXY/);
  });
});
