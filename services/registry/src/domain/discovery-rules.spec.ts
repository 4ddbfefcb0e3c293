import assert from 'node:assert/strict';
import { Code, RpcError } from '../../../../platform/errors';
import { discoveredInstanceId, parseStaticTargets, serviceNameFor, validateTargets } from './discovery-rules';

describe('registry discovery rules', () => {
  it('names a server after its first contract', () => {
    assert.equal(serviceNameFor('shop.catalog.v1.CatalogService'), 'catalog');
    assert.equal(serviceNameFor('helloworld.Greeter'), 'greeter');
    assert.equal(serviceNameFor('acme.v1.StockLevelsService'), 'stock-levels');
    assert.equal(serviceNameFor('x.v1.Service'), 'service');
    assert.equal(serviceNameFor('x.v1._42'), 'discovered');
  });

  it('derives one instance id per address, so discovering again refreshes it', () => {
    assert.equal(discoveredInstanceId('10.0.0.1:50051'), discoveredInstanceId('10.0.0.1:50051'));
    assert.notEqual(discoveredInstanceId('10.0.0.1:50051'), discoveredInstanceId('10.0.0.1:50052'));
    assert.match(discoveredInstanceId('10.0.0.1:50051'), /^discovered-[0-9a-f]{16}$/);
  });

  it('reads static addresses with or without a name', () => {
    assert.deepEqual(parseStaticTargets(['echo=10.0.0.1:50051', 'legacy:9000']), [
      { name: 'echo', address: '10.0.0.1:50051', metricsPort: 0 },
      { name: '', address: 'legacy:9000', metricsPort: 0 },
    ]);
  });

  it('refuses no targets, too many, and malformed ones, naming each field', () => {
    const fieldsOf = (targets: Parameters<typeof validateTargets>[0]) => {
      try {
        validateTargets(targets);
        return [];
      } catch (error) {
        assert.equal((error as RpcError).code, Code.INVALID_ARGUMENT);
        return (error as RpcError).details.fieldViolations!.map((v) => v.field);
      }
    };
    assert.deepEqual(fieldsOf([]), ['targets']);
    assert.deepEqual(fieldsOf(Array.from({ length: 65 }, () => ({ address: 'a:1', name: '', metricsPort: 0 }))), ['targets']);
    assert.deepEqual(fieldsOf([{ address: 'http://x', name: 'Nope', metricsPort: -1 }]), ['targets[0].address', 'targets[0].name', 'targets[0].metrics_port']);
  });
});
