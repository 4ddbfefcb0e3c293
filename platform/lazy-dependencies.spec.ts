import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { filesOf } from './reflection';

const root = join(__dirname, '..');

/** The packages of node_modules a fresh process holds after requiring `modules`. */
function packagesLoadedBy(modules: string[], env: NodeJS.ProcessEnv = process.env): Set<string> {
  const script = `${modules.map((m) => `require(${JSON.stringify(m)});`).join('')}
    const names = Object.keys(require.cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean);
    process.stdout.write(JSON.stringify([...new Set(names)]));`;
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, encoding: 'utf8', env });
  return new Set(JSON.parse(out) as string[]);
}

// Memory at rest (docs/benchmarks.md): a service holds only the clients it uses.
describe('platform: dependencies load when first used', function () {
  this.timeout(30_000);

  it('loading the service runtime loads neither kafkajs, knex nor ioredis', () => {
    const loaded = packagesLoadedBy(['./platform/service-runtime.ts']);
    for (const name of ['kafkajs', 'knex', 'mysql2', 'ioredis']) assert.ok(!loaded.has(name), `${name} is loaded at start`);
  });

  it('the telemetry preload loads the OpenTelemetry SDK only when an OTLP endpoint is set', () => {
    const { OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, ...quiet } = process.env;
    const sdk = ['@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/instrumentation-http'];
    const without = packagesLoadedBy(['./platform/telemetry.ts'], quiet);
    for (const name of sdk) assert.ok(!without.has(name), `${name} is loaded without an endpoint`);
    const traced = packagesLoadedBy(['./platform/telemetry.ts'], { ...quiet, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' });
    for (const name of sdk) assert.ok(traced.has(name), `${name} is not loaded with an endpoint`);
  });

  it('a Kafka client loads kafkajs once a producer, consumer or admin is asked of it', () => {
    const loaded = packagesLoadedBy(['./platform/events/kafka.ts']);
    assert.ok(!loaded.has('kafkajs'));
    const script = `const { createKafka } = require('./platform/events/kafka.ts');
      const log = { child: () => log, debug() {}, info() {}, warn() {}, error() {} };
      const kafka = createKafka('127.0.0.1:1', 'lazy-test', log);
      const before = Object.keys(require.cache).some((f) => f.includes('/node_modules/kafkajs/'));
      kafka.admin();
      const after = Object.keys(require.cache).some((f) => f.includes('/node_modules/kafkajs/'));
      const patched = require('kafkajs/src/network/requestQueue').prototype.idleFix === true;
      process.stdout.write(JSON.stringify({ before, after, patched }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, encoding: 'utf8' }));
    assert.deepEqual(out, { before: false, after: true, patched: true });
  });
});

describe('platform/reflection: the files a service describes', () => {
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(join(root, 'gen', 'descriptors', 'shopmesh.binpb')));

  it('keeps the files of the served services and everything they import, in the set order', () => {
    const names = filesOf(set.file, ['shop.users.v1.UsersService', 'grpc.health.v1.Health']).map((f) => f.name);
    assert.ok(names.includes('shop/users/v1/users.proto'));
    for (const file of set.file.filter((f) => names.includes(f.name))) {
      for (const dependency of file.dependency) assert.ok(names.includes(dependency), `${file.name} imports ${dependency}`);
    }
    assert.deepEqual(
      names,
      set.file.map((f) => f.name).filter((name) => names.includes(name)),
    );
  });

  it('leaves out the other services and the event payloads', () => {
    const names = filesOf(set.file, ['shop.users.v1.UsersService']).map((f) => f.name);
    assert.ok(!names.some((name) => /catalog|orders|payments|events\.proto/.test(name)), names.join(', '));
    assert.ok(names.length < set.file.length / 2, `${names.length} of ${set.file.length} files`);
  });
});
