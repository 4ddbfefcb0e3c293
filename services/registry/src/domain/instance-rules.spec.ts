import assert from 'node:assert/strict';
import { Code, RpcError } from '../../../../platform/errors';
import type { Instance } from '../../../../gen/ts/shop/registry/v1/registry';
import { expiresAfterMs, liveness, metricsUrl, splitAddress, uptimeSeconds, validateRegistration } from './instance-rules';

const now = new Date('2026-11-25T12:00:00.000Z');
const instance = (overrides: Partial<Instance> = {}): Instance => ({
  id: '',
  serviceName: 'users',
  version: '0.1.0',
  address: '10.0.0.7:50051',
  grpcPort: 50051,
  metricsPort: 9451,
  startedAt: new Date('2026-11-25T11:59:00.000Z'),
  lastHeartbeatAt: undefined,
  health: 0,
  methods: [],
  uptimeSeconds: '0',
  discovered: false,
  ...overrides,
});

function violationsOf(input: Instance | undefined): string[] {
  try {
    validateRegistration(input, now);
  } catch (error) {
    assert.ok(error instanceof RpcError);
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    return error.details.fieldViolations!.map((v) => v.field);
  }
  return [];
}

describe('registry domain: instance rules', () => {
  describe('expiry', () => {
    const interval = 1_000;
    const beatAgo = (ms: number) => ({ lastHeartbeatAt: new Date(now.getTime() - ms) });

    it('keeps an instance alive while it heart-beats, tolerating one late beat', () => {
      assert.equal(liveness(beatAgo(0), now, interval), 'alive');
      assert.equal(liveness(beatAgo(1_999), now, interval), 'alive');
    });

    it('marks an instance down once it missed a heartbeat and more', () => {
      assert.equal(liveness(beatAgo(2_000), now, interval), 'late');
      assert.equal(liveness(beatAgo(2_999), now, interval), 'late');
    });

    it('expires an instance after three silent intervals, the TTL of its key', () => {
      assert.equal(expiresAfterMs(interval), 3_000);
      assert.equal(liveness(beatAgo(3_000), now, interval), 'expired');
    });

    it('counts uptime in whole seconds, never negative', () => {
      assert.equal(uptimeSeconds(new Date(now.getTime() - 61_500), now), 61);
      assert.equal(uptimeSeconds(new Date(now.getTime() + 2_000), now), 0);
    });
  });

  describe('registration', () => {
    it('accepts a well-formed instance, minting an id and stamping the heartbeat', () => {
      const record = validateRegistration(instance(), now);
      assert.match(record.id, /^[0-9a-f-]{36}$/);
      assert.equal(record.lastHeartbeatAt.getTime(), now.getTime());
      assert.equal(record.grpcPort, 50051);
    });

    it('keeps an id the instance chose, so it can register again as itself', () => {
      assert.equal(validateRegistration(instance({ id: 'users-7f3a' }), now).id, 'users-7f3a');
    });

    it('takes the gRPC port from the address when it is not given', () => {
      assert.equal(validateRegistration(instance({ grpcPort: 0 }), now).grpcPort, 50051);
    });

    it('accepts host names and bracketed IPv6 addresses', () => {
      assert.deepEqual(violationsOf(instance({ address: 'users:50051' })), []);
      assert.deepEqual(violationsOf(instance({ address: 'users-0.users.shop.svc.cluster.local:50051' })), []);
      assert.deepEqual(violationsOf(instance({ address: '[::1]:50051' })), []);
    });

    it('reports every bad field at once', () => {
      const fields = violationsOf(instance({ id: '../x', serviceName: 'Users!', version: '', address: 'nowhere', metricsPort: 70_000 }));
      assert.deepEqual(fields.sort(), [
        'instance.address',
        'instance.grpc_port',
        'instance.id',
        'instance.metrics_port',
        'instance.service_name',
        'instance.version',
      ]);
    });

    it('refuses a gRPC port that is not the port of the address', () => {
      assert.deepEqual(violationsOf(instance({ grpcPort: 50052 })), ['instance.grpc_port']);
    });

    it('refuses addresses that are not host:port', () => {
      for (const address of ['10.0.0.7', '10.0.0.7:0', '10.0.0.7:99999', 'http://x:1', '::1:50051', 'a b:1', '[users]:1']) {
        assert.deepEqual(violationsOf(instance({ address, grpcPort: 0 })), ['instance.address'], address);
      }
    });

    it('refuses a start time in the future', () => {
      assert.deepEqual(violationsOf(instance({ startedAt: new Date(now.getTime() + 3_600_000) })), ['instance.started_at']);
    });

    it('refuses a request without an instance', () => {
      assert.deepEqual(violationsOf(undefined), ['instance']);
    });
  });

  it('finds /metrics on the host of the gRPC address', () => {
    assert.equal(metricsUrl({ address: '10.0.0.7:50051', metricsPort: 9451 }), 'http://10.0.0.7:9451/metrics');
    assert.equal(metricsUrl({ address: '[::1]:50051', metricsPort: 9451 }), 'http://[::1]:9451/metrics');
    assert.deepEqual(splitAddress('users:50051'), { host: 'users', port: 50051 });
  });
});
