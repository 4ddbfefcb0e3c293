/**
 * The command-line tools the deployment checks run. None is installed by a test: a missing
 * one fails with the package that brings it.
 */
import { strict as assert } from 'node:assert';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderKubernetes } from '../../deploy/render/kubernetes';
import { root } from '../../deploy/render/model';
import type { RenderedFile } from '../../deploy/render/rendered-file';

export { composeCommand } from '../../scripts/lib/compose-command';

const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

function need(command: string, install: string): string {
  if (!onPath(command)) throw new Error(`${command} not found on PATH: ${install}`);
  return command;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const result: SpawnSyncReturns<string> = spawnSync(command[0], command.slice(1), {
    cwd: root,
    encoding: 'utf8',
    env: options.env ?? process.env,
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function kustomize(dir: string): Run {
  return run([need('kubectl', 'install kubernetes-client (Debian package) or kubectl'), 'kustomize', dir]);
}

/** Every resource `kubectl kustomize <dir>` renders, as plain objects; fails with kustomize's own message. */
function resourcesOf<R>(dir: string): R[] {
  const result = kustomize(dir);
  assert.equal(result.status, 0, `kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS())
    .filter(Boolean);
}

/**
 * Lays out a temporary copy of the repository's kustomize base as `kubectl apply -k
 * deploy/k8s` sees it: the hand-written deploy/k8s, and beside it gen/deploy/k8s (which it
 * lists as a resource) with `rendered` (renderKubernetes() of the manifest unless given;
 * paths relative to gen/deploy). Returns the root of the copy; the caller removes it.
 */
export function layOutKubernetesBase(rendered: RenderedFile[] = renderKubernetes()): string {
  const dir = mkdtempSync(join(tmpdir(), 'shopmesh-k8s-'));
  cpSync(join(root, 'deploy', 'k8s'), join(dir, 'deploy', 'k8s'), { recursive: true });
  for (const file of rendered) {
    const path = join(dir, 'gen', 'deploy', file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  return dir;
}

/** deploy/k8s rendered by kustomize with the given per-service part (the manifest's by default). */
export function kustomizeBase<R = any>(rendered?: RenderedFile[]): R[] {
  const dir = layOutKubernetesBase(rendered);
  try {
    return resourcesOf<R>(join(dir, 'deploy', 'k8s'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every resource `kubectl kustomize <dir>` renders, as plain objects; fails with kustomize's
 * own message. deploy/k8s includes ../../gen/deploy/k8s: it is kustomized from a temporary
 * copy with that part rendered now, in memory (kustomizeBase), never from a possibly stale
 * gen/deploy.
 */
export function kustomizeResources<R = any>(dir: string): R[] {
  if (resolve(root, dir) === join(root, 'deploy', 'k8s')) return kustomizeBase<R>();
  return resourcesOf<R>(dir);
}

export function yamllint(files: string[]): Run {
  return run([need('yamllint', 'install yamllint (Debian package)'), '--strict', '-c', '.yamllint', ...files]);
}

export function bash(script: string, env: NodeJS.ProcessEnv): Run {
  return run(['bash', '-c', script], { env });
}
