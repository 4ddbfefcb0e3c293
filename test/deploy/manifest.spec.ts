import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressesVariable } from '../../platform/service-spec';
import { loadContracts, serviceKey } from '../../services/gateway/src/contracts';
import { isGrpcService, SERVICES } from '../../services/manifest';
import { root } from '../../deploy/render/model';

/**
 * services/manifest.ts is a list of specs (platform/service-spec.ts); what it
 * derives from them is checked here: entry points, start order, the edge's
 * upstreams and each spec's `<CALLEE>_ADDRESSES`.
 */
describe('services/manifest.ts', () => {
  const grpc = SERVICES.filter(isGrpcService);

  it('starts every service by its spec alone: main.ts is runService(<its spec>)', () => {
    for (const entry of grpc) {
      const main = readFileSync(join(root, entry.main), 'utf8');
      assert.match(main, /^runService\(\w+Service\);$/m, entry.main);
      assert.equal(main.split('\n').filter((line) => line.trim() && !line.startsWith('import')).length, 1, `${entry.main} is one line`);
    }
  });

  it('starts every callee before its callers', () => {
    const position = new Map(SERVICES.map((s, i) => [s.name, i]));
    for (const entry of SERVICES) {
      for (const callee of entry.calls) assert.ok(position.get(callee)! < position.get(entry.name)!, `${callee} before ${entry.name}`);
    }
  });

  it("adds one <CALLEE>_ADDRESSES per callee to a spec's schema, and the runtime needs each", () => {
    for (const entry of grpc) {
      const keys = Object.keys((entry.config as unknown as { shape: object }).shape);
      for (const callee of entry.calls) assert.ok(keys.includes(addressesVariable(callee)), `${entry.name}: ${addressesVariable(callee)}`);
      assert.deepEqual(entry.calls, Object.keys(entry.spec.calls));
    }
  });

  it('puts the edge in front of every gRPC service, and every service the edge transcodes is in the manifest', () => {
    const edge = SERVICES.find((s) => !isGrpcService(s))!;
    assert.deepEqual(
      edge.calls,
      grpc.map((s) => s.name),
    );
    for (const service of loadContracts().services) {
      assert.ok(edge.calls.includes(serviceKey(service)), `${service.typeName} (${serviceKey(service)}) has REST routes but is not in the manifest`);
    }
  });
});
