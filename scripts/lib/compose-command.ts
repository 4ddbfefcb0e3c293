import { spawnSync } from 'node:child_process';

const answers = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/**
 * The `docker compose` plugin (v2, what Docker installs and GitHub's runners have), or else
 * Debian's `docker-compose` package (v1, what the deployment checks install here). Their
 * `config` output differs in form; test/deploy/compose-config.ts reads both.
 */
export function composeCommand(): string[] {
  if (answers('docker', ['compose', 'version'])) return ['docker', 'compose'];
  if (answers('docker-compose', ['version'])) return ['docker-compose'];
  throw new Error('docker-compose not found on PATH: install docker-compose (Debian package), or the Docker Compose plugin');
}
