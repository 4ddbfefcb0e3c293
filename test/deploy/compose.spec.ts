import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import {
  composeText,
  composeVariables,
  envExample,
  hostsIn,
  readComposeConfig,
  runComposeConfig,
  sentinel,
  type ComposeFile,
  type ComposeService,
} from './compose-config';
import {
  addresses,
  addressesVariable,
  environmentProblems,
  isSecretLike,
  MANIFEST_SERVICES,
  requirementsFor,
  root,
  type ServiceRequirements,
} from '../../deploy/render/model';

const ONE_SHOT = 'service_completed_successfully';

describe('docker-compose.yml', function () {
  this.timeout(60_000);
  const variables = composeVariables(composeText());
  const secrets = Object.fromEntries(variables.required.map((name) => [name, sentinel(name)]));
  let compose: ComposeFile;

  const get = (name: string): ComposeService => {
    const found = compose.services.get(name);
    assert.ok(found, `docker-compose.yml has no service ${name}`);
    return found;
  };
  /** Services built from the Dockerfile's runtime stage: the Node services. */
  const nodeServices = () => [...compose.services.values()].filter((s) => s.build?.args.SERVICE !== undefined);
  const mountAt = (service: ComposeService, target: string) => service.volumes.find((v) => v.target === target);
  const bindSource = (service: ComposeService, target: string) => {
    const found = mountAt(service, target);
    assert.ok(found, `${service.name} mounts nothing at ${target}`);
    assert.equal(found.type, 'bind', `${service.name}: ${target} should be a file of the repository`);
    return posix.relative(root, found.source.startsWith('/') ? found.source : posix.join(root, found.source));
  };

  before(function () {
    const result = runComposeConfig(secrets);
    assert.equal(result.status, 0, `docker-compose config failed:\n${result.stderr}`);
    compose = readComposeConfig(result.stdout);
  });

  it('parses with docker-compose config', () => {
    assert.ok(compose.services.size > 0);
  });

  it('refuses to start without its secrets, naming the one that is missing', () => {
    assert.ok(variables.required.length > 0, 'secrets must be required variables (${NAME:?message})');
    const result = runComposeConfig({});
    assert.notEqual(result.status, 0, 'docker-compose config passed with no secrets set');
    assert.ok(
      variables.required.some((name) => result.stderr.includes(name)),
      `the error names no variable:\n${result.stderr}`,
    );
  });

  it('documents every variable it reads in .env.example, secrets without a value', () => {
    const example = envExample();
    for (const name of variables.required) {
      const entry = example.get(name);
      assert.ok(entry, `.env.example does not document ${name}`);
      assert.ok(!entry.commented && entry.value === '', `.env.example must list ${name}= with no value (it is a secret)`);
    }
    for (const [name, fallback] of variables.defaults) {
      const entry = example.get(name);
      assert.ok(entry, `.env.example does not document ${name}`);
      assert.ok(entry.commented, `.env.example: leave ${name} commented out, with its default`);
      assert.equal(entry.value, fallback, `.env.example shows ${name}=${entry.value}, but compose defaults it to ${fallback}`);
    }
    for (const name of example.keys()) {
      if (name === 'COMPOSE_PROJECT_NAME') continue;
      assert.ok(variables.required.includes(name) || variables.defaults.has(name), `.env.example documents ${name}, which compose does not read`);
    }
  });

  it('keeps every secret out of the file', () => {
    for (const service of compose.services.values()) {
      for (const [name, value] of Object.entries(service.environment)) {
        if (isSecretLike(name)) {
          assert.ok(Object.values(secrets).includes(value), `${service.name} ${name} is written in the file; take it from .env with \${${name}:?...}`);
        }
        const password = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/.exec(value)?.[1];
        if (password !== undefined) {
          assert.ok(Object.values(secrets).includes(password), `${service.name} ${name} has a password written in the file`);
        }
      }
    }
  });

  const checksOf = (expected: ServiceRequirements) => {
    it("is built from the Dockerfile and listens on its schema's ports", () => {
      const service = get(expected.name);
      assert.ok(service.build, `${expected.name} must be built from the Dockerfile`);
      assert.equal(service.build.context, root);
      assert.equal(service.build.target, 'runtime');
      assert.equal(service.build.args.SERVICE, expected.name);
      assert.ok(service.image, `${expected.name} needs an image name (shopmesh/${expected.name}:tag)`);
      for (const [variable, port] of Object.entries(expected.ports)) {
        assert.ok(service.listens.includes(port), `${expected.name} does not expose ${variable} ${port}`);
      }
    });

    it('sets the environment its config schema asks for, and nothing it does not know', () => {
      assert.deepEqual(environmentProblems(expected, get(expected.name).environment, 'docker-compose.yml'), []);
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
        const target = MANIFEST_SERVICES.find((s) => s.name === callee);
        assert.ok(target, `${callee} is not in the manifest`);
        for (const address of addresses(get(expected.name).environment[addressesVariable(callee)])) {
          assert.equal(address.host, callee);
          assert.equal(address.port, target.grpcPort);
        }
      });
    }
  };

  for (const expected of MANIFEST_SERVICES) describe(`${expected.name} (services/manifest.ts)`, () => checksOf(expected));

  // The edge, should it leave the manifest: its folder's schema still rules it.
  const gateway = MANIFEST_SERVICES.some((s) => s.name === 'gateway') ? undefined : requirementsFor('gateway');
  if (gateway) describe('gateway (services/gateway/src/config.ts)', () => checksOf(gateway));

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
          assert.ok(compose.services.has(host), `${service.name} ${name}=${value}: no service ${host}`);
        }
      }
    }
  });

  it('has a healthcheck on every long-running container, and starts each after its dependencies are healthy', () => {
    const oneShots = new Set<string>();
    for (const service of compose.services.values()) {
      for (const [dependency, condition] of Object.entries(service.dependsOn)) {
        assert.ok(['service_healthy', ONE_SHOT].includes(condition), `${service.name} waits for ${dependency} with ${condition}`);
        if (condition === ONE_SHOT) oneShots.add(dependency);
      }
    }
    for (const service of compose.services.values()) {
      if (oneShots.has(service.name)) {
        assert.equal(service.restart, 'no', `${service.name} runs once; it must not restart`);
        continue;
      }
      assert.ok(service.healthcheck && !service.healthcheck.disable && service.healthcheck.test.length > 0, `${service.name} has no healthcheck`);
      assert.notEqual(service.healthcheck.test[0], 'NONE', `${service.name} disables its healthcheck`);
    }
  });

  it('pins every image it pulls to a version', () => {
    for (const service of compose.services.values()) {
      if (service.build) continue;
      const tag = /:([^/:]+)$/.exec(service.image ?? '')?.[1];
      assert.ok(tag && tag !== 'latest' && /\d/.test(tag), `${service.name}: pin ${service.image} to a version`);
    }
  });

  it('publishes ports on 127.0.0.1 only', () => {
    for (const service of compose.services.values()) {
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
      assert.ok(compose.volumes.includes(found.source), `volume ${found.source} is not declared`);
    }
  });

  it('runs MySQL 8.0 with the init script that creates one schema and one user per service', () => {
    const mysql = get('mysql');
    assert.match(mysql.image ?? '', /^mysql:8\.0(\.\d+)?$/);
    assert.equal(bindSource(mysql, '/docker-entrypoint-initdb.d'), 'infra/mysql/init');
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
    assert.equal(password, secrets.REDIS_PASSWORD, 'the Redis password must come from .env (${REDIS_PASSWORD:?...})');
    assert.equal(redis.environment.REDISCLI_AUTH, password, 'the health check (redis-cli) needs the password too');
    for (const service of nodeServices()) {
      const url = service.environment.REDIS_URL;
      if (url !== undefined) assert.equal(decodeURIComponent(new URL(url).password), password, `${service.name} REDIS_URL has no or another password`);
    }
  });

  it('serves the edge: Envoy with its config and the descriptor set, and the gateway', () => {
    const envoy = get('envoy');
    assert.match(envoy.image ?? '', /^envoyproxy\/envoy:v\d+\.\d+\.\d+$/);
    assert.equal(bindSource(envoy, '/etc/envoy/envoy.yaml'), 'envoy/envoy.yaml');
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
      gateway.ports.some((p) => p.target === 8080),
      'the gateway serves HTTP on 8080',
    );
  });

  it('runs the collector, Jaeger, Prometheus, Grafana (anonymous viewers) and Adminer with the observability files', () => {
    const collector = get('otel-collector');
    assert.equal(bindSource(collector, '/etc/otelcol-contrib/config.yaml'), 'observability/otel-collector.yaml');
    for (const service of nodeServices()) {
      const endpoint = service.environment.OTEL_EXPORTER_OTLP_ENDPOINT;
      assert.ok(endpoint, `${service.name} exports no traces`);
      assert.equal(new URL(endpoint).hostname, 'otel-collector');
    }
    assert.match(get('jaeger').image ?? '', /^jaegertracing\//);
    const prometheus = get('prometheus');
    assert.equal(bindSource(prometheus, '/etc/prometheus/prometheus.yml'), 'observability/prometheus/prometheus.yml');
    assert.equal(bindSource(prometheus, '/etc/prometheus/alerts.yml'), 'observability/prometheus/alerts.yml');
    const grafana = get('grafana');
    assert.equal(bindSource(grafana, '/etc/grafana/provisioning'), 'observability/grafana/provisioning');
    assert.equal(bindSource(grafana, '/var/lib/grafana/dashboards'), 'observability/grafana/dashboards');
    assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ENABLED, 'true');
    assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');
    assert.equal(get('adminer').environment.ADMINER_DEFAULT_SERVER, 'mysql');
  });

  describe('agrees with the edge and observability files (once they exist)', () => {
    const file = (path: string) => join(root, path);
    /** Every `key: value` anywhere in a parsed YAML document. */
    const valuesOf = (node: unknown, key: string): unknown[] => {
      if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
      if (typeof node !== 'object' || node === null) return [];
      return Object.entries(node).flatMap(([k, v]) => [...(k === key ? [v] : []), ...valuesOf(v, key)]);
    };
    const mountedFile = (service: ComposeService, path: string) => service.volumes.some((v) => path === v.target || path.startsWith(`${v.target}/`));

    it('envoy/envoy.yaml: the descriptor set where compose puts it, clusters at services that listen there', function () {
      if (!existsSync(file('envoy/envoy.yaml'))) this.skip();
      const config = parse(readFileSync(file('envoy/envoy.yaml'), 'utf8'));
      const envoy = get('envoy');
      for (const descriptor of valuesOf(config, 'proto_descriptor')) {
        assert.equal(descriptor, '/etc/envoy/descriptors/shopmesh.binpb', 'the descriptor set is at /etc/envoy/descriptors/shopmesh.binpb in compose');
      }
      for (const address of valuesOf(config, 'socket_address') as { address: string; port_value: number }[]) {
        if (['0.0.0.0', '127.0.0.1', '::'].includes(address.address)) continue;
        const upstream = compose.services.get(address.address);
        assert.ok(upstream, `envoy.yaml names ${address.address}, which is no compose service`);
        assert.ok(upstream.listens.includes(address.port_value), `envoy.yaml: ${address.address} does not listen on ${address.port_value}`);
      }
      assert.ok(mountedFile(envoy, '/etc/envoy/envoy.yaml'));
    });

    it('observability/prometheus/prometheus.yml: rule files mounted, targets that listen', function () {
      if (!existsSync(file('observability/prometheus/prometheus.yml'))) this.skip();
      const config = parse(readFileSync(file('observability/prometheus/prometheus.yml'), 'utf8'));
      const prometheus = get('prometheus');
      for (const rules of (config.rule_files ?? []) as string[]) {
        const path = posix.isAbsolute(rules) ? rules : posix.join('/etc/prometheus', rules);
        assert.ok(mountedFile(prometheus, path), `prometheus.yml reads ${path}, which compose does not mount`);
      }
      for (const target of valuesOf(config, 'targets').flat() as string[]) {
        const [host, port] = target.split(':');
        if (host === 'localhost' || host === '127.0.0.1') continue;
        const service = compose.services.get(host);
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
        assert.ok(compose.services.has(host), `data source ${source.name} points at ${host}, which is no compose service`);
      }
    });

    it('observability/otel-collector.yaml: exports to services that exist', function () {
      if (!existsSync(file('observability/otel-collector.yaml'))) this.skip();
      const config = parse(readFileSync(file('observability/otel-collector.yaml'), 'utf8'));
      for (const [name, exporter] of Object.entries((config.exporters ?? {}) as Record<string, { endpoint?: string }>)) {
        if (!exporter?.endpoint) continue;
        for (const host of hostsIn(exporter.endpoint)) {
          assert.ok(compose.services.has(host), `collector exporter ${name} sends to ${host}, which is no compose service`);
        }
      }
    });
  });
});
