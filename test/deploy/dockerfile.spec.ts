/**
 * The Dockerfile read the way a reviewer reads it (no Docker engine here to build it):
 * the lockfile before the sources, production dependencies only in the image, a non-root
 * user, a healthcheck, and the entry point every manifest service has.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageNodeFlags } from '../../bench/lib/service-process';
import { SERVICES } from '../../services/manifest';
import { root } from '../../deploy/render/model';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

function stages(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result: Stage[] = [];
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (keyword.toUpperCase() === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      result.push({ name: name ?? String(result.length), from, instructions: [] });
    } else if (result.length) {
      result.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return result;
}

describe('Dockerfile', () => {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const all = stages(text);
  const stage = (name: string) => {
    const found = all.find((s) => s.name === name);
    assert.ok(found, `the Dockerfile has no stage ${name}`);
    return found;
  };
  const runtime = all.at(-1)!;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  it('ends with the runtime stage, the default target', () => {
    assert.equal(runtime.name, 'runtime');
  });

  it('installs from the lockfile before copying any source, so code changes reuse the dependency layer', () => {
    for (const name of ['deps', 'prod-deps']) {
      const steps = stage(name).instructions;
      const firstCopy = steps.findIndex((i) => i.keyword === 'COPY');
      assert.match(steps[firstCopy].args, /^package\.json package-lock\.json \.\/$/, `${name}: copy package*.json first`);
      const install = steps.findIndex((i) => i.keyword === 'RUN' && /npm ci\b/.test(i.args));
      assert.ok(install > firstCopy, `${name}: npm ci right after the lockfile`);
      assert.ok(
        steps.slice(firstCopy + 1, install).every((i) => i.keyword !== 'COPY'),
        `${name}: nothing else copied before npm ci`,
      );
    }
  });

  it('generates the code from the contracts, type-checks and compiles with tsc in the build stage', () => {
    const runs = stage('build')
      .instructions.filter((i) => i.keyword === 'RUN')
      .map((i) => i.args);
    assert.ok(runs.some((r) => r.includes('npm run generate')));
    assert.ok(runs.some((r) => r.includes('npm run typecheck')));
    assert.ok(
      runs.some((r) => r.includes('npm run build')),
      'the build stage must compile the services (npm run build)',
    );
    assert.match(pkg.scripts.build, /scripts\/build\.mjs/);
  });

  it('ships production dependencies only: no TypeScript loader, compiler or bench packages', () => {
    const install = stage('prod-deps').instructions.find((i) => i.keyword === 'RUN' && /npm ci\b/.test(i.args));
    assert.ok(install && /--omit=dev/.test(install.args), 'prod-deps must install with --omit=dev');
    for (const devOnly of ['tsx', 'typescript', 'cli-progress', 'hdr-histogram-js', 'mocha', '@biomejs/biome']) {
      assert.equal(pkg.dependencies[devOnly], undefined, `${devOnly} is for development: a devDependency`);
    }
    const modules = runtime.instructions.find((i) => i.keyword === 'COPY' && /\bnode_modules\b/.test(i.args));
    assert.ok(modules && /--from=prod-deps\b/.test(modules.args), 'runtime must take node_modules from prod-deps');
    const code = runtime.instructions.find((i) => i.keyword === 'COPY' && /--from=build\b/.test(i.args));
    assert.match(code?.args ?? '', /^--from=build \/app\/dist \.\/$/, 'runtime must take the compiled tree, dist/, as /app');
    assert.ok(
      !runtime.instructions.some((i) => i.keyword === 'COPY' && /\b(platform|services)\//.test(i.args) && !/--from/.test(i.args)),
      'no TypeScript sources in the runtime image',
    );
  });

  it('picks the service with a build argument declared in the runtime stage only (shared layers)', () => {
    assert.ok(runtime.instructions.some((i) => i.keyword === 'ARG' && i.args === 'SERVICE'));
    for (const other of all.slice(0, -1)) {
      assert.ok(!other.instructions.some((i) => i.keyword === 'ARG' && i.args.startsWith('SERVICE')), `${other.name} must not depend on SERVICE`);
    }
  });

  it('runs as a non-root user, by number', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER');
    assert.ok(users.length > 0, 'runtime has no USER');
    assert.match(users.at(-1)!.args, /^[1-9]\d*(:\d+)?$/);
  });

  it('has a HEALTHCHECK on /healthz of the metrics port', () => {
    const healthcheck = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK');
    assert.ok(healthcheck, 'runtime has no HEALTHCHECK');
    assert.match(healthcheck.args, /METRICS_PORT.*\/healthz/);
  });

  it('starts each manifest service as compiled JavaScript under plain node, with telemetry preloaded', () => {
    const cmd = runtime.instructions.find((i) => i.keyword === 'CMD');
    assert.ok(cmd);
    assert.match(cmd.args, /exec node (--[\w-]+=\w+ )*--require \.\/platform\/telemetry\.js services\/\$\{SERVICE\}\/src\/main\.js"/);
    assert.doesNotMatch(cmd.args, /tsx|\.ts\b|--enable-source-maps/);
    for (const service of SERVICES)
      assert.equal(service.main, `services/${service.name}/src/main.ts`, `the image runs services/<name>/src/main.js, compiled from main.ts`);
  });

  it('sets the V8 young generation in CMD, where the bench reads the flags it runs the services with', () => {
    const flags = imageNodeFlags(text);
    assert.ok(
      flags.some((f) => /^--max-semi-space-size=\d+$/.test(f)),
      `CMD flags: ${flags.join(' ')}`,
    );
  });

  it("renders gen/deploy (Envoy's config among it) after the sources are in and before the build that copies it into dist/", () => {
    const steps = stage('build').instructions;
    const sources = steps.findIndex((i) => i.keyword === 'COPY' && /^\.\s+\.\/?$/.test(i.args));
    const render = steps.findIndex((i) => i.keyword === 'RUN' && /scripts\/render-deploy\.ts/.test(i.args));
    const build = steps.findIndex((i) => i.keyword === 'RUN' && /npm run build/.test(i.args));
    assert.ok(sources >= 0 && render > sources && build > render, 'COPY . . , then render-deploy, then npm run build');
    // What the render and the type check read must be in the build context.
    const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const inContext = (path: string) => {
      let kept = true;
      for (const line of patterns) {
        const negated = line.startsWith('!');
        const pattern = (negated ? line.slice(1) : line).replace(/\/$/, '');
        const matches = pattern.startsWith('**/')
          ? path.split('/').includes(pattern.slice(3))
          : path === pattern || path.startsWith(`${pattern}/`) || (pattern.startsWith('*.') && path.endsWith(pattern.slice(1)));
        if (matches) kept = negated;
      }
      return kept;
    };
    for (const path of ['deploy/render/envoy.ts', 'deploy/render/index.ts', 'envoy/envoy.yaml', 'scripts/render-deploy.ts', 'services/manifest.ts']) {
      assert.ok(inContext(path), `.dockerignore leaves ${path} out of the build context`);
    }
    assert.ok(!inContext('gen/deploy/envoy/envoy.yaml'), 'gen/ is rendered in the image, never copied from the host');
  });

  it('keeps the build context small: no node_modules, generated code, git or .env', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', 'gen/', '.git/', '.env']) assert.ok(ignored.includes(entry), `.dockerignore must list ${entry}`);
  });

  it('runs the Node LTS major that .nvmrc names, one package.json engines allows', () => {
    const major = readFileSync(join(root, '.nvmrc'), 'utf8').trim();
    assert.match(major, /^\d*[02468]$/, 'an LTS line (even major)');
    const base = /ARG NODE_IMAGE=(\S+)/.exec(text)?.[1];
    assert.match(base ?? '', new RegExp(`^node:${major}[.\\w-]*$`));
    const minimum = Number(/^>=(\d+)\./.exec(pkg.engines.node)?.[1]);
    assert.ok(minimum <= Number(major), `engines ${pkg.engines.node} must allow Node ${major}`);
  });
});
