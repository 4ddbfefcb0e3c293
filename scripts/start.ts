/**
 * `npm start`: the whole platform on this machine in one command. Starts the
 * Kafka broker (unless one answers at KAFKA_BROKERS), then every service in
 * services/manifest.ts (each spec's callees first) with its logs prefixed by its name, waits until each
 * answers /healthz, and prints where to reach it. Ctrl-C stops everything,
 * including the broker if this command started it.
 *
 * PORT_OFFSET shifts every default port (e.g. 1000: users on 51051), so a
 * second copy (the end-to-end tests) can run beside a developer's.
 *
 * `npm run dev` (--watch): the same, each service under `node --watch`, which
 * restarts it (SIGTERM, so it drains first) when a file it loaded changes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import concurrently from 'concurrently';
import { addressesVariable } from '../platform/service-spec';
import { defaultPorts, SERVICES } from '../services/manifest';

const USAGE = `usage: npm start [-- --watch]     (npm run dev is npm start -- --watch)

Starts the Kafka broker (unless one answers at $KAFKA_BROKERS or START_KAFKA=false), then
every service of services/manifest.ts with its logs prefixed by its name, and prints where
to reach each one. Ctrl-C stops everything, the broker too if this command started it.

  --watch      restart a service when a file it loaded changes (development)
  --help, -h   this text

Environment: PORT_OFFSET shifts every default port (e.g. 1000: users on 51051); each
service reads its own settings from the environment (see .env.example).
`;
const { values: args } = (() => {
  try {
    return parseArgs({ options: { watch: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
})();
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const root = join(__dirname, '..');
const offset = Number(process.env.PORT_OFFSET ?? 0);
const host = process.env.GRPC_HOST ?? '127.0.0.1';

if (!existsSync(join(root, 'gen', 'descriptors', 'shopmesh.binpb'))) {
  execFileSync('npm', ['run', 'generate'], { cwd: root, stdio: 'inherit' });
}

const kafkaScript = join(root, 'scripts', 'kafka.sh');
const kafkaWasRunning = (() => {
  try {
    execFileSync('bash', [kafkaScript, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!kafkaWasRunning && process.env.START_KAFKA !== 'false') execFileSync('bash', [kafkaScript, 'start'], { stdio: 'inherit' });

/** Defaults of each service's own config schema, shifted by PORT_OFFSET. */
const shift = (port: number | undefined) => (port === undefined ? undefined : port + offset);
const ports = new Map(
  SERVICES.map((service) => {
    const defaults = defaultPorts(service);
    return [service.name, { grpc: shift(defaults.grpc), http: shift(defaults.http), metrics: defaults.metrics + offset }];
  }),
);

const commands = SERVICES.map((service) => {
  const own = ports.get(service.name)!;
  // A gRPC service gets GRPC_PORT, the HTTP edge (the gateway) HTTP_PORT.
  const env: Record<string, string> = own.grpc !== undefined ? { GRPC_PORT: String(own.grpc) } : { HTTP_PORT: String(own.http) };
  Object.assign(env, { METRICS_PORT: String(own.metrics), OTEL_SERVICE_NAME: service.name });
  for (const callee of service.calls) env[addressesVariable(callee)] ??= `${host}:${ports.get(callee)!.grpc}`;
  // Service registry: every service registers with it (the gateway also fronts it);
  // a copy with PORT_OFFSET keeps its own registry state in the shared Redis.
  if (ports.has('registry')) env.REGISTRY_ADDRESSES ??= `${host}:${ports.get('registry')!.grpc}`;
  if (service.name === 'registry' && offset !== 0) env.REGISTRY_KEY_PREFIX = `registry-${offset}:`;
  return {
    name: service.name,
    command: `node ${args.watch ? '--watch ' : ''}--require tsx/cjs --require ./platform/telemetry.ts ${service.main}`,
    env,
    cwd: root,
  };
});

const { result } = concurrently(commands, {
  prefix: 'name',
  padPrefix: true,
  killOthersOn: ['failure'],
  killSignal: 'SIGTERM',
  killTimeout: 15_000,
});

async function waitHealthy(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const service of SERVICES) {
    const url = `http://${host}:${ports.get(service.name)!.metrics}/healthz`;
    while (Date.now() < deadline) {
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const rows = SERVICES.map((s) => {
    const own = ports.get(s.name)!;
    const serves = own.grpc !== undefined ? `grpc ${host}:${own.grpc}` : `http http://${host}:${own.http}`;
    return `  ${s.name.padEnd(16)} ${serves}   metrics http://${host}:${own.metrics}/metrics`;
  });
  const edge = SERVICES.find((s) => ports.get(s.name)!.http !== undefined);
  const tryRest = edge
    ? `\n     curl http://${host}:${ports.get(edge.name)!.http}/v1/products   (REST; API docs at http://${host}:${ports.get(edge.name)!.http}/docs)`
    : '';
  process.stdout.write(
    `\nshopmesh is up:\n${rows.join('\n')}\n\nTry: npx buf curl --protocol grpc --http2-prior-knowledge --list-services http://${host}:${ports.get(SERVICES[0].name)!.grpc}${tryRest}\nCtrl-C stops everything.\n\n`,
  );
}
void waitHealthy();

const stopKafka = () => {
  if (!kafkaWasRunning && process.env.START_KAFKA !== 'false') execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' });
};
result.then(
  () => {
    stopKafka();
    process.exit(0);
  },
  () => {
    stopKafka();
    process.exit(1);
  },
);
