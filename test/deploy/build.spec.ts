/**
 * `npm run build` (scripts/build.mjs): the services compiled as the images run them. The
 * compiled tree mirrors the source tree, so each file a module finds relative to itself
 * (the descriptor set, the storefront, package.json, the migrations) is found the same way
 * in both: checked here by asking the compiled modules themselves.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICES } from '../../services/manifest';
import { MODULE_EXTENSION, migrationFiles } from '../../platform/db';
import { root } from '../../deploy/render/model';

describe("npm run build: compiled JavaScript with the source tree's layout", function () {
  this.timeout(180_000);
  // Inside the repository (.cache/ is ignored by git) so that node_modules resolves as in /app.
  const out = join('.cache', `build-test-${process.pid}`);
  const compiled = join(root, out);

  before(() => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--out-dir', out], { cwd: root, stdio: 'pipe' });
  });
  after(() => rmSync(compiled, { recursive: true, force: true }));

  /** Evaluates `expression` in plain node (no tsx) inside the compiled tree, returning its JSON. */
  const inCompiled = (expression: string) =>
    JSON.parse(execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(${expression}))`], { cwd: compiled, encoding: 'utf8' }));

  it('has the entry point of every manifest service and no specs', () => {
    for (const service of SERVICES) assert.ok(existsSync(join(compiled, service.main.replace(/\.ts$/, '.js'))), `${service.main} was not compiled`);
    assert.ok(!existsSync(join(compiled, 'test')), 'tests are not part of the build');
    assert.ok(!readdirSync(join(compiled, 'platform')).some((f) => f.endsWith('.spec.js')), 'no spec in the build');
  });

  it("finds each service's migrations by the running module's extension: .ts from source, .js compiled", () => {
    assert.equal(MODULE_EXTENSION, '.ts');
    assert.equal(inCompiled("require('./platform/db.js').MODULE_EXTENSION"), '.js');
    for (const service of SERVICES) {
      const dir = join('services', service.name, 'migrations');
      if (!existsSync(join(root, dir))) continue;
      const source = migrationFiles(join(root, dir));
      assert.ok(source.length > 0, `${dir} has no migration`);
      const built: string[] = inCompiled(`require('./platform/db.js').migrationFiles(${JSON.stringify(dir)})`);
      assert.deepEqual(
        built,
        source.map((f) => f.replace(/\.ts$/, '.js')),
        `${dir}: the same migrations, compiled`,
      );
    }
  });

  it('finds the descriptor set, the storefront and the version where the compiled modules look for them', () => {
    assert.ok(existsSync(inCompiled("require('./platform/server.js').DESCRIPTOR_SET_PATH")), 'descriptor set');
    // Method policy (access, idempotency) is read from that set at run time.
    assert.equal(inCompiled("require('./platform/rpc/method-policy.js').accessOf('/shop.catalog.v1.CatalogService/ReserveStock')"), 'service');
    const publicDir = inCompiled("require('./services/gateway/src/config.js').gatewayConfig.parse({}).GATEWAY_PUBLIC_DIR");
    assert.ok(existsSync(join(publicDir, 'index.html')), `storefront at ${publicDir}`);
    assert.ok(publicDir.startsWith(compiled), 'the compiled gateway serves its own copy');
    const envoyConfig = inCompiled("require('./services/gateway/src/config.js').gatewayConfig.parse({}).GATEWAY_ENVOY_CONFIG");
    assert.ok(existsSync(envoyConfig) && envoyConfig.startsWith(compiled), `the compiled gateway reads envoy.yaml's transcoder settings at ${envoyConfig}`);
    const version = inCompiled("require('./platform/config.js').baseConfig.shape.SERVICE_VERSION.parse(undefined)");
    assert.equal(version, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});
