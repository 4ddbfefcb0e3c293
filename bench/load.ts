/**
 * `npm run load`: shoppers against a running shopmesh (`npm start`) until
 * --duration is over: they sign up, log in, browse categories, search, look
 * at products, order and read their notifications, in weighted proportions;
 * at a target rate of actions (--rate) or as a number of virtual users
 * (--vus). Through the edge (REST, --target) or straight to the services over
 * gRPC (--grpc). A live line shows the rate, the errors and the p99; a summary
 * per request follows at the end. Loopback targets only.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { defaultPorts, isGrpcService, SERVICES } from '../services/manifest';
import { CliError, parseCount, parseDuration, runCli, UsageError } from '../scripts/lib/cli';
import { assertLoopback } from './lib/loopback';
import { renderTable } from './lib/report';
import { createLoadStats, type LoadSummary } from './load/load-stats';
import { runLoad, type LoadShape } from './load/load-run';
import { DEFAULT_MIX, parseMix, type ShopKnowledge } from './load/shopper-actions';
import { grpcShopApi } from './shop-api/grpc-shop';
import { restShopApi } from './shop-api/rest-shop';
import { allProducts, type ShopApi } from './shop-api/shop-api';

const USAGE = `usage: npm run load -- (--rate <actions/s> | --vus <n>) [options]

  --rate <n>          start n shopper actions per second, whatever the target does (open model)
  --vus <n>           n virtual shoppers, each signing up, then acting in a loop (closed model)
  --duration <t>      how long to run (default 30s); e.g. 90s, 2m
  --think <t>         --vus: pause between a shopper's actions, ±50% (default 500ms)
  --target <url>      the edge to send REST to (default http://127.0.0.1:8080)
  --grpc              call the services over gRPC instead, on their default ports
  --port-offset <n>   --grpc: added to the default ports, like PORT_OFFSET of npm start (default $PORT_OFFSET or 0)
  --mix <weights>     e.g. browse=30,search=15,view=30,order=8,notifications=10,register=4,login=3 (the default)
  --max-in-flight <n> --rate: actions running at once before new ones are dropped (default 1000)
  --json <file>       also write the summary as JSON
  --quiet             no live line

Only loopback targets (127.0.0.1, ::1, localhost) are accepted.
`;

function options() {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string' },
      vus: { type: 'string' },
      duration: { type: 'string', default: '30s' },
      think: { type: 'string', default: '500ms' },
      target: { type: 'string', default: 'http://127.0.0.1:8080' },
      grpc: { type: 'boolean', default: false },
      'port-offset': { type: 'string', default: process.env.PORT_OFFSET ?? '0' },
      mix: { type: 'string' },
      'max-in-flight': { type: 'string', default: '1000' },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if ((values.rate === undefined) === (values.vus === undefined)) throw new UsageError('give either --rate or --vus');
  const shape: LoadShape =
    values.rate !== undefined
      ? { kind: 'rate', perSecond: positive(values.rate, '--rate') }
      : { kind: 'vus', count: parseCount(values.vus!, '--vus'), thinkMs: parseDuration(values.think, '--think') };
  let mix = DEFAULT_MIX;
  if (values.mix) {
    try {
      mix = parseMix(values.mix);
    } catch (error) {
      throw new UsageError(`--mix: ${(error as Error).message}`);
    }
  }
  return {
    shape,
    mix,
    durationMs: parseDuration(values.duration, '--duration'),
    target: values.target.replace(/\/$/, ''),
    grpc: values.grpc,
    portOffset: parseCount(values['port-offset'], '--port-offset', 0),
    maxInFlight: parseCount(values['max-in-flight'], '--max-in-flight'),
    json: values.json,
    quiet: values.quiet || !process.stderr.isTTY,
  };
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag}: "${text}" must be a positive number`);
  return value;
}

/** The gRPC addresses of the manifest's services on 127.0.0.1, shifted like `PORT_OFFSET=n npm start`. */
function grpcAddresses(offset: number) {
  const address = (name: string) => {
    const entry = SERVICES.find((s) => s.name === name && isGrpcService(s));
    return entry ? `127.0.0.1:${defaultPorts(entry).grpc! + offset}` : undefined;
  };
  return { users: address('users')!, catalog: address('catalog')!, orders: address('orders')!, notifications: address('notifications') };
}

async function main(): Promise<number> {
  const opts = options();
  if (!opts) {
    process.stdout.write(USAGE);
    return 0;
  }
  const addresses = opts.grpc ? grpcAddresses(opts.portOffset) : undefined;
  for (const target of addresses ? Object.values(addresses).filter((a): a is string => !!a) : [opts.target]) assertLoopback(target);
  const where = addresses ? `gRPC ${addresses.users} (users), ${addresses.catalog} (catalog), ${addresses.orders} (orders)…` : `REST ${opts.target}`;
  const api: ShopApi = addresses ? grpcShopApi(addresses) : restShopApi(opts.target, { maxSockets: 256 });

  let shop: ShopKnowledge;
  try {
    const [categories, products] = await Promise.all([api.listCategories(), allProducts(api)]);
    shop = { categories, products };
  } catch (error) {
    api.close();
    throw new CliError(`could not read the catalog through ${where}: ${(error as Error).message}\nIs the platform running (npm start)?`);
  }
  if (shop.products.length === 0 || shop.categories.length === 0) throw new CliError('the catalog has no products: nothing to browse');

  const stats = createLoadStats();
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  const shapeText = opts.shape.kind === 'rate' ? `${opts.shape.perSecond} actions/s` : `${opts.shape.count} virtual shoppers (think ${opts.shape.thinkMs} ms)`;
  process.stderr.write(
    `load: ${shapeText} for ${opts.durationMs / 1000} s against ${where}; ${shop.products.length} products in ${shop.categories.length} categories\n`,
  );

  const bar = opts.quiet
    ? undefined
    : new cliProgress.SingleBar(
        {
          format: 'load {bar} {elapsed}/{total} s | {rate} req/s | errors {errors} | p99 {p99} ms | in flight {inflight}',
          barsize: 20,
          hideCursor: true,
          fps: 2,
        },
        cliProgress.Presets.shades_classic,
      );
  bar?.start(Math.round(opts.durationMs / 1000), 0, { elapsed: 0, total: Math.round(opts.durationMs / 1000), rate: '0', errors: 0, p99: '—', inflight: 0 });
  let lastTotal = 0;
  let lastAt = 0;
  const result = await runLoad({
    api,
    shop,
    mix: opts.mix,
    shape: opts.shape,
    durationMs: opts.durationMs,
    maxInFlight: opts.maxInFlight,
    runId: Date.now().toString(36),
    stats,
    signal: interrupt.signal,
    onTick(elapsedMs, inFlight) {
      const live = stats.live();
      const rate = ((live.total - lastTotal) * 1000) / Math.max(1, elapsedMs - lastAt);
      [lastTotal, lastAt] = [live.total, elapsedMs];
      const seconds = Math.min(Math.round(elapsedMs / 1000), Math.round(opts.durationMs / 1000));
      const errors = `${live.errors}${live.total ? ` (${((live.errors / live.total) * 100).toFixed(1)}%)` : ''}`;
      const p99 = Number.isFinite(live.p99Ms) ? live.p99Ms.toFixed(1) : '—';
      if (bar) bar.update(seconds, { elapsed: seconds, rate: rate.toFixed(1), errors, p99, inflight: inFlight });
      else if (seconds % 5 === 0)
        process.stderr.write(`load ${seconds}/${Math.round(opts.durationMs / 1000)} s | ${rate.toFixed(1)} req/s | errors ${errors} | p99 ${p99} ms\n`);
    },
  });
  bar?.stop();
  api.close();

  const summary = stats.summary();
  process.stdout.write(`\n${renderSummary(summary, result.elapsedMs)}\n`);
  if (result.dropped > 0)
    process.stdout.write(`dropped: ${result.dropped} actions not started because ${opts.maxInFlight} were already running (the target fell behind --rate)\n`);
  if (result.unfinished > 0) process.stdout.write(`unfinished: ${result.unfinished} actions still running 10 s after the end were given up\n`);
  if (Object.keys(summary.errorKinds).some((kind) => kind.endsWith('HTTP 429'))) {
    process.stdout.write(
      "hint: HTTP 429 is the gateway's per-client rate limit (GATEWAY_RATE_LIMIT_RPS, default 50/s); start the platform with GATEWAY_RATE_LIMIT_RPS=0 to load-test the services behind it.\n",
    );
  }
  if (opts.json) {
    writeFileSync(
      opts.json,
      `${JSON.stringify({ target: where, shape: opts.shape, mix: opts.mix, durationMs: opts.durationMs, ...result, ...summary }, null, 2)}\n`,
    );
  }
  // Nothing answered at all: say so in the exit code, for scripts.
  return summary.total > 0 && summary.errors === summary.total ? 1 : 0;
}

function renderSummary(summary: LoadSummary, elapsedMs: number): string {
  const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');
  const rows = Object.entries(summary.requests).map(([name, r]) => [
    name,
    r.ok + r.errors,
    r.errors,
    ms(r.latency.p50Ms),
    ms(r.latency.p90Ms),
    ms(r.latency.p99Ms),
    ms(r.latency.maxMs),
  ]);
  rows.push(['all', summary.total, summary.errors, ms(summary.latency.p50Ms), ms(summary.latency.p90Ms), ms(summary.latency.p99Ms), ms(summary.latency.maxMs)]);
  const lines = [
    renderTable(['request', 'count', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], rows),
    '',
    `${summary.total} requests in ${(elapsedMs / 1000).toFixed(1)} s: ${(summary.total / (elapsedMs / 1000)).toFixed(1)} req/s, ${summary.errors} errors (${summary.total ? ((summary.errors / summary.total) * 100).toFixed(2) : '0'}%)`,
  ];
  for (const [kind, count] of Object.entries(summary.errorKinds)) lines.push(`  ${kind} ×${count}: ${summary.errorSamples[kind]}`);
  return lines.join('\n');
}

runCli('load', USAGE, main);
