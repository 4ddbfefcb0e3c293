#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart/pretest), with nothing but
// Node built-ins, so a fresh clone needs no other command: installs the
// dependencies when they are missing or older than the lockfile (the install
// also generates code from the contracts), and checks that MariaDB and Redis
// answer, saying how to start them when they do not.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';

const installed = 'node_modules/.package-lock.json';
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync('package-lock.json').mtimeMs) {
  console.log('ensure-ready: installing dependencies (npm ci) ...');
  execSync('npm ci', { stdio: 'inherit' });
} else if (!existsSync('gen/descriptors/shopmesh.binpb')) {
  execSync('npm run generate', { stdio: 'inherit' });
}

const reachable = (url, fallbackPort) =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port || fallbackPort) });
    socket.setTimeout(2000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
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
