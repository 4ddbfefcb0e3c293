import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completeEnv, composeSecrets } from '../deploy/render/compose';
import { runCli } from './lib/cli';
import { composeCommand } from './lib/compose-command';

const USAGE = `usage: npm run compose -- <docker compose arguments>   e.g. npm run compose -- up -d --build --wait
       npm run compose:env

Runs docker compose on the whole platform: docker-compose.yml (the infrastructure) and
gen/deploy/compose/services.yml (a block per service of services/manifest.ts). First it
renders gen/deploy (as npm run generate does) and creates .env from .env.example, or
completes an existing one: every secret it lacks, a service's database password included,
gets a fresh random value; nothing already set changes. compose:env stops there.
With COMPOSE_FILE in .env (.env.example sets it), plain \`docker compose ...\` then reads the
same files.
`;

const root = join(__dirname, '..');
const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

runCli('compose', USAGE, async () => {
  const args = process.argv.slice(2);
  const envOnly = args[0] === '--env-only';
  if (args.includes('--help') && (envOnly || args.length === 1)) {
    process.stdout.write(USAGE);
    return 0;
  }
  // The contracts first when they were never built (the envoy renderer reads the descriptor set).
  const rendered = existsSync(join(root, 'gen', 'descriptors', 'shopmesh.binpb'))
    ? run(process.execPath, ['--require', 'tsx/cjs', 'scripts/render-deploy.ts'])
    : run(process.execPath, ['scripts/generate.mjs']);
  if (rendered !== 0) return rendered;

  const envFile = join(root, '.env');
  const existing = existsSync(envFile) ? readFileSync(envFile, 'utf8') : undefined;
  const { text, added } = completeEnv(readFileSync(join(root, '.env.example'), 'utf8'), existing, composeSecrets());
  if (existing === undefined || added.length > 0) {
    writeFileSync(envFile, text, { mode: 0o600 });
    console.log(`${existing === undefined ? 'wrote .env' : 'completed .env'} (keep it out of git)${added.length ? `: ${added.join(', ')}` : ''}`);
  }
  if (envOnly) return 0;
  const [command, ...base] = composeCommand();
  // COMPOSE_FILE comes from .env (completeEnv adds it to an older one).
  return run(command, [...base, ...args]);
});
