#!/usr/bin/env node
// One step from contracts to code: TypeScript (ts-proto, via buf.gen.yaml) into gen/ts,
// and one FileDescriptorSet with every import into gen/descriptors/shopmesh.binpb, which
// server reflection, Envoy's transcoder and the gateway all load. It holds our contracts,
// google.rpc (error details) and grpc.health.v1, each file once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary, toBinary, create } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

const contractsOnly = process.argv.includes('--contracts-only');
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`usage: npm run generate [-- --contracts-only]

Regenerates gen/ts (ts-proto, per buf.gen.yaml) and gen/descriptors/shopmesh.binpb
(contracts + google.rpc + grpc.health.v1) from proto/, then the deployment files
derived from services/manifest.ts and the contracts into gen/deploy/
(scripts/render-deploy.ts). npm ci runs it.
  --contracts-only   stop after the contracts (an image build, before the sources are in)
`);
  process.exit(0);
}

const buf = (...args) => execFileSync('node_modules/.bin/buf', args, { stdio: 'inherit' });
const googleProtos = 'node_modules/google-proto-files';

rmSync('gen', { recursive: true, force: true });
buf('generate');

const parts = join(tmpdir(), `shopmesh-descriptors-${process.pid}`);
mkdirSync(parts, { recursive: true });
const builds = {
  contracts: ['proto'],
  rpc: [googleProtos, '--path', `${googleProtos}/google/rpc/status.proto`, '--path', `${googleProtos}/google/rpc/error_details.proto`],
  health: ['node_modules/grpc-health-check/proto'],
};
const files = new Map();
for (const [name, input] of Object.entries(builds)) {
  const out = join(parts, `${name}.binpb`);
  buf('build', ...input, '-o', out);
  for (const file of fromBinary(FileDescriptorSetSchema, readFileSync(out)).file) {
    if (!files.has(file.name)) files.set(file.name, file);
  }
}
rmSync(parts, { recursive: true, force: true });

mkdirSync('gen/descriptors', { recursive: true });
const set = create(FileDescriptorSetSchema, { file: [...files.values()] });
writeFileSync('gen/descriptors/shopmesh.binpb', toBinary(FileDescriptorSetSchema, set));
console.log(`generated gen/ts and gen/descriptors/shopmesh.binpb (${files.size} files)`);

// Envoy, compose, Kubernetes, Prometheus and MySQL files: their per-service parts come from
// the manifest (each service's spec) and the descriptor set just written.
if (!contractsOnly) execFileSync('node_modules/.bin/tsx', ['scripts/render-deploy.ts'], { stdio: 'inherit' });
