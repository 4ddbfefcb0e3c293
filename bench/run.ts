/**
 * `npm run bench`: every benchmark of shopmesh in one run on this machine,
 * each figure beside its baseline measured in the same run. The platform runs
 * as the images run it (compiled JavaScript, one process per service, tracing on into a local
 * sink, logs at info into files) on ports shifted by --port-offset, with
 * bench_* databases and topics of its own; a bare grpc-js echo server runs
 * beside it. Prints tables and writes JSON to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { startBenchPlatform, type BenchPlatform } from './lib/bench-platform';
import { parseCount, parseDuration, runCli, UsageError } from '../scripts/lib/cli';
import { startOtlpSink } from './lib/otlp-sink';
import { cpuSeconds, rssSampler } from './lib/proc-stats';
import { terminalProgress } from './lib/progress';
import { renderScenario } from './lib/report';
import { skippedScenario, type BenchSettings, type ScenarioResult } from './lib/scenario';
import { freePort, httpOk, imageNodeFlags, REPO_ROOT, spawnService, type ServiceProcess } from './lib/service-process';
import { cachedReadScenario } from './scenarios/cached-read';
import { edgeReadScenario } from './scenarios/edge-read';
import { memoryScenario, privateRssSnapshot, restingRss, rssSnapshot } from './scenarios/memory';
import { orderPipelineScenario } from './scenarios/order-pipeline';
import { echoReply, unaryCallScenario } from './scenarios/unary-call';
import { grpcShopApi } from './shop-api/grpc-shop';
import { signIn } from './shop-api/shop-api';

const SCENARIOS = ['unary', 'cache', 'edge', 'orders', 'memory'] as const;
type ScenarioId = (typeof SCENARIOS)[number];

const USAGE = `usage: npm run bench -- [options]

  --duration <t>              measured time of each variant (default 10s), split over the rounds
  --warmup <t>                load before measuring each variant (default 3s)
  --rounds <n>                variants of a comparison take turns n times (default 2)
  --concurrency <n>           workers of the unary, cache and edge comparisons (default 32)
  --pipeline-concurrency <n>  shoppers with an order in flight in the order pipeline (default 16)
  --open-rate <n>             orders arriving per second in the pipeline's open-loop row (default 100; 0 skips it)
  --open-duration <t>         how long orders arrive in the open-loop row (default 60s)
  --only <list>               some of: ${SCENARIOS.join(',')} (default: all)
  --rest <t>                  how long the memory scenario watches the platform at rest before any load (default 120s; 0 skips it)
  --port-offset <n>           shift of the default ports of the services (default 4000)
  --out <file>                JSON result (default bench/results/bench-<time>.json)
  --keep                      keep the bench_* databases and the run's topics afterwards
  --node-flags <flags>        node/V8 flags of the services instead of the image's (the Dockerfile's CMD), e.g.
                              --node-flags= (none) to see what the image's flags change
  --profile                   write a V8 CPU profile of every service next to its log (open in Chrome DevTools);
                              profiling slows the services, so the figures of such a run are not comparable
`;

const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const ECHO_NAME = 'echo (bare grpc-js)';

function options() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10s' },
      warmup: { type: 'string', default: '3s' },
      rounds: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '32' },
      'pipeline-concurrency': { type: 'string', default: '16' },
      'open-rate': { type: 'string', default: '100' },
      'open-duration': { type: 'string', default: '60s' },
      only: { type: 'string' },
      'port-offset': { type: 'string', default: '4000' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'node-flags': { type: 'string' },
      rest: { type: 'string', default: '120s' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...SCENARIOS];
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`--only: unknown scenario ${unknown.join(', ')}`);
  return {
    help: values.help,
    durationMs: parseDuration(values.duration, '--duration'),
    warmupMs: parseDuration(values.warmup, '--warmup'),
    rounds: parseCount(values.rounds, '--rounds'),
    concurrency: parseCount(values.concurrency, '--concurrency'),
    pipelineConcurrency: parseCount(values['pipeline-concurrency'], '--pipeline-concurrency'),
    openRate: parseCount(values['open-rate'], '--open-rate', 0),
    openDurationMs: parseDuration(values['open-duration'], '--open-duration'),
    only: new Set(only as ScenarioId[]),
    portOffset: parseCount(values['port-offset'], '--port-offset', 0),
    out: values.out,
    keep: values.keep,
    profile: values.profile,
    restMs: parseDuration(values.rest, '--rest'),
    nodeFlags: values['node-flags']?.split(' ').filter(Boolean),
  };
}

/** Start-up work (module loading, migrations, first compilations) done before a measurement starts. */
const settle = (ms = 2_000) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU each process uses over `ms`, in % of one core: the background work of a service at rest. */
async function cpuPercent(processes: Record<string, number>, ms: number): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const t0 = performance.now();
  await settle(ms);
  const seconds = (performance.now() - t0) / 1000;
  const usage: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) {
    const [start, end] = [before[name], cpuSeconds(pid)];
    if (start !== undefined && end !== undefined) usage[name] = ((end - start) / seconds) * 100;
  }
  return usage;
}

const grpcReady = (address: string) => () =>
  new Promise<boolean>((resolve) => {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    client.waitForReady(Date.now() + 1_000, (error) => {
      client.close();
      resolve(!error);
    });
  });

async function main(): Promise<number> {
  const opts = options();
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const progress = terminalProgress();
  const interrupt = new AbortController();
  process.once('SIGINT', () => {
    progress.note('\ninterrupted: finishing the current phase and cleaning up (Ctrl-C again to leave at once)');
    interrupt.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const settings: BenchSettings = {
    concurrency: opts.concurrency,
    warmupMs: opts.warmupMs,
    durationMs: opts.durationMs,
    rounds: opts.rounds,
    progress,
    signal: interrupt.signal,
  };
  const runId = Date.now().toString(36);
  const startedAt = new Date();
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  const logDir = join(resultsDir, `logs-${runId}`);
  mkdirSync(logDir, { recursive: true });
  const loadBefore = os.loadavg();

  // Idempotent: starts the project's broker only when none answers. Never stopped here: others use it.
  execFileSync('bash', [join(REPO_ROOT, 'scripts', 'kafka.sh'), 'start'], { stdio: ['ignore', process.stderr, process.stderr] });
  // The services run compiled, as the images run them (bench/lib/service-process.ts).
  progress.note('building the services (npm run build) ...');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', process.stderr, process.stderr] });
  const sink = await startOtlpSink();
  progress.note(
    `starting the platform (ports +${opts.portOffset}, databases bench_*, topics bench-${runId}.*, logs in ${relative(process.cwd(), logDir)}) ...`,
  );
  const platform = await startBenchPlatform({
    portOffset: opts.portOffset,
    runId,
    logDir,
    otlpEndpoint: sink.url,
    mysqlUrl: MYSQL_URL,
    kafkaBrokers: KAFKA_BROKERS,
    env: { LOG_LEVEL: 'info', REDIS_URL },
    nodeArgs: opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${logDir}`] : [],
    nodeFlags: opts.nodeFlags,
    onSkipped: (name, error) => progress.note(`${name} did not start and is left out: ${error.message.split('\n')[0]}`),
  });
  const extras: ServiceProcess[] = [];
  const results: ScenarioResult[] = [];
  try {
    const echoPort = await freePort();
    const echo = spawnService({
      name: 'echo',
      main: 'bench/fixtures/echo-server.ts',
      logDir,
      telemetry: false,
      env: { ECHO_PORT: String(echoPort), ECHO_REPLY_BASE64: echoReply().toString('base64') },
    });
    extras.push(echo);
    await echo.ready(grpcReady(`127.0.0.1:${echoPort}`));

    const processes: Record<string, number> = { [ECHO_NAME]: echo.pid };
    for (const [name, service] of platform.services) processes[name] = service.process.pid;
    progress.note(`up: ${Object.keys(processes).join(', ')}; letting them settle ...`);
    await settle(3_000);
    const idle = rssSnapshot(processes);
    const idlePrivate = privateRssSnapshot(processes);
    const idleCpu = await cpuPercent(processes, 5_000);
    const atRest =
      opts.only.has('memory') && opts.restMs > 0
        ? await restingRss(processes, opts.restMs, progress.phase('memory: the platform at rest', opts.restMs), interrupt.signal)
        : undefined;
    const sampler = rssSampler(processes);

    const run = async (id: ScenarioId, title: string, scenario: () => Promise<ScenarioResult>) => {
      if (!opts.only.has(id) || interrupt.signal.aborted) return;
      try {
        const result = await scenario();
        results.push(result);
        process.stdout.write(`\n${renderScenario(result)}\n\n`);
      } catch (error) {
        const failed = skippedScenario(id, title, `failed: ${(error as Error).message}`);
        results.push(failed);
        process.stdout.write(`\n${renderScenario(failed)}\n\n`);
      }
    };
    const service = (name: string) => platform.service(name);
    const users = service('users')!;
    const catalog = service('catalog')!;

    await run('unary', 'Unary call cost', async () => {
      const api = grpcShopApi({ users: users.grpc!, catalog: catalog.grpc!, orders: service('orders')!.grpc! });
      const { token } = await signIn(api, { email: `bench-unary-${runId}@example.com`, password: 'bench-password', displayName: 'Bench' }).finally(() =>
        api.close(),
      );
      // The same service without the OpenTelemetry preload: how much of the difference is tracing.
      const untraced = await startSibling(platform, logDir, 'users', 'users-without-tracing', { telemetry: false });
      extras.push(untraced.process);
      await settle();
      const result = await unaryCallScenario(
        {
          echo: { address: `127.0.0.1:${echoPort}`, pid: echo.pid },
          users: { address: users.grpc!, pid: users.process.pid },
          usersWithoutTracing: { address: untraced.address, pid: untraced.process.pid },
          token,
        },
        settings,
      ).finally(() => untraced.process.stop());
      result.notes.push(
        `Tracing on: the OTLP sink had taken ${sink.received().requests} exports (${(sink.received().bytes / 1024).toFixed(0)} KiB) by the end of this scenario.`,
      );
      return result;
    });

    await run('cache', 'Cached read', async () => {
      // REDIS_URL at a port nobody listens on: the catalog serves every read from MariaDB.
      const withoutRedis = await startSibling(platform, logDir, 'catalog', 'catalog-without-redis', {
        env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` },
      });
      extras.push(withoutRedis.process);
      try {
        await settle();
        return await cachedReadScenario(
          {
            catalog: { address: catalog.grpc!, pid: catalog.process.pid, metricsUrl: catalog.metrics, cacheNamespace: catalog.env.CATALOG_DB_NAME },
            catalogWithoutRedis: { address: withoutRedis.address, pid: withoutRedis.process.pid, metricsUrl: withoutRedis.metrics },
            redisUrl: REDIS_URL,
          },
          settings,
        );
      } finally {
        await withoutRedis.process.stop();
      }
    });

    await run('edge', 'Edge cost', async () => {
      const gateway = existsSync(join(REPO_ROOT, 'services', 'gateway', 'src', 'main.ts')) ? service('gateway') : undefined;
      return edgeReadScenario(
        {
          gateway: gateway ? { url: gateway.http!, pid: gateway.process.pid } : undefined,
          catalog: { address: catalog.grpc!, pid: catalog.process.pid },
        },
        settings,
      );
    });

    await run('orders', 'Order pipeline', async () => {
      const notifications = service('notifications');
      return orderPipelineScenario(
        {
          grpc: { users: users.grpc!, catalog: catalog.grpc!, orders: service('orders')!.grpc!, notifications: notifications?.grpc },
          kafka: { brokers: KAFKA_BROKERS, topicPrefix: platform.topicPrefix, groupPrefix: platform.groupPrefix },
          usersDatabase: 'bench_users',
          mysqlUrl: MYSQL_URL,
          metricsUrls: [...platform.services.values()].map((s) => s.metrics),
          openLoop: opts.openRate > 0 ? { ratePerSecond: opts.openRate, durationMs: opts.openDurationMs } : undefined,
          // Every service: recommendations and the registry react to orders too.
          processes: Object.fromEntries([...platform.services].map(([name, s]) => [name, s.process.pid])),
        },
        { ...settings, concurrency: opts.pipelineConcurrency },
      );
    });

    const underLoad = sampler.stop();
    if (opts.only.has('memory')) {
      const memory = memoryScenario({
        idle,
        idlePrivate,
        atRest,
        nodeFlags: opts.nodeFlags ?? imageNodeFlags(),
        // Only the other scenarios load the platform.
        underLoad: [...opts.only].some((id) => id !== 'memory') ? underLoad : {},
        idleCpuPercent: idleCpu,
        baselines: [ECHO_NAME],
      });
      results.push(memory);
      process.stdout.write(`\n${renderScenario(memory)}\n\n`);
    }
  } finally {
    for (const extra of extras) await extra.stop();
    await platform.stop({ keep: opts.keep });
    await sink.close();
  }

  const report = {
    runId,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverageBefore: loadBefore,
      loadAverageAfter: os.loadavg(),
    },
    settings: { ...opts, only: [...opts.only] },
    tracing: sink.received(),
    scenarios: results,
  };
  const out = opts.out ?? join(resultsDir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `machine: ${report.machine.cpus} × ${report.machine.cpuModel}, node ${process.version}, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${report.machine.loadAverageAfter.map((l) => l.toFixed(1)).join(' ')} after\n`,
  );
  process.stdout.write(`results: ${relative(process.cwd(), out)}\n`);
  if (opts.profile) {
    const pids = [...platform.services].map(([name, s]) => `${name} ${s.process.pid}`).join(', ');
    process.stdout.write(`CPU profiles: ${relative(process.cwd(), logDir)}/CPU.*.<pid>.*.cpuprofile (${pids})\n`);
  }
  return interrupt.signal.aborted ? 130 : 0;
}

/**
 * A second instance of a platform service, on free ports, with the same
 * settings but `overrides` (e.g. REDIS_URL at a dead port), for a variant.
 */
async function startSibling(
  platform: BenchPlatform,
  logDir: string,
  service: string,
  name: string,
  { env = {}, telemetry = true }: { env?: Record<string, string>; telemetry?: boolean },
) {
  const [grpcPort, metricsPort] = await Promise.all([freePort(), freePort()]);
  const entry = platform.service(service)!;
  const child = spawnService({
    name,
    main: `services/${service}/src/main.ts`,
    logDir,
    telemetry,
    nodeFlags: platform.nodeFlags,
    env: { ...entry.env, GRPC_PORT: String(grpcPort), METRICS_PORT: String(metricsPort), OTEL_SERVICE_NAME: name, ...env },
  });
  const metrics = `http://127.0.0.1:${metricsPort}`;
  try {
    await child.ready(httpOk(`${metrics}/healthz`));
  } catch (error) {
    await child.stop(1_000);
    throw error;
  }
  return { process: child, address: `127.0.0.1:${grpcPort}`, metrics };
}

runCli('bench', USAGE, main);
