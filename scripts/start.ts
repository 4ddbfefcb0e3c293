/**
 * `npm start`: the whole platform on this machine in one command. Starts the
 * Kafka broker (unless one answers at KAFKA_BROKERS), then every service in
 * services/manifest.ts with its logs prefixed by its name, waits until each
 * answers /healthz, and prints where to reach it. Ctrl-C stops everything,
 * including the broker if this command started it.
 *
 * PORT_OFFSET shifts every default port (e.g. 1000: users on 51051), so a
 * second copy (the end-to-end tests) can run beside a developer's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import concurrently from 'concurrently';
import { SERVICES } from '../services/manifest';

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
const ports = new Map(SERVICES.map((service) => {
  const defaults = service.config.parse({});
  return [service.name, { grpc: defaults.GRPC_PORT + offset, metrics: defaults.METRICS_PORT + offset }];
}));

const commands = SERVICES.map((service) => {
  const own = ports.get(service.name)!;
  const env: Record<string, string> = { GRPC_PORT: String(own.grpc), METRICS_PORT: String(own.metrics), OTEL_SERVICE_NAME: service.name };
  for (const callee of service.calls) env[`${callee.toUpperCase()}_ADDRESSES`] ??= `${host}:${ports.get(callee)!.grpc}`;
  return {
    name: service.name,
    command: `node --require tsx/cjs --require ./platform/telemetry.ts ${service.main}`,
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
      const ok = await fetch(url).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const rows = SERVICES.map((s) => `  ${s.name.padEnd(16)} grpc ${host}:${ports.get(s.name)!.grpc}   metrics http://${host}:${ports.get(s.name)!.metrics}/metrics`);
  process.stdout.write(`\nshopmesh is up:\n${rows.join('\n')}\n\nTry: npx buf curl --protocol grpc --http2-prior-knowledge --list-services http://${host}:${ports.get(SERVICES[0].name)!.grpc}\nCtrl-C stops everything.\n\n`);
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
