import assert from 'node:assert/strict';
import type { networkInterfaces } from 'node:os';
import { advertisedHost, joinHostPort } from './registration';

type Interfaces = ReturnType<typeof networkInterfaces>;
const nic = (address: string, family: 'IPv4' | 'IPv6', internal: boolean) =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null }) as unknown as NonNullable<Interfaces[string]>[number];
const interfaces: Interfaces = {
  lo: [nic('127.0.0.1', 'IPv4', true)],
  eth0: [nic('fe80::1', 'IPv6', false), nic('10.1.2.3', 'IPv4', false)],
};

describe('platform/registration: the advertised address', () => {
  it('advertises ADVERTISED_HOSTNAME when it is set', () => {
    assert.equal(advertisedHost({ ADVERTISED_HOSTNAME: 'users', GRPC_HOST: '0.0.0.0' }, interfaces), 'users');
  });

  it('advertises the listen host when it is a real address', () => {
    assert.equal(advertisedHost({ ADVERTISED_HOSTNAME: '', GRPC_HOST: '127.0.0.1' }, interfaces), '127.0.0.1');
  });

  it("advertises the machine's own IPv4 address when listening on every interface (a container)", () => {
    for (const wildcard of ['0.0.0.0', '::']) {
      assert.equal(advertisedHost({ ADVERTISED_HOSTNAME: '', GRPC_HOST: wildcard }, interfaces), '10.1.2.3');
    }
  });

  it('falls back to the host name when there is no external IPv4 address', () => {
    assert.equal(advertisedHost({ ADVERTISED_HOSTNAME: '', GRPC_HOST: '0.0.0.0' }, { lo: interfaces.lo }, 'users-7d9f'), 'users-7d9f');
  });

  it('brackets IPv6 literals in host:port', () => {
    assert.equal(joinHostPort('fd00::5', 50051), '[fd00::5]:50051');
    assert.equal(joinHostPort('users', 50051), 'users:50051');
  });
});
