/** Taskfile.yml, the GitHub Actions workflow, and yamllint over every deployment file. */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from '../../deploy/render/model';
import { yamllint } from './tools';

const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };

/** Every command a task runs, as text. */
function taskCommands(task: { cmds?: unknown[] }): string[] {
  return (task.cmds ?? []).map((cmd) => (typeof cmd === 'string' ? cmd : JSON.stringify(cmd)));
}

describe('Taskfile.yml', () => {
  const taskfile = parse(read('Taskfile.yml')) as { version: string; tasks: Record<string, { cmds?: unknown[] }> };
  const commands = Object.values(taskfile.tasks).flatMap(taskCommands);

  it('has a task for every npm script (npm scripts stay the one implementation)', () => {
    assert.equal(taskfile.version, '3');
    for (const script of Object.keys(pkg.scripts)) {
      if (/^(pre|post)/.test(script)) continue;
      const runs =
        script === 'test' || script === 'start'
          ? commands.some((c) => new RegExp(`^npm (run )?${script}\\b`).test(c))
          : commands.some((c) => c.startsWith(`npm run ${script}`));
      assert.ok(runs, `no task runs npm run ${script}`);
    }
  });

  it('brings the compose platform up and down', () => {
    assert.ok(
      commands.some((c) => /^docker compose up\b.*--wait/.test(c)),
      'task up',
    );
    assert.ok(
      commands.some((c) => /^docker compose down\b/.test(c)),
      'task down',
    );
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = parse(read('.github/workflows/ci.yml')) as {
    jobs: Record<
      string,
      { services?: Record<string, { image: string }>; steps: { run?: string; uses?: string; with?: Record<string, string>; env?: Record<string, string> }[] }
    >;
    env?: Record<string, string>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const runs = steps.map((s) => s.run ?? '');
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { image?: string }> };

  it('lints the contracts, checks them for breaking changes, type-checks and tests', () => {
    for (const command of ['npm ci', 'npm run lint:proto', 'npm run lint', 'npm run format:check', 'npm run breaking', 'npm run typecheck', 'npm test']) {
      assert.ok(
        runs.some((r) => r.includes(command)),
        `no step runs ${command}`,
      );
    }
    assert.ok(
      runs.some((r) => /buf breaking proto --against .*base\.binpb/.test(r)),
      'no breaking check against the base branch',
    );
  });

  it('tests against MySQL and Redis service containers of the versions compose runs', () => {
    const services = Object.values(workflow.jobs).flatMap((job) => Object.values(job.services ?? {}));
    for (const name of ['mysql', 'redis']) {
      const image = compose.services[name].image;
      assert.ok(
        services.some((s) => s.image === image),
        `CI has no ${image} service container`,
      );
    }
    assert.ok(
      steps.some((s) => s.uses?.startsWith('actions/setup-java') && s.with?.['java-version'] === '17'),
      'Kafka (scripts/kafka.sh) needs Java 17',
    );
  });

  it('runs the REST suite against Envoy in the compose platform', () => {
    assert.ok(runs.some((r) => /docker compose up\b.*--wait/.test(r)));
    const edge = steps.find((s) => s.run?.includes('npm run test:edge'));
    assert.ok(edge, 'no step runs npm run test:edge');
    assert.equal(edge.env?.EDGE_URL, 'http://localhost:8080');
  });

  it('uses the Node major version package.json asks for', () => {
    assert.equal(workflow.env?.NODE_VERSION, /^>=(\d+)\./.exec(pkg.engines.node)?.[1]);
  });
});

describe('yamllint', function () {
  this.timeout(60_000);

  it('passes over every deployment YAML file (.yamllint, strict)', () => {
    const k8s = readdirSync(join(root, 'deploy', 'k8s'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join('deploy', 'k8s', f));
    const files = ['docker-compose.yml', 'Taskfile.yml', '.github/workflows/ci.yml', '.yamllint', ...k8s];
    for (const file of files) assert.ok(existsSync(join(root, file)), `${file} is missing`);
    const result = yamllint(files);
    assert.equal(result.status, 0, `yamllint:\n${result.stdout}${result.stderr}`);
  });
});
