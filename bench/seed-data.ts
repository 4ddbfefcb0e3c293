/**
 * `npm run seed-data -- --users N --products N --orders N`: test data made
 * through the public APIs of a running shopmesh (`npm start`), as clients
 * would make it: products by an admin (an account an operator made admin
 * with npm run admin), shoppers who register and log in, and orders placed by
 * them. gRPC to each service by default, REST through the edge with --edge.
 * Every run uses fresh emails, so it can be run again and again.
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { defaultPorts, isGrpcService, SERVICES } from '../services/manifest';
import { CliError, parseCount, runCli, UsageError } from '../scripts/lib/cli';
import { errorMessage } from './lib/error-kind';
import { assertLoopback } from './lib/loopback';
import { SEED_SHOPPER_PASSWORD, seedShop } from './seed/seed-shop';
import { grpcShopApi } from './shop-api/grpc-shop';
import { restShopApi } from './shop-api/rest-shop';
import type { ShopApi } from './shop-api/shop-api';

const USAGE = `usage: npm run seed-data -- [--users N] [--products N] [--orders N] [options]

  --users <n>           shoppers to register (default 10)
  --products <n>        products to create as the admin (default 0)
  --orders <n>          orders placed by this run's shoppers (default 0)
  --edge                through the edge (REST) instead of gRPC to each service
  --target <url>        --edge: the edge (default http://127.0.0.1:8080)
  --port-offset <n>     gRPC: added to the default ports, like PORT_OFFSET of npm start (default $PORT_OFFSET or 0)
  --concurrency <n>     requests at once (default 8)
  --admin-email <e>     the admin account (default admin@shopmesh.local; make it admin once with npm run admin -- grant)
  --admin-password <p>  its password (default shopmesh-admin-password; registered with it if the account is new)

Shoppers get the password "${SEED_SHOPPER_PASSWORD}". Only loopback targets are accepted.
`;

function options() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10' },
      products: { type: 'string', default: '0' },
      orders: { type: 'string', default: '0' },
      edge: { type: 'boolean', default: false },
      target: { type: 'string', default: 'http://127.0.0.1:8080' },
      'port-offset': { type: 'string', default: process.env.PORT_OFFSET ?? '0' },
      concurrency: { type: 'string', default: '8' },
      'admin-email': { type: 'string', default: 'admin@shopmesh.local' },
      'admin-password': { type: 'string', default: 'shopmesh-admin-password' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const counts = {
    users: parseCount(values.users, '--users', 0),
    products: parseCount(values.products, '--products', 0),
    orders: parseCount(values.orders, '--orders', 0),
  };
  if (counts.users + counts.products + counts.orders === 0) throw new UsageError('nothing to create: give --users, --products or --orders');
  return {
    ...counts,
    edge: values.edge,
    target: values.target.replace(/\/$/, ''),
    portOffset: parseCount(values['port-offset'], '--port-offset', 0),
    concurrency: parseCount(values.concurrency, '--concurrency'),
    admin: { email: values['admin-email'], password: values['admin-password'] },
  };
}

async function main(): Promise<number> {
  const opts = options();
  if (!opts) {
    process.stdout.write(USAGE);
    return 0;
  }
  let api: ShopApi;
  let where: string;
  if (opts.edge) {
    assertLoopback(opts.target);
    api = restShopApi(opts.target, { maxSockets: opts.concurrency });
    where = `REST ${opts.target}`;
  } else {
    const address = (name: string) => {
      const entry = SERVICES.find((s) => s.name === name && isGrpcService(s))!;
      return `127.0.0.1:${defaultPorts(entry).grpc! + opts.portOffset}`;
    };
    api = grpcShopApi({ users: address('users'), catalog: address('catalog'), orders: address('orders') });
    where = `gRPC ${address('users')} (users) …`;
  }
  try {
    await api.listCategories();
  } catch (error) {
    api.close();
    throw new CliError(`could not reach ${where}: ${errorMessage(error)}\nIs the platform running (npm start)?`);
  }

  process.stderr.write(`seed-data: ${opts.users} users, ${opts.products} products, ${opts.orders} orders through ${where}\n`);
  const bar = new cliProgress.SingleBar(
    { format: 'seed {bar} {value}/{total} | {step} | {failed} failed', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(opts.users + opts.products + opts.orders, 0, { step: 'starting', failed: 0 });
  const result = await seedShop(api, { ...opts, onStep: (step, failed) => bar.increment(1, { step, failed }) }).finally(() => {
    bar.stop();
    api.close();
  });

  const { run, created, failures } = result;
  process.stdout.write(
    `created ${created.users} users, ${created.products} products, ${created.orders} orders (run ${run}; shoppers are seed-${run}-<n>@example.com, password "${SEED_SHOPPER_PASSWORD}")\n`,
  );
  for (const [kind, { count, first }] of failures) process.stdout.write(`  failed: ${kind} ×${count}: ${first}\n`);
  return failures.size > 0 ? 1 : 0;
}

runCli('seed-data', USAGE, main);
