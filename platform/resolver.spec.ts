import assert from 'node:assert/strict';
import { HealthStatus, type Instance, type ServiceSummary } from '../gen/ts/shop/registry/v1/registry';
import { servingAddresses } from './resolver';

const USERS = 'shop.users.v1.UsersService';
const instance = (address: string, health: HealthStatus, methods = [`${USERS}/Login`]): Instance => ({
  id: address,
  serviceName: 'users',
  version: '1',
  address,
  grpcPort: 0,
  metricsPort: 0,
  startedAt: undefined,
  lastHeartbeatAt: undefined,
  health,
  methods,
  uptimeSeconds: '0',
  discovered: false,
});
const fleet = (...instances: Instance[]): ServiceSummary[] => [{ name: 'users', instances }];

describe('platform/resolver: serving addresses', () => {
  it('resolves a contract to its serving instances, sorted', () => {
    const services = fleet(instance('10.0.0.9:50051', HealthStatus.HEALTH_STATUS_SERVING), instance('10.0.0.2:50051', HealthStatus.HEALTH_STATUS_SERVING));
    assert.deepEqual(servingAddresses(services, USERS), ['10.0.0.2:50051', '10.0.0.9:50051']);
  });

  it('leaves out instances that are down or not serving', () => {
    const services = fleet(
      instance('10.0.0.1:50051', HealthStatus.HEALTH_STATUS_SERVING),
      instance('10.0.0.2:50051', HealthStatus.HEALTH_STATUS_UNREACHABLE),
      instance('10.0.0.3:50051', HealthStatus.HEALTH_STATUS_NOT_SERVING),
    );
    assert.deepEqual(servingAddresses(services, USERS), ['10.0.0.1:50051']);
  });

  it('matches the contract by its full name, not a prefix of it', () => {
    const services = fleet(instance('10.0.0.1:50051', HealthStatus.HEALTH_STATUS_SERVING, [`${USERS}Admin/Login`]));
    assert.equal(servingAddresses(services, USERS), undefined);
  });

  it('is undefined when nothing serves the contract, so the caller falls back', () => {
    assert.equal(servingAddresses([], USERS), undefined);
  });
});
