import assert from 'node:assert/strict';
import { createLogger } from '../../../platform/logger';
import type { InstanceRecord } from '../src/domain/instance-rules';
import { createInstanceProbes } from '../src/probes/instance-probes';
import { startOutsideService, type OutsideService } from './outside-service';

/**
 * The registry's probes against a real gRPC server. Any read of the fleet
 * drops the probes of instances that are not live, and a candidate being
 * discovered is not live yet: a CI run lost a freshly started server to
 * "Channel closed before call started" when two targets were discovered at once.
 */
describe('registry: instance probes', function () {
  this.timeout(20_000);
  let server: OutsideService;
  const probes = createInstanceProbes({ timeoutMs: 5_000, cacheMs: 0, metricsMaxBytes: 1024, log: createLogger('probes-test', 'silent') });

  before(async () => {
    server = await startOutsideService();
  });
  after(async () => {
    probes.close();
    await server?.stop();
  });

  const candidate = (): InstanceRecord => ({
    id: `discovered-${server.address}`,
    serviceName: '',
    version: 'discovered',
    address: server.address,
    grpcPort: Number(server.address.split(':')[1]),
    metricsPort: 0,
    startedAt: new Date(),
    lastHeartbeatAt: new Date(),
    origin: 'discovered',
  });

  it('keeps a pinned candidate while the fleet is read: its health and contracts answer', async () => {
    const record = candidate();
    const seen = await probes.whilePinned(record.id, async () => {
      const health = probes.health(record);
      probes.forgetAllBut([]); // a concurrent ListServices or refresh round, with no candidate in its list
      return { health: await health, contracts: await probes.contracts(record) };
    });
    assert.equal(seen.health, 'SERVING');
    assert.deepEqual(seen.contracts.services, ['outside.echo.v1.EchoService']);
  });

  it('drops an unpinned instance that is not live, and opens a new channel when asked again', async () => {
    const record = candidate();
    const first = probes.channelOf(record);
    probes.forgetAllBut([]);
    assert.notEqual(probes.channelOf(record), first);
    assert.equal(await probes.health(record), 'SERVING');
  });
});
