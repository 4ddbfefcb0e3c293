import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { defaultPorts, isGrpcService, SERVICES } from '../../services/manifest';
import { dropDatabases } from './databases';

/** Ports of the end-to-end copy, beside any platform a developer runs. */
export const E2E_PORT_OFFSET = 1000;
const root = join(__dirname, '..', '..');
const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface RunningPlatform {
  grpc(service: string): string;
  metrics(service: string): string;
  /** Base URL of the edge (the gateway): REST, Connect, gRPC-Web, /docs. */
  readonly edge: string;
  output(): string;
}

let booting: Promise<RunningPlatform> | undefined;
let child: ChildProcess | undefined;
const databases = SERVICES.filter(isGrpcService).map((s) => `e2e_${s.name}`);

/**
 * The platform started as a user starts it (`npm start`), once for every
 * end-to-end suite of the run, on shifted ports and its own databases.
 */
export function usePlatform(): Promise<RunningPlatform> {
  booting ??= boot();
  return booting;
}

async function boot(): Promise<RunningPlatform> {
  await dropDatabases(mysqlUrl, databases);
  const env: NodeJS.ProcessEnv = { ...process.env, PORT_OFFSET: String(E2E_PORT_OFFSET), LOG_LEVEL: 'info', FORCE_COLOR: '0' };
  for (const s of SERVICES.filter(isGrpcService)) env[`${s.name.toUpperCase()}_DB_NAME`] = `e2e_${s.name}`;
  child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`platform did not come up in 120 s:\n${output.slice(-4000)}`)), 120_000);
    const check = setInterval(() => {
      if (output.includes('shopmesh is up')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    child!.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output.slice(-4000)}`));
    });
  });

  const ports = new Map(SERVICES.map((s) => [s.name, defaultPorts(s)]));
  const shifted = (port: number | undefined) => `http://127.0.0.1:${port! + E2E_PORT_OFFSET}`;
  const gateway = SERVICES.find((s) => !isGrpcService(s))!;
  return {
    grpc: (service) => shifted(ports.get(service)!.grpc),
    metrics: (service) => shifted(ports.get(service)!.metrics),
    edge: shifted(ports.get(gateway.name)!.http),
    output: () => output,
  };
}

/** Ctrl-C, as a user stops it; then the end-to-end databases go. */
export async function stopPlatform(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  process.kill(-child.pid!, 'SIGINT');
  const timer = setTimeout(() => process.kill(-child!.pid!, 'SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  await dropDatabases(mysqlUrl, databases);
}
