#!/usr/bin/env node
// `npm run build`: the services as production runs them, in dist/. tsc emits platform/,
// services/ and gen/ts with the source tree's layout (tsconfig.build.json); the files the
// code reads at run time that are not TypeScript are copied to the same relative places.
// That is the one rule for paths: a module finds its files relative to itself, and the
// compiled tree mirrors the source tree (migrations are found by the running module's own
// extension, .ts or .js: platform/db.ts). test/deploy/build.spec.ts checks it.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run build [-- --out-dir <dir>]

Compiles the services to JavaScript (tsc -p tsconfig.build.json) into dist/ (or <dir>) and
copies beside it what they read at run time: gen/descriptors, services/gateway/public, envoy/envoy.yaml
(the template the gateway follows), gen/deploy/envoy/envoy.yaml (the config rendered from it, which
Envoy's init container copies in Kubernetes) and package.json. Run a service with: node --require ./dist/platform/telemetry.js dist/services/<name>/src/main.js
`;
const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' }, help: { type: 'boolean', short: 'h', default: false } } });
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const out = values['out-dir'];

/**
 * Files read at run time relative to the reading module, copied to the same place in the output;
 * and Envoy's rendered config, which the gateway's image carries for Envoy (deploy/k8s/envoy.yaml).
 */
export const RUNTIME_ASSETS = ['package.json', 'gen/descriptors', 'services/gateway/public', 'envoy/envoy.yaml', 'gen/deploy/envoy/envoy.yaml'];

if (!existsSync('gen/descriptors/shopmesh.binpb') || !existsSync('gen/deploy/envoy/envoy.yaml')) execFileSync('npm', ['run', 'generate'], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', out], { stdio: 'inherit' });
for (const asset of RUNTIME_ASSETS) cpSync(asset, join(out, asset), { recursive: true });
console.log(`built ${out}/ (services as JavaScript, with ${RUNTIME_ASSETS.join(', ')})`);
