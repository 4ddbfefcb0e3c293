import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import {
  composeLayout,
  composeText,
  composeVariables,
  envExample,
  hostsIn,
  readComposeConfig,
  runComposeConfig,
  sentinel,
  type ComposeFile,
  type ComposeLayout,
  type ComposeService,
} from './compose-config';
import { ADDED, ENTRIES_WITH_ADDED } from './added-service';
import { yamllint } from './tools';
import { COMPOSE_FILE, completeEnv, composeSecrets } from '../../deploy/render/compose';
import { renderEnvoy } from '../../deploy/render/envoy';
import { prometheusConfig } from '../../deploy/render/prometheus';
import {
  addresses,
  addressesVariable,
  deployedService,
  envPrefix,
  environmentProblems,
  isSecretLike,
  MANIFEST_SERVICES,
  requirementsFor,
  root,
  type ServiceRequirements,
} from '../../deploy/render/model';

const ONE_SHOT = 'service_completed_successfully';

/** The made-up service of test/deploy/added-service.ts, as deployed. */
const EXTRA = (() => {
  const service = deployedService(ADDED);
  return {
    name: service.name,
    grpcPort: service.grpcPort!,
    metricsPort: service.metricsPort,
    schema: service.database!.schema,
    callee: 'catalog',
    secret: 'WISHLIST_SHARE_KEY',
  };
})();

/** What one `docker-compose config` run over a layout gives the checks. */
interface Rendered {
  layout: ComposeLayout;
  compose: ComposeFile;
  secrets: Record<string, string>;
}

/** Required (`${X:?}`) variables of the hand-written file and the rendered one. */
const variablesOf = (rendered: string) => composeVariables(`${composeText()}\n${rendered}`);

/** Renders the services into a temporary layout and runs `docker-compose config` there (in before). */
function renderedCompose(services?: Parameters<typeof composeLayout>[0]) {
  const state = {} as Rendered;
  before(function () {
    this.timeout(60_000);
    state.layout = composeLayout(services);
    state.secrets = Object.fromEntries(variablesOf(state.layout.rendered).required.map((name) => [name, sentinel(name)]));
    const result = runComposeConfig(state.layout, state.secrets);
    assert.equal(result.status, 0, `docker-compose config failed:\n${result.stderr}`);
    state.compose = readComposeConfig(result.stdout);
  });
  after(() => state.layout?.remove());
  return state;
}

const getter = (state: Rendered) => (name: string) => {
  const found = state.compose.services.get(name);
  assert.ok(found, `docker-compose has no service ${name}`);
  return found;
};

/** The checks every service's block must pass, listed or made up. */
function checksOf(expected: ServiceRequirements, state: Rendered, all: ServiceRequirements[]) {
  const get = getter(state);
  it("is built from the Dockerfile and listens on its schema's ports", () => {
    const service = get(expected.name);
    assert.ok(service.build, `${expected.name} must be built from the Dockerfile`);
    assert.equal(service.build.context, state.layout.dir, "the build context is the repository root (the first file's directory)");
    assert.equal(service.build.target, 'runtime');
    assert.equal(service.build.args.SERVICE, expected.name);
    assert.ok(service.image, `${expected.name} needs an image name (shopmesh/${expected.name}:tag)`);
    for (const [variable, port] of Object.entries(expected.ports)) {
      assert.ok(service.listens.includes(port), `${expected.name} does not expose ${variable} ${port}`);
    }
  });

  it('sets the environment its config schema asks for, and nothing it does not know', () => {
    assert.deepEqual(environmentProblems(expected, get(expected.name).environment, 'docker-compose'), []);
  });

  it('waits for its database and its callees to be healthy', () => {
    const service = get(expected.name);
    if (expected.database) assert.equal(service.dependsOn.mysql, 'service_healthy', `${expected.name} must wait for mysql`);
    for (const callee of expected.calls) assert.equal(service.dependsOn[callee], 'service_healthy', `${expected.name} must wait for ${callee}`);
  });

  if (expected.database) {
    it('logs in to MySQL as its own user, whose password the init script gets too', () => {
      const { schema, passwordVariable } = expected.database!;
      const url = new URL(get(expected.name).environment.MYSQL_URL);
      assert.equal(url.hostname, 'mysql');
      assert.equal(url.username, schema, 'the init script names each user after its schema');
      assert.equal(url.password, sentinel(passwordVariable), `MYSQL_URL must carry \${${passwordVariable}}`);
      assert.equal(get('mysql').environment[passwordVariable], sentinel(passwordVariable), `mysql needs ${passwordVariable} for its init script`);
    });
  }

  for (const callee of expected.calls) {
    it(`reaches ${callee} at its gRPC port`, () => {
      const target = all.find((s) => s.name === callee);
      assert.ok(target, `${callee} is not in the manifest`);
      for (const address of addresses(get(expected.name).environment[addressesVariable(callee)])) {
        assert.equal(address.host, callee);
        assert.equal(address.port, target.grpcPort);
      }
    });
  }

  it('is one Envoy waits for', () => {
    assert.equal(get('envoy').dependsOn[expected.name], 'service_healthy');
  });
}

describe('docker-compose.yml with the rendered services (gen/deploy/compose/services.yml)', function () {
  this.timeout(60_000);
  const state = renderedCompose();
  const get = getter(state);
  const compose = () => state.compose;

  /** Services built from the Dockerfile's runtime stage: the Node services. */
  const nodeServices = () => [...compose().services.values()].filter((s) => s.build?.args.SERVICE !== undefined);
  const mountAt = (service: ComposeService, target: string) => service.volumes.find((v) => v.target === target);
  /** A bind mount's source relative to the repository (the layout's root, where compose resolved it). */
  const bindSource = (service: ComposeService, target: string) => {
    const found = mountAt(service, target);
    assert.ok(found, `${service.name} mounts nothing at ${target}`);
    assert.equal(found.type, 'bind', `${service.name}: ${target} should be a file of the repository`);
    const dir = state.layout.dir;
    return posix.relative(dir, found.source.startsWith('/') ? found.source : posix.join(dir, found.source));
  };

  it('parses with docker-compose config', () => {
    assert.ok(compose().services.size > 0);
  });

  it('renders YAML that yamllint passes (.yamllint, strict)', () => {
    const result = yamllint([join(state.layout.dir, 'gen', 'deploy', 'compose', 'services.yml')]);
    assert.equal(result.status, 0, `yamllint:\n${result.stdout}${result.stderr}`);
  });

  it('names no service of the manifest in the hand-written file: every block is rendered', () => {
    const handWritten = parse(composeText()) as { services: Record<string, unknown> };
    for (const service of MANIFEST_SERVICES) {
      assert.ok(!(service.name in handWritten.services), `docker-compose.yml defines ${service.name}; the renderer does (deploy/render/compose.ts)`);
    }
    const text = composeText()
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .join('\n');
    for (const service of MANIFEST_SERVICES) {
      assert.doesNotMatch(text, new RegExp(`\\b${service.name}\\b|\\b${envPrefix(service.name)}_`), `docker-compose.yml names ${service.name}`);
    }
  });

  it('reads both files through COMPOSE_FILE in .env, as .env.example sets it, to the same result', () => {
    assert.equal(envExample().get('COMPOSE_FILE')?.value, COMPOSE_FILE, '.env.example must set COMPOSE_FILE to the files compose reads');
    const result = runComposeConfig(state.layout, state.secrets, COMPOSE_FILE);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual([...readComposeConfig(result.stdout).services.keys()].sort(), [...compose().services.keys()].sort());
  });

  it('refuses to start without its secrets, naming the one that is missing', () => {
    const { required } = variablesOf(state.layout.rendered);
    assert.ok(required.length > 0, 'secrets must be required variables (${NAME:?message})');
    const result = runComposeConfig(state.layout, {});
    assert.notEqual(result.status, 0, 'docker-compose config passed with no secrets set');
    assert.ok(
      required.some((name) => result.stderr.includes(name)),
      `the error names no variable:\n${result.stderr}`,
    );
  });

  it("documents every variable it reads in .env.example, secrets without a value; each service's own secrets come from npm run compose:env", () => {
    const example = envExample();
    const handWritten = composeVariables(composeText());
    const all = variablesOf(state.layout.rendered);
    const generated = new Set(composeSecrets().map((secret) => secret.variable));
    for (const name of all.required) {
      const entry = example.get(name);
      if (!entry) {
        assert.ok(!handWritten.required.includes(name), `.env.example does not document ${name}`);
        assert.ok(generated.has(name), `.env.example does not document ${name}, and npm run compose:env does not generate it`);
        continue;
      }
      assert.ok(!entry.commented && entry.value === '', `.env.example must list ${name}= with no value (it is a secret)`);
    }
    for (const [name, fallback] of all.defaults) {
      const entry = example.get(name);
      assert.ok(entry, `.env.example does not document ${name}`);
      assert.ok(entry.commented, `.env.example: leave ${name} commented out, with its default`);
      assert.equal(entry.value, fallback, `.env.example shows ${name}=${entry.value}, but compose defaults it to ${fallback}`);
    }
    for (const name of example.keys()) {
      if (name === 'COMPOSE_PROJECT_NAME' || name === 'COMPOSE_FILE') continue;
      assert.ok(all.required.includes(name) || all.defaults.has(name), `.env.example documents ${name}, which compose does not read`);
    }
    for (const service of MANIFEST_SERVICES.filter((s) => s.database)) {
      assert.ok(!example.has(service.database!.passwordVariable), `.env.example lists ${service.database!.passwordVariable}: compose:env adds it`);
    }
  });

  it('npm run compose:env: a .env that compose accepts, every secret one its service accepts; run again, it changes nothing', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const secrets = composeSecrets();
    const first = completeEnv(example, undefined, secrets);
    const values = Object.fromEntries(
      first.text.split('\n').flatMap((line) => (/^([A-Z][A-Z0-9_]*)=(.+)$/.exec(line) ? [[line.split('=')[0], line.slice(line.indexOf('=') + 1)]] : [])),
    );
    for (const name of variablesOf(state.layout.rendered).required) assert.ok(values[name], `.env has no ${name}`);
    for (const secret of secrets)
      assert.ok(secret.accepts(values[secret.variable]), `${secret.variable}=${values[secret.variable]} is refused by ${secret.services.join(', ')}`);
    assert.equal(values.COMPOSE_FILE, COMPOSE_FILE);
    const again = completeEnv(example, first.text, secrets);
    assert.deepEqual(again.added, []);
    assert.equal(again.text, first.text);
    // An older .env (no COMPOSE_FILE, no password of a service added since) is completed, its values kept.
    const older = first.text
      .split('\n')
      .filter((line) => !/^(COMPOSE_FILE|ORDERS_DB_PASSWORD)=/.test(line))
      .join('\n');
    const completed = completeEnv(example, older, secrets);
    assert.deepEqual(completed.added.sort(), ['COMPOSE_FILE', 'ORDERS_DB_PASSWORD']);
    assert.ok(completed.text.startsWith(older.trimEnd()), 'nothing already in .env changes');
    const result = runComposeConfig(state.layout, values, COMPOSE_FILE);
    assert.equal(result.status, 0, result.stderr);
  });

  it('keeps every secret out of the files', () => {
    for (const service of compose().services.values()) {
      for (const [name, value] of Object.entries(service.environment)) {
        if (isSecretLike(name)) {
          assert.ok(Object.values(state.secrets).includes(value), `${service.name} ${name} is written in the file; take it from .env with \${${name}:?...}`);
        }
        const password = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/.exec(value)?.[1];
        if (password !== undefined) {
          assert.ok(Object.values(state.secrets).includes(password), `${service.name} ${name} has a password written in the file`);
        }
      }
    }
  });

  for (const expected of MANIFEST_SERVICES) describe(`${expected.name} (services/manifest.ts)`, () => checksOf(expected, state, MANIFEST_SERVICES));

  // The edge, should it leave the manifest: its folder's schema still rules it.
  const gateway = MANIFEST_SERVICES.some((s) => s.name === 'gateway') ? undefined : requirementsFor('gateway');
  if (gateway) describe('gateway (services/gateway/src/config.ts)', () => checksOf(gateway, state, MANIFEST_SERVICES));

  it('runs no Node service whose config schema it cannot check', () => {
    for (const service of nodeServices()) {
      const name = service.build!.args.SERVICE;
      assert.ok(requirementsFor(name), `${name} is neither in services/manifest.ts nor has services/${name}/src/config.ts`);
    }
  });

  it('names only its own services in addresses and URLs', () => {
    for (const service of nodeServices()) {
      for (const [name, value] of Object.entries(service.environment)) {
        for (const host of hostsIn(value)) {
          if (host === '0.0.0.0') continue;
          assert.ok(compose().services.has(host), `${service.name} ${name}=${value}: no service ${host}`);
        }
      }
    }
  });

  it('has a healthcheck on every long-running container, and starts each after its dependencies are healthy', () => {
    const oneShots = new Set<string>();
    for (const service of compose().services.values()) {
      for (const [dependency, condition] of Object.entries(service.dependsOn)) {
        assert.ok(['service_healthy', ONE_SHOT].includes(condition), `${service.name} waits for ${dependency} with ${condition}`);
        if (condition === ONE_SHOT) oneShots.add(dependency);
      }
    }
    for (const service of compose().services.values()) {
      if (oneShots.has(service.name)) {
        assert.equal(service.restart, 'no', `${service.name} runs once; it must not restart`);
        continue;
      }
      assert.ok(service.healthcheck && !service.healthcheck.disable && service.healthcheck.test.length > 0, `${service.name} has no healthcheck`);
      assert.notEqual(service.healthcheck.test[0], 'NONE', `${service.name} disables its healthcheck`);
    }
  });

  it('pins every image it pulls to a version', () => {
    for (const service of compose().services.values()) {
      if (service.build) continue;
      const tag = /:([^/:]+)$/.exec(service.image ?? '')?.[1];
      assert.ok(tag && tag !== 'latest' && /\d/.test(tag), `${service.name}: pin ${service.image} to a version`);
    }
  });

  it('publishes ports on 127.0.0.1 only', () => {
    for (const service of compose().services.values()) {
      for (const port of service.ports) {
        if (port.published === undefined) continue;
        assert.equal(port.hostIp, '127.0.0.1', `${service.name} publishes ${port.published} on every interface`);
      }
    }
  });

  it('keeps state on named volumes', () => {
    const stateful: [string, string][] = [
      ['mysql', '/var/lib/mysql'],
      ['kafka', get('kafka').environment.KAFKA_LOG_DIRS],
      ['prometheus', '/prometheus'],
      ['grafana', '/var/lib/grafana'],
    ];
    for (const [name, path] of stateful) {
      const found = mountAt(get(name), path);
      assert.ok(found && found.type === 'volume', `${name} keeps ${path} on no named volume`);
      assert.ok(compose().volumes.includes(found.source), `volume ${found.source} is not declared`);
    }
  });

  it('runs MySQL 8.0 with the rendered init script that creates one schema and one user per service', () => {
    const mysql = get('mysql');
    assert.match(mysql.image ?? '', /^mysql:8\.0(\.\d+)?$/);
    assert.equal(bindSource(mysql, '/docker-entrypoint-initdb.d'), 'gen/deploy/mysql');
    assert.ok(Object.keys(mysql.environment).includes('MYSQL_ROOT_PASSWORD'));
  });

  it('runs Redis 7 and a single-node KRaft Kafka 3.9.1 where the services look for them', () => {
    assert.match(get('redis').image ?? '', /^redis:7[.\d]*(-\w+)?$/);
    const kafka = get('kafka');
    assert.equal(kafka.image, 'apache/kafka:3.9.1');
    assert.equal(kafka.environment.KAFKA_PROCESS_ROLES, 'broker,controller');
    assert.match(kafka.environment.KAFKA_CONTROLLER_QUORUM_VOTERS, new RegExp(`^${kafka.environment.KAFKA_NODE_ID}@`));
    const advertised = kafka.environment.KAFKA_ADVERTISED_LISTENERS.replace(/^PLAINTEXT:\/\//, '');
    for (const service of nodeServices()) {
      const brokers = service.environment.KAFKA_BROKERS;
      if (brokers !== undefined) assert.equal(brokers, advertised, `${service.name} KAFKA_BROKERS`);
      const redis = service.environment.REDIS_URL;
      if (redis !== undefined) assert.equal(new URL(redis).hostname, 'redis');
    }
    for (const setting of ['OFFSETS_TOPIC_REPLICATION_FACTOR', 'TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'TRANSACTION_STATE_LOG_MIN_ISR']) {
      assert.equal(kafka.environment[`KAFKA_${setting}`], '1', `a single broker needs KAFKA_${setting}=1`);
    }
  });

  it("runs Redis with a password from .env that every service's REDIS_URL carries", () => {
    const redis = get('redis');
    const flag = redis.command.indexOf('--requirepass');
    assert.ok(flag >= 0, 'redis-server must be started with --requirepass');
    const password = redis.command[flag + 1];
    assert.equal(password, state.secrets.REDIS_PASSWORD, 'the Redis password must come from .env (${REDIS_PASSWORD:?...})');
    assert.equal(redis.environment.REDISCLI_AUTH, password, 'the health check (redis-cli) needs the password too');
    for (const service of nodeServices()) {
      const url = service.environment.REDIS_URL;
      if (url !== undefined) assert.equal(decodeURIComponent(new URL(url).password), password, `${service.name} REDIS_URL has no or another password`);
    }
  });

  it('serves the edge: Envoy with its rendered config and the descriptor set, and the gateway', () => {
    const envoy = get('envoy');
    assert.match(envoy.image ?? '', /^envoyproxy\/envoy:v\d+\.\d+\.\d+$/);
    assert.equal(bindSource(envoy, '/etc/envoy/envoy.yaml'), 'gen/deploy/envoy/envoy.yaml');
    const descriptors = get('descriptors');
    assert.equal(descriptors.build?.target, 'descriptors');
    assert.equal(envoy.dependsOn.descriptors, ONE_SHOT);
    const shared = mountAt(envoy, '/etc/envoy/descriptors');
    assert.ok(shared && shared.type === 'volume', 'envoy reads the descriptor set from a volume at /etc/envoy/descriptors');
    assert.equal(mountAt(descriptors, '/out')?.source, shared.source, 'descriptors must write into the volume Envoy reads');
    assert.ok(
      envoy.ports.some((p) => p.published === 8080 && p.target === 8080),
      'the edge is http://localhost:8080',
    );
    assert.ok(envoy.listens.includes(9901), 'Envoy admin (/ready, /stats/prometheus) on 9901');

    const gateway = get('gateway');
    assert.equal(gateway.build?.args.SERVICE, 'gateway');
    assert.ok(
      gateway.ports.some((p) => p.target === 8080 && p.published === 8081),
      'the gateway serves HTTP on 8080, published on 8081 (Envoy has 8080)',
    );
  });

  it('runs the collector, Jaeger, Prometheus (its rendered config), Grafana (anonymous viewers) and Adminer with the observability files', () => {
    const collector = get('otel-collector');
    assert.equal(bindSource(collector, '/etc/otelcol-contrib/config.yaml'), 'observability/otel-collector.yaml');
    for (const service of nodeServices()) {
      const endpoint = service.environment.OTEL_EXPORTER_OTLP_ENDPOINT;
      assert.ok(endpoint, `${service.name} exports no traces`);
      assert.equal(new URL(endpoint).hostname, 'otel-collector');
    }
    assert.match(get('jaeger').image ?? '', /^jaegertracing\//);
    const prometheus = get('prometheus');
    assert.equal(bindSource(prometheus, '/etc/prometheus/prometheus.yml'), 'gen/deploy/prometheus/prometheus.yml');
    assert.equal(bindSource(prometheus, '/etc/prometheus/alerts.yml'), 'observability/prometheus/alerts.yml');
    const grafana = get('grafana');
    assert.equal(bindSource(grafana, '/etc/grafana/provisioning'), 'observability/grafana/provisioning');
    assert.equal(bindSource(grafana, '/var/lib/grafana/dashboards'), 'observability/grafana/dashboards');
    assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ENABLED, 'true');
    assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');
    assert.equal(get('adminer').environment.ADMINER_DEFAULT_SERVER, 'mysql');
  });

  describe('agrees with the edge and observability files', () => {
    const file = (path: string) => join(root, path);
    /** Every `key: value` anywhere in a parsed YAML document. */
    const valuesOf = (node: unknown, key: string): unknown[] => {
      if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
      if (typeof node !== 'object' || node === null) return [];
      return Object.entries(node).flatMap(([k, v]) => [...(k === key ? [v] : []), ...valuesOf(v, key)]);
    };
    const mountedFile = (service: ComposeService, path: string) => service.volumes.some((v) => path === v.target || path.startsWith(`${v.target}/`));
    /** Envoy's config as rendered (in memory), or envoy/envoy.yaml while its renderer writes none. */
    const envoyConfig = () => {
      const rendered = renderEnvoy().find((f) => f.path === 'envoy/envoy.yaml');
      if (rendered) return parse(rendered.content);
      return existsSync(file('envoy/envoy.yaml')) ? parse(readFileSync(file('envoy/envoy.yaml'), 'utf8')) : undefined;
    };

    it('envoy.yaml: the descriptor set where compose puts it, clusters at services that listen there', function () {
      const config = envoyConfig();
      if (!config) this.skip();
      const envoy = get('envoy');
      for (const descriptor of valuesOf(config, 'proto_descriptor')) {
        assert.equal(descriptor, '/etc/envoy/descriptors/shopmesh.binpb', 'the descriptor set is at /etc/envoy/descriptors/shopmesh.binpb in compose');
      }
      for (const address of valuesOf(config, 'socket_address') as { address: string; port_value: number }[]) {
        if (['0.0.0.0', '127.0.0.1', '::'].includes(address.address)) continue;
        const upstream = compose().services.get(address.address);
        assert.ok(upstream, `envoy.yaml names ${address.address}, which is no compose service`);
        assert.ok(upstream.listens.includes(address.port_value), `envoy.yaml: ${address.address} does not listen on ${address.port_value}`);
      }
      assert.ok(mountedFile(envoy, '/etc/envoy/envoy.yaml'));
    });

    it('the rendered prometheus.yml: rule files mounted, targets that listen', () => {
      const config = prometheusConfig();
      const prometheus = get('prometheus');
      for (const rules of (config.rule_files ?? []) as string[]) {
        const path = posix.isAbsolute(rules) ? rules : posix.join('/etc/prometheus', rules);
        assert.ok(mountedFile(prometheus, path), `prometheus.yml reads ${path}, which compose does not mount`);
      }
      for (const target of valuesOf(config, 'targets').flat() as string[]) {
        const [host, port] = target.split(':');
        if (host === 'localhost' || host === '127.0.0.1') continue;
        const service = compose().services.get(host);
        assert.ok(service, `prometheus.yml scrapes ${target}: no compose service ${host}`);
        assert.ok(service.listens.includes(Number(port)), `prometheus.yml scrapes ${target}, where ${host} does not listen`);
      }
    });

    it('observability/grafana/provisioning: dashboards where compose mounts them, data sources that exist', function () {
      const dir = file('observability/grafana/provisioning');
      if (!existsSync(dir)) this.skip();
      const grafana = get('grafana');
      const yamlIn = (sub: string) =>
        existsSync(join(dir, sub))
          ? readdirSync(join(dir, sub))
              .filter((f) => /\.ya?ml$/.test(f))
              .map((f) => parse(readFileSync(join(dir, sub, f), 'utf8')))
          : [];
      for (const provider of yamlIn('dashboards').flatMap((doc) => doc?.providers ?? [])) {
        const path = provider.options?.path as string | undefined;
        if (path) assert.ok(mountedFile(grafana, path), `dashboard provider ${provider.name} reads ${path}, which compose does not mount`);
      }
      for (const source of yamlIn('datasources').flatMap((doc) => doc?.datasources ?? [])) {
        if (!source.url) continue;
        const host = new URL(source.url).hostname;
        assert.ok(compose().services.has(host), `data source ${source.name} points at ${host}, which is no compose service`);
      }
    });

    it('observability/otel-collector.yaml: exports to services that exist', function () {
      if (!existsSync(file('observability/otel-collector.yaml'))) this.skip();
      const config = parse(readFileSync(file('observability/otel-collector.yaml'), 'utf8'));
      for (const [name, exporter] of Object.entries((config.exporters ?? {}) as Record<string, { endpoint?: string }>)) {
        if (!exporter?.endpoint) continue;
        for (const host of hostsIn(exporter.endpoint)) {
          assert.ok(compose().services.has(host), `collector exporter ${name} sends to ${host}, which is no compose service`);
        }
      }
    });
  });
});

describe(`docker-compose with one more service (a made-up "${EXTRA.name}" added to the manifest's list)`, function () {
  this.timeout(60_000);
  const services = ENTRIES_WITH_ADDED;
  const all: ServiceRequirements[] = services.map(deployedService);
  const state = renderedCompose(services);
  const extra = all.find((s) => s.name === EXTRA.name)!;

  describe(`${EXTRA.name}: its block, from its spec alone`, () => checksOf(extra, state, all));
  describe('gateway: fronts it too', () => checksOf(all.find((s) => s.name === 'gateway')!, state, all));

  it(`gives ${EXTRA.name} what its spec says: ${EXTRA.grpcPort}/${EXTRA.metricsPort}, ${EXTRA.schema}, Redis, ${EXTRA.callee}, its own secret`, () => {
    const service = getter(state)(EXTRA.name);
    assert.equal(service.environment.GRPC_PORT, String(EXTRA.grpcPort));
    assert.equal(service.environment.METRICS_PORT, String(EXTRA.metricsPort));
    assert.equal(service.environment.WISHLIST_DB_NAME, EXTRA.schema);
    assert.equal(service.dependsOn.redis, 'service_healthy');
    assert.equal(service.environment[addressesVariable(EXTRA.callee)], `${EXTRA.callee}:${all.find((s) => s.name === EXTRA.callee)!.grpcPort}`);
    assert.equal(service.environment[EXTRA.secret], sentinel(EXTRA.secret));
    assert.equal(getter(state)('gateway').environment[addressesVariable(EXTRA.name)], `${EXTRA.name}:${EXTRA.grpcPort}`);
  });

  it('needs no line in .env.example: npm run compose:env generates its secrets, and values its schema accepts', () => {
    const secrets = composeSecrets(services);
    const example = envExample();
    for (const variable of ['WISHLIST_DB_PASSWORD', EXTRA.secret]) {
      assert.ok(!example.has(variable));
      const secret = secrets.find((s) => s.variable === variable);
      assert.ok(secret, `compose:env does not generate ${variable}`);
      assert.deepEqual(secret.services, [EXTRA.name]);
    }
    const { text } = completeEnv(readFileSync(join(root, '.env.example'), 'utf8'), undefined, secrets);
    const shareKey = new RegExp(`^${EXTRA.secret}=(.+)$`, 'm').exec(text)?.[1];
    const schema = (ADDED.config as unknown as { shape: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape[EXTRA.secret];
    assert.ok(shareKey && schema.safeParse(shareKey).success, `${EXTRA.secret}: a value its schema accepts`);
  });
});
