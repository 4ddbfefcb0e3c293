import assert from 'node:assert/strict';
import { aggregateCallStats, HANDLED_METRIC } from './call-stats';
import type { Sample } from './metrics-exposition';

const handled = (service: string, method: string, code: string, value: number): Sample => ({
  name: HANDLED_METRIC,
  labels: { grpc_service: service, grpc_method: method, grpc_type: 'unary', grpc_code: code },
  value,
});
const USERS = 'shop.users.v1.UsersService';

describe('registry domain: call statistics', () => {
  it('sums calls over instances and counts every status but OK as an error', () => {
    const stats = aggregateCallStats([
      { serviceName: 'users', contracts: [USERS], samples: [handled(USERS, 'Login', 'OK', 5), handled(USERS, 'Login', 'UNAUTHENTICATED', 2)] },
      { serviceName: 'users', contracts: [USERS], samples: [handled(USERS, 'Login', 'OK', 4), handled(USERS, 'Register', 'INTERNAL', 1)] },
    ]);
    assert.deepEqual(stats, [
      { serviceName: 'users', method: `${USERS}/Login`, calls: '11', errors: '2' },
      { serviceName: 'users', method: `${USERS}/Register`, calls: '1', errors: '1' },
    ]);
  });

  it("counts only an instance's own contracts, not other counters of its process", () => {
    const stats = aggregateCallStats([
      {
        serviceName: 'users',
        contracts: [USERS],
        samples: [handled(USERS, 'Login', 'OK', 1), handled('shop.registry.v1.RegistryService', 'Register', 'OK', 9)],
      },
    ]);
    assert.deepEqual(
      stats.map((s) => s.method),
      [`${USERS}/Login`],
    );
  });

  it('counts every series when reflection could not tell the contracts', () => {
    const stats = aggregateCallStats([
      { serviceName: 'users', contracts: [], samples: [handled(USERS, 'Login', 'OK', 1), handled('x.v1.Other', 'Do', 'OK', 1)] },
    ]);
    assert.equal(stats.length, 2);
  });

  it('ignores other metrics and series without a method', () => {
    const stats = aggregateCallStats([
      {
        serviceName: 'users',
        contracts: [],
        samples: [
          { name: 'grpc_server_started_total', labels: { grpc_service: USERS, grpc_method: 'Login' }, value: 3 },
          { name: HANDLED_METRIC, labels: {}, value: 1 },
        ],
      },
    ]);
    assert.deepEqual(stats, []);
  });

  it('sorts by service, then method', () => {
    const stats = aggregateCallStats([
      { serviceName: 'users', contracts: [], samples: [handled(USERS, 'Register', 'OK', 1)] },
      { serviceName: 'catalog', contracts: [], samples: [handled('shop.catalog.v1.CatalogService', 'GetProduct', 'OK', 1)] },
      { serviceName: 'users', contracts: [], samples: [handled(USERS, 'Login', 'OK', 1)] },
    ]);
    assert.deepEqual(
      stats.map((s) => `${s.serviceName} ${s.method}`),
      ['catalog shop.catalog.v1.CatalogService/GetProduct', `users ${USERS}/Login`, `users ${USERS}/Register`],
    );
  });
});
