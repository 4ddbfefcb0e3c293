/**
 * Envoy in deploy/k8s: the edge the docs promise, run from the config rendered from
 * envoy/envoy.yaml (gen/deploy/envoy/envoy.yaml, carried by the gateway's image; no second
 * copy), with the descriptor set beside it, and every upstream a headless Service that Envoy
 * resolves to every ready pod (STRICT_DNS). What the config says is rendered here in memory
 * (envoy-bootstrap.ts), so a change of the template or the manifest is checked against the
 * cluster here.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { parse } from 'yaml';
import { DESCRIPTOR_SET_PATH } from '../../platform/server';
import { gatewayConfig } from '../../services/gateway/src/config';
import { MANIFEST_SERVICES, requirementsFor, root } from '../../deploy/render/model';
import { ENVOY_CONFIG_FILE, readEnvoyBootstrap, valuesOf } from './envoy-bootstrap';
import { kustomizeResources } from './tools';

const NAMESPACE = 'shopmesh';

interface Resource {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: any;
  data?: Record<string, string>;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: { limits?: { cpu?: string } };
  [key: string]: any;
}

/** A Kubernetes CPU quantity ("2", "500m") in cores. */
const cores = (quantity: string) => (quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity));

/** The value after `flag` (or `flag=value`) in a command line. */
function flagValue(argv: string[], ...flags: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    for (const flag of flags) {
      if (argv[i] === flag) return argv[i + 1];
      if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
    }
  }
  return undefined;
}

/** The files scripts/build.mjs copies into dist/ beside the compiled code (read, not imported: importing it builds). */
function runtimeAssets(): string[] {
  const list = /RUNTIME_ASSETS\s*=\s*\[([^\]]*)\]/.exec(readFileSync(join(root, 'scripts', 'build.mjs'), 'utf8'))?.[1];
  assert.ok(list, 'scripts/build.mjs declares RUNTIME_ASSETS');
  return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

/** The runtime stage's WORKDIR, where the image holds the compiled tree (dist/). */
function runtimeWorkdir(): string {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const runtime = dockerfile.split(/^FROM\s/m).at(-1)!;
  const workdir = /^WORKDIR\s+(\S+)/m.exec(runtime)?.[1];
  assert.ok(workdir, "the Dockerfile's runtime stage sets no WORKDIR");
  assert.match(runtime, /^COPY\s+--from=build\s+\S*\/dist\/?\s+(\.\/?|\S+)\s*$/m, 'the runtime image holds the compiled tree (dist/) in its WORKDIR');
  return workdir;
}

describe('deploy/k8s: Envoy at the edge (gen/deploy/envoy/envoy.yaml, rendered from envoy/envoy.yaml)', function () {
  this.timeout(60_000);
  const envoy = readEnvoyBootstrap();
  let resources: Resource[];

  const get = (kind: string, name: string): Resource => {
    const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
    assert.ok(found, `deploy/k8s renders no ${kind} ${name}`);
    return found;
  };
  const pod = () => get('Deployment', 'envoy').spec.template.spec;
  const envoyContainer = (): Container => {
    const container = pod().containers.find((c: Container) => c.name === 'envoy');
    assert.ok(container, 'the envoy Deployment has no container named envoy');
    return container;
  };
  const argv = (container: Container) => [...(container.command ?? []), ...(container.args ?? [])];
  const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  const namedPort = (container: Container, port: number | string) =>
    typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;

  /**
   * Where each file an init container copies lands in Envoy's container: `cp -R <sources...>
   * <dir>/` into a volume Envoy mounts. Keys are paths in the source image, values paths
   * Envoy sees (a copied directory maps its whole tree).
   */
  function copiedIntoEnvoy(): { image: string; files: Map<string, string> }[] {
    const envoyMounts = envoyContainer().volumeMounts ?? [];
    return (pod().initContainers ?? []).map((init: Container) => {
      const command = argv(init);
      assert.equal(command[0], 'cp', `init container ${init.name}: a plain cp of files from its image`);
      const operands = command.slice(1).filter((a) => !a.startsWith('-'));
      const target = operands.pop()!;
      const mount = (init.volumeMounts ?? []).find((m) => target === m.mountPath || target.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `init container ${init.name} copies to ${target}, outside its volumes`);
      const seen = envoyMounts.find((m) => m.name === mount.name);
      assert.ok(seen, `Envoy does not mount volume ${mount.name}, which ${init.name} fills`);
      const into = posix.join(seen.mountPath, posix.relative(mount.mountPath, target));
      return { image: init.image, files: new Map(operands.map((source) => [source, posix.join(into, posix.basename(source))])) };
    });
  }

  before(function () {
    resources = kustomizeResources('deploy/k8s');
  });

  it('runs the Envoy image compose runs, pinned to a version', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    const pinned = compose.services.envoy.image;
    assert.match(pinned, /^envoyproxy\/envoy:v\d+\.\d+\.\d+$/);
    assert.equal(envoyContainer().image, pinned, 'deploy/k8s and docker-compose.yml run the same Envoy');
  });

  it("runs the rendered config and the descriptor set from the gateway's image: no copy of either in the manifests", () => {
    const gatewayImage = get('Deployment', 'gateway').spec.template.spec.containers.find((c: Container) => c.name === 'gateway').image;
    const workdir = runtimeWorkdir();
    // Files where the image holds them (dist/ mirrors the source tree, scripts/build.mjs).
    const inImage = (path: string) => posix.join(workdir, relative(root, path).split('\\').join('/'));
    const rendered = relative(root, ENVOY_CONFIG_FILE).split('\\').join('/');
    assert.ok(runtimeAssets().includes(rendered), `the build (scripts/build.mjs) puts ${rendered} into the image`);
    const configSource = inImage(ENVOY_CONFIG_FILE);
    assert.equal(configSource, posix.join(workdir, 'gen/deploy/envoy/envoy.yaml'), 'Envoy runs the rendered config, not the template');
    // The gateway follows the template (expanded the same way: test/edge/envoy-schema.spec.ts), in the same image.
    const template = relative(root, gatewayConfig.parse({}).GATEWAY_ENVOY_CONFIG).split('\\').join('/');
    assert.ok(runtimeAssets().includes(template), `the gateway's ${template} is in its image`);
    const descriptorDir = inImage(dirname(DESCRIPTOR_SET_PATH));

    const copies = copiedIntoEnvoy();
    const from = (source: string) => copies.find((c) => c.files.has(source));
    const config = from(configSource);
    assert.ok(config, `no init container copies ${configSource} into Envoy's pod`);
    assert.equal(config.image, gatewayImage, "the config comes from the gateway's image, the build the gateway runs");
    const configPath = flagValue(argv(envoyContainer()), '-c', '--config-path');
    assert.equal(configPath, config.files.get(configSource), 'Envoy runs the copied gen/deploy/envoy/envoy.yaml');

    const descriptors = from(descriptorDir);
    assert.ok(descriptors, `no init container copies ${descriptorDir} into Envoy's pod`);
    assert.equal(descriptors.image, gatewayImage, 'the descriptor set comes from the same build as the config');
    const descriptorInEnvoy = posix.join(descriptors.files.get(descriptorDir)!, basename(DESCRIPTOR_SET_PATH));
    assert.ok(envoy.descriptorPaths.length > 0, 'envoy.yaml transcodes with a descriptor set');
    for (const path of envoy.descriptorPaths) assert.equal(path, descriptorInEnvoy, `envoy.yaml reads ${path}; the pod has ${descriptorInEnvoy}`);

    const copiedTo = [...config.files.values(), ...descriptors.files.values()];
    for (const mount of envoyContainer().volumeMounts ?? []) {
      if (copiedTo.some((path) => path.startsWith(`${mount.mountPath}/`))) assert.equal(mount.readOnly, true, `Envoy mounts ${mount.mountPath} read-only`);
    }
    for (const map of resources.filter((r) => r.kind === 'ConfigMap')) {
      for (const [key, value] of Object.entries(map.data ?? {})) {
        assert.ok(!/static_resources:|grpc_json_transcoder/.test(String(value)), `ConfigMap ${map.metadata.name} ${key}: a second Envoy configuration`);
      }
    }
  });

  it("listens where envoy.yaml listens; its Service carries the listener only; probes ask the admin port's /ready", () => {
    const container = envoyContainer();
    const declared = (container.ports ?? []).map((p) => p.containerPort);
    for (const port of [...envoy.listenerPorts, envoy.adminPort]) assert.ok(declared.includes(port), `Envoy declares no containerPort ${port}`);

    const service = get('Service', 'envoy');
    assert.ok(selects(service.spec.selector, get('Deployment', 'envoy').spec.template.metadata.labels), 'Service envoy selects no Envoy pod');
    assert.ok(service.spec.ports.length > 0);
    for (const port of service.spec.ports) {
      const target = namedPort(container, port.targetPort ?? port.port);
      assert.ok(target !== undefined && envoy.listenerPorts.includes(target), `Service envoy port ${port.name} is not a listener of envoy.yaml`);
      assert.notEqual(target, envoy.adminPort, "Envoy's admin port (drain, quit, runtime changes) stays inside the pod");
    }

    for (const kind of ['startupProbe', 'readinessProbe']) {
      const probe = container[kind];
      assert.equal(probe?.httpGet?.path, '/ready', `${kind}: the admin /ready (200 once listeners and clusters are initialised)`);
      assert.equal(namedPort(container, probe.httpGet.port), envoy.adminPort);
    }
    assert.ok(container.livenessProbe, 'Envoy needs a liveness probe');
    const annotations = get('Deployment', 'envoy').spec.template.metadata.annotations ?? {};
    assert.equal(Number(annotations['prometheus.io/port']), envoy.adminPort);
    assert.equal(annotations['prometheus.io/path'], '/stats/prometheus');
  });

  it("keeps each client's own address, which envoy.yaml takes as the client (rate limit, X-Forwarded-For)", () => {
    const managers = envoy.connectionManagers;
    assert.ok(managers.length > 0);
    const peerIsClient = managers.some((m) => m.use_remote_address === true && !m.xff_num_trusted_hops);
    const service = get('Service', 'envoy');
    if (peerIsClient && ['LoadBalancer', 'NodePort'].includes(service.spec.type)) {
      assert.equal(service.spec.externalTrafficPolicy, 'Local', 'externalTrafficPolicy Cluster would hand Envoy a node address for every client');
    }
    assert.equal(service.spec.type, 'LoadBalancer', "the edge is the cluster's entry point");
  });

  it('starts one worker per CPU of its limit (by default Envoy starts one per CPU of the node)', () => {
    const container = envoyContainer();
    const concurrency = Number(flagValue(argv(container), '--concurrency'));
    const limit = container.resources?.limits?.cpu;
    assert.ok(limit, 'Envoy needs a CPU limit');
    assert.ok(concurrency >= 1 && concurrency <= Math.ceil(cores(limit)), `--concurrency ${concurrency} for a limit of ${limit} CPU`);
  });

  it('drains its listeners before it stops, within the grace period', () => {
    const container = envoyContainer();
    const preStop = (container.lifecycle?.preStop?.exec?.command ?? []).join(' ');
    assert.match(preStop, /POST \/drain_listeners\?graceful/, 'preStop starts a graceful drain on the admin port');
    assert.ok(preStop.includes(`/dev/tcp/127.0.0.1/${envoy.adminPort}`), 'the drain goes to the admin port');
    const sleep = Number(/sleep (\d+)/.exec(preStop)?.[1]);
    const drain = Number(flagValue(argv(container), '--drain-time-s'));
    assert.ok(drain > 0 && sleep >= drain, `preStop waits ${sleep} s for a ${drain} s drain`);
    assert.ok(pod().terminationGracePeriodSeconds > sleep, 'the grace period outlasts preStop');
  });

  it("speaks HTTP/1.1 wherever a shell talks to Envoy's admin port (compose's health check, the preStop drain)", () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    const scripts = [(compose.services.envoy.healthcheck?.test ?? []).join(' '), (envoyContainer().lifecycle?.preStop?.exec?.command ?? []).join(' ')];
    const toAdmin = scripts.filter((s) => s.includes(`/dev/tcp/127.0.0.1/${envoy.adminPort}`));
    assert.equal(toAdmin.length, 2, "compose's health check and the preStop drain both ask the admin port");
    for (const script of toAdmin) {
      // Envoy answers HTTP/1.0 with 426 Upgrade Required: accept_http_10 is off, on the admin port too.
      assert.doesNotMatch(script, /HTTP\/1\.0/, script);
      assert.match(script, /HTTP\/1\.1/, script);
      assert.match(script, /Host: /, `${script}: HTTP/1.1 needs a Host header`);
    }
  });

  it('scales with an HPA (at least 2 pods) and keeps pods through disruptions', () => {
    const deployment = get('Deployment', 'envoy');
    const hpa = resources.find((r) => r.kind === 'HorizontalPodAutoscaler' && r.spec.scaleTargetRef.name === 'envoy');
    assert.ok(hpa && hpa.spec.minReplicas >= 2, 'an HPA keeps at least 2 Envoy pods');
    assert.equal(deployment.spec.replicas, undefined, 'the HPA owns replicas');
    assert.ok(resources.some((r) => r.kind === 'PodDisruptionBudget' && selects(r.spec.selector.matchLabels, deployment.spec.template.metadata.labels)));
  });

  describe('every upstream of envoy.yaml: STRICT_DNS over a headless Service, at a port its pods serve', () => {
    assert.ok(envoy.upstreams.length > 0);
    for (const upstream of envoy.upstreams) {
      it(`${upstream.cluster} (${upstream.host}:${upstream.port})`, () => {
        // LOGICAL_DNS connects to the first address only, STATIC to fixed IPs; a Service's virtual
        // IP would pin each long-lived connection (HTTP/2: every call) to one pod.
        assert.equal(upstream.type, 'STRICT_DNS', `cluster ${upstream.cluster}: STRICT_DNS makes a host of every address DNS answers`);
        assert.ok(upstream.dnsRefreshMs <= 10_000, `cluster ${upstream.cluster} re-resolves every ${upstream.dnsRefreshMs} ms: new pods wait that long`);

        const [name, namespace, ...rest] = upstream.host.split('.');
        assert.ok(
          namespace === undefined || (namespace === NAMESPACE && ['', 'svc', 'svc.cluster.local'].includes(rest.join('.'))),
          `${upstream.host} is not in ${NAMESPACE}`,
        );
        const service = get('Service', name);
        assert.equal(service.spec.clusterIP, 'None', `Service ${name} must be headless: its DNS name answers with every ready pod`);
        const port = service.spec.ports.find((p: { port: number }) => p.port === upstream.port);
        assert.ok(port, `Service ${name} has no port ${upstream.port}`);

        const deployment = resources.find((r) => r.kind === 'Deployment' && selects(service.spec.selector, r.spec.template.metadata.labels));
        assert.ok(deployment, `Service ${name} selects no Deployment's pods`);
        const container = deployment.spec.template.spec.containers.find((c: Container) => (c.ports ?? []).some((p) => p.containerPort === upstream.port)) as
          | Container
          | undefined;
        // Headless: Envoy connects to pod IP:port itself, so the pods must serve that very port.
        assert.ok(container, `no container of ${deployment.metadata.name} serves ${upstream.port}`);
        assert.equal(namedPort(container, port.targetPort ?? port.port), upstream.port, `Service ${name} port ${upstream.port} targets another port`);

        const expected = requirementsFor(deployment.metadata.name);
        assert.ok(expected, `${deployment.metadata.name} has no config schema`);
        if (upstream.http2) assert.equal(upstream.port, expected.grpcPort, `cluster ${upstream.cluster} speaks gRPC to ${name}'s gRPC port`);
        else assert.equal(upstream.port, expected.ports.HTTP_PORT, `cluster ${upstream.cluster} speaks HTTP/1.1 to ${name}'s HTTP port`);
      });
    }
  });

  it("fronts the gateway for what it does not transcode (the storefront, /docs), and every public service's gRPC port", () => {
    const routes = valuesOf(envoy.config, 'routes').flat() as { match: { prefix?: string }; route?: { cluster: string } }[];
    const fallback = routes.find((r) => r.match.prefix === '/');
    const gateway = envoy.upstreams.find((u) => u.cluster === fallback?.route?.cluster);
    assert.ok(gateway, 'envoy.yaml sends "/" to a cluster');
    assert.equal(gateway.host, 'gateway', 'the rest ("/": the storefront, /docs, /openapi.json) is the gateway\'s');
    for (const service of MANIFEST_SERVICES.filter((s) => s.grpcPort !== undefined)) {
      assert.ok(
        envoy.upstreams.some((u) => u.host === service.name && u.port === service.grpcPort),
        `envoy.yaml has no cluster for ${service.name}:${service.grpcPort}`,
      );
    }
  });
});
