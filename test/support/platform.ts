import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { consumerGroupVariable, databaseVariable } from '../../platform/service-spec';
import { defaultPorts, isGrpcService, SERVICES } from '../../services/manifest';
import { dropDatabases } from './databases';
import { until } from './poll';

const root = join(__dirname, '..', '..');
const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface LaunchOptions {
  /** Names this copy's databases (`<name>_<service>`), consumer groups and topic prefix. */
  name: string;
  /** PORT_OFFSET this copy would like; the next free one (+100 steps) when a port of it is taken. */
  portOffset: number;
  /** Extra environment for every service (e.g. OTEL_*). */
  env?: Record<string, string>;
}

/**
 * A copy of the platform started as users start it (`npm start`): its own
 * ports, databases, consumer groups and topics, so its events never reach
 * another copy (a developer's, or a suite's private one) and theirs never
 * reach it.
 */
export async function launchPlatform({ name, portOffset: preferred, env = {} }: LaunchOptions) {
  const portOffset = await freeOffset(preferred);
  const grpcServices = SERVICES.filter(isGrpcService);
  const databases = grpcServices.filter((s) => s.spec.needs.database).map((s) => `${name}_${s.name}`);
  await dropDatabases(mysqlUrl, databases);
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT_OFFSET: String(portOffset),
    LOG_LEVEL: process.env.PLATFORM_LOG_LEVEL ?? 'warn',
    FORCE_COLOR: '0',
    KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX ?? ''}${name}.`,
    // Its own rate-limit buckets in the shared Redis: another checkout's suites do not spend them.
    GATEWAY_RATE_LIMIT_KEY_PREFIX: `${name}:gateway:ratelimit:`,
    ...env,
  };
  for (const s of grpcServices) {
    if (s.spec.needs.database) childEnv[databaseVariable(s.name)] = `${name}_${s.name}`;
    if (s.spec.needs.consumer) childEnv[consumerGroupVariable(s.name)] = `${s.name}-${name}`;
  }
  const child = spawn('npm', ['start'], { cwd: root, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));

  const port = (service: string, which: 'grpc' | 'http' | 'metrics') => {
    const entry = SERVICES.find((s) => s.name === service);
    const value = entry && defaultPorts(entry)[which];
    if (value === undefined) throw new Error(`no ${which} port for ${service}`);
    return value + portOffset;
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGINT');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await dropDatabases(mysqlUrl, databases);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`platform ${name} did not come up in 120 s:\n${output.slice(-4000)}`)), 120_000);
      const check = setInterval(() => {
        if (output.includes('shopmesh is up')) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 100);
      child.once('exit', (code) => {
        clearInterval(check);
        clearTimeout(timer);
        reject(new Error(`npm start (${name}) exited with ${code}:\n${output.slice(-4000)}`));
      });
    });
    // npm start reports "up" after 60 s even when a service is not healthy yet (a busy machine).
    await until(
      'every service to answer /healthz',
      async () => {
        const answers = await Promise.all(
          SERVICES.map((s) =>
            fetch(`http://127.0.0.1:${port(s.name, 'metrics')}/healthz`).then(
              (r) => r.ok,
              () => false,
            ),
          ),
        );
        return answers.every(Boolean);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } catch (error) {
    await stop();
    // Why a service ended: its fatal or error lines, which the tail of the output may have scrolled past.
    const causes = output
      .split('\n')
      .filter((line) => /"level":"(fatal|error)"/.test(line))
      .slice(0, 5);
    throw new Error(`${(error as Error).message}\n${causes.join('\n')}\n${output.slice(-4000)}`);
  }
  const edge = SERVICES.find((s) => !isGrpcService(s));
  return {
    /** host:port of a gRPC service. */
    address: (service: string) => `127.0.0.1:${port(service, 'grpc')}`,
    /** The same as a URL, as `buf curl` takes it. */
    grpc: (service: string) => `http://127.0.0.1:${port(service, 'grpc')}`,
    metrics: (service: string) => `http://127.0.0.1:${port(service, 'metrics')}`,
    /** Base URL of the HTTP edge (the gateway), when the manifest has one. */
    edge: edge ? `http://127.0.0.1:${port(edge.name, 'http')}` : '',
    topicPrefix: childEnv.KAFKA_TOPIC_PREFIX!,
    /** The PORT_OFFSET it runs on (the one asked for, unless a port of it was taken). */
    portOffset,
    output: () => output,
    stop,
  };
}

/** Whether 127.0.0.1:port can be bound now, as a service's server would bind it. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * The first offset from `preferred` (in steps of 100) at which every port of
 * the platform is free: a developer's own copy, another checkout's, or (at an
 * offset that puts the gRPC ports, 50050 and up, in Linux's ephemeral range,
 * 32768–60999) an outgoing connection holding one as its local port.
 */
async function freeOffset(preferred: number): Promise<number> {
  const ports = SERVICES.flatMap((s) => Object.values(defaultPorts(s)).filter((p): p is number => p !== undefined));
  for (let offset = preferred; offset < preferred + 1_000; offset += 100) {
    const free = await Promise.all(ports.map((port) => portFree(port + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error(`no free ports for a platform copy at PORT_OFFSET ${preferred} to ${preferred + 900}`);
}

export type LaunchedPlatform = Awaited<ReturnType<typeof launchPlatform>>;

export type RunningPlatform = LaunchedPlatform;

/**
 * Ports and name of the shared end-to-end copy, beside any platform a developer
 * runs; E2E_PORT_OFFSET / E2E_NAME let two checkouts run their suites at once.
 * 11000 puts the gRPC ports (61050 and up) above Linux's ephemeral range
 * (32768–60999) and the HTTP and metrics ports (19080, 20450 and up) below
 * it: no outgoing connection of the machine can hold one of them.
 */
export const E2E_PORT_OFFSET = Number(process.env.E2E_PORT_OFFSET ?? 11000);
export const E2E_NAME = process.env.E2E_NAME ?? 'e2e';

let shared: Promise<LaunchedPlatform> | undefined;

/** The end-to-end copy, booted once for every suite of the run that needs it (e2e, edge, storefront, dashboards). */
export function usePlatform(): Promise<LaunchedPlatform> {
  shared ??= launchPlatform({ name: E2E_NAME, portOffset: E2E_PORT_OFFSET, env: { LOG_LEVEL: process.env.PLATFORM_LOG_LEVEL ?? 'info' } });
  return shared;
}

/** Ctrl-C, as a user stops it, once the run is over; its databases go too. */
export async function stopPlatform(): Promise<void> {
  const platform = await shared?.catch(() => undefined);
  await platform?.stop();
}
