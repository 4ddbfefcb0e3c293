#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart/pretest), with nothing but
// Node built-ins, so a fresh clone needs no other command: installs the system
// tools of scripts/system-packages.txt that the command needs when they are
// missing (as root, with apt-get; otherwise it stops at once, naming the one
// command that installs them), installs the npm dependencies when they are
// missing or older than the lockfile (the install also generates code from the
// contracts), and checks that MariaDB and Redis answer, saying how to start
// them when they do not.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { onPath, readToolList, toolPlan } from './system-packages.mjs';

const USAGE = `usage: node scripts/ensure-ready.mjs [--for start|test] [--dry-run]

  --for <command>  the npm command about to run: start (the Kafka broker's tools) or test
                   (those and the tools the test suites call); default test
  --dry-run        say what would be installed or run, and change nothing
  --help, -h       this text

The tools and their Debian packages are listed in scripts/system-packages.txt.
`;
const { values: args } = parseArgs({
  options: {
    for: { type: 'string', default: 'test' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!['start', 'test'].includes(args.for)) {
  process.stderr.write(`ensure-ready: --for must be start or test\n\n${USAGE}`);
  process.exit(2);
}
const dryRun = args['dry-run'];
const run = (command) => {
  if (dryRun) console.log(`ensure-ready (dry run): would run: ${command}`);
  else execSync(command, { stdio: 'inherit' });
};

const plan = toolPlan({
  tools: readToolList(),
  purpose: args.for,
  path: process.env.PATH,
  isRoot: process.getuid?.() === 0,
  hasApt: onPath('apt-get'),
});
if (plan.action === 'stop') {
  console.error(plan.message);
  process.exit(1);
}
if (plan.action === 'install') {
  console.log(plan.message);
  run('apt-get update -qq');
  run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${plan.packages.join(' ')} >/dev/null`);
  // Debian's prometheus package starts its own daemon on :9090; the tests run their own.
  if (plan.packages.includes('prometheus')) run('service prometheus stop >/dev/null 2>&1 || true');
}
if (dryRun) {
  console.log(
    `ensure-ready (dry run): ${plan.action === 'none' ? `every tool npm ${args.for} needs is here` : 'stopping before npm ci and the server checks'}`,
  );
  process.exit(0);
}

const installed = 'node_modules/.package-lock.json';
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync('package-lock.json').mtimeMs) {
  console.log('ensure-ready: installing dependencies (npm ci) ...');
  execSync('npm ci', { stdio: 'inherit' });
} else if (!existsSync('gen/descriptors/shopmesh.binpb') || !existsSync('gen/deploy')) {
  execSync('npm run generate', { stdio: 'inherit' });
}

const reachable = (url, fallbackPort) =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port || fallbackPort) });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

const needs = [
  ['MariaDB/MySQL', process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', 3306, 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd'],
  ['Redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 6379, 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ""'],
];
let missing = false;
for (const [name, url, port, hint] of needs) {
  if (!(await reachable(url, port))) {
    missing = true;
    console.error(`ensure-ready: ${name} does not answer at ${url}. Start it (e.g. \`${hint}\`) or run \`bash .ci/run\`, which installs and starts it.`);
  }
}
if (missing) process.exit(1);
