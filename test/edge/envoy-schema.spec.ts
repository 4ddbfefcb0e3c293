/**
 * Envoy's configuration as deploy/render/envoy.ts renders it from envoy/envoy.yaml (in
 * memory, for the manifest and the contracts) against Envoy's own API schema: the protos of
 * io.envoyproxy.controlplane:api (Maven Central, fetched and built once by
 * envoy/api/fetch.sh), loaded with @bufbuild/protobuf, and the YAML parsed as
 * an envoy.config.bootstrap.v3.Bootstrap with every typed_config resolved.
 * Unknown fields, wrong types and unknown @types fail. Fields newer than the
 * API snapshot are named in NEWER_THAN_API_SNAPSHOT and set aside here.
 *
 * It also pins the gateway to Envoy's GrpcJsonTranscoder message: the
 * gateway's option schema names exactly Envoy's fields, so a new Envoy option
 * cannot go unnoticed, and the gateway reads its settings from the same template, expanded
 * the same way (its view of every route equals the rendered file's).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFileRegistry, fromBinary, fromJson, type DescMessage, type FileRegistry, type JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { parse } from 'yaml';
import { gatewayConfig } from '../../services/gateway/src/config';
import { renderEnvoy } from '../../deploy/render/envoy';
import { loadContracts } from '../../services/gateway/src/contracts';
import { envoyEdgeFromYaml, loadEnvoyEdge } from '../../services/gateway/src/envoy-edge';
import { grpcJsonTranscoderSchema, NEWER_THAN_API_SNAPSHOT } from '../../services/gateway/src/transcoder-options';

const root = join(__dirname, '..', '..');
const envoyFile = join(root, 'envoy', 'envoy.yaml');
/** The rendered config (what Envoy runs), rendered here rather than read from a possibly stale gen/deploy. */
const renderedText = renderEnvoy()[0].content;

/** Removes each dotted field path wherever it occurs in the tree (the snapshot does not know it yet). */
function setAside(node: unknown, paths: string[][]): unknown {
  if (Array.isArray(node)) return node.map((n) => setAside(n, paths));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (paths.some((p) => p.length === 1 && p[0] === key)) continue;
    const deeper = paths.filter((p) => p.length > 1 && p[0] === key).map((p) => p.slice(1));
    out[key] = setAside(value, [...paths, ...deeper]);
  }
  return out;
}

describe("the rendered Envoy config (envoy/envoy.yaml expanded) against Envoy's API schema", function () {
  this.timeout(180_000);
  let registry: FileRegistry;
  let bootstrap: DescMessage;

  before(() => {
    const set = execFileSync('bash', [join(root, 'envoy', 'api', 'fetch.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(set)));
    bootstrap = registry.getMessage('envoy.config.bootstrap.v3.Bootstrap')!;
    assert.ok(bootstrap, 'Bootstrap is in the API set');
  });

  it('parses strictly as a Bootstrap, every typed_config resolved', () => {
    const yaml = setAside(
      parse(renderedText, { maxAliasCount: -1 }),
      NEWER_THAN_API_SNAPSHOT.map((p) => p.split('.')),
    );
    assert.doesNotThrow(() => fromJson(bootstrap, yaml as JsonValue, { registry }));
  });

  it('would catch an unknown field, a wrong type and an unknown @type', () => {
    const good = setAside(
      parse(renderedText, { maxAliasCount: -1 }),
      NEWER_THAN_API_SNAPSHOT.map((p) => p.split('.')),
    ) as any;
    const broken = (edit: (config: any) => void) => {
      const copy = structuredClone(good);
      edit(copy);
      return () => fromJson(bootstrap, copy, { registry });
    };
    const transcoder = (c: any) =>
      c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters.find(
        (f: any) => f.name === 'envoy.filters.http.grpc_json_transcoder',
      ).typed_config;
    assert.throws(
      broken((c) => (transcoder(c).convert_grpc_stauts = true)),
      /convert_grpc_stauts/,
    );
    assert.throws(
      broken((c) => (transcoder(c).max_request_body_size = 'lots')),
      /max_request_body_size|UInt32Value/,
    );
    assert.throws(
      broken((c) => (transcoder(c)['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.no_such.v3.Filter')),
      /no_such/,
    );
  });

  it('names in NEWER_THAN_API_SNAPSHOT only fields the snapshot really lacks', () => {
    const printOptions = registry.getMessage('envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder.PrintOptions')!;
    for (const path of NEWER_THAN_API_SNAPSHOT) {
      const field = path.split('.').pop()!;
      assert.equal(
        printOptions.fields.some((f) => f.name === field),
        false,
        `${path} is in the snapshot now: drop it from the list`,
      );
    }
  });

  it("the gateway's transcoder options are exactly Envoy's GrpcJsonTranscoder fields", () => {
    const envoy = registry.getMessage('envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder')!;
    const names = (desc: DescMessage) => desc.fields.map((f) => f.name).sort();
    const shape =
      (grpcJsonTranscoderSchema as any).def?.in?.shape ?? (grpcJsonTranscoderSchema as any)._def?.schema?.shape ?? (grpcJsonTranscoderSchema as any).shape;
    const ours = Object.keys(shape)
      .filter((k) => k !== '@type')
      .sort();
    assert.deepEqual(ours, names(envoy));
    const unwrap = (s: any): any => (s?.def?.innerType ? unwrap(s.def.innerType) : s);
    const nested = (key: string) => Object.keys(unwrap(shape[key]).shape).sort();
    const newer = NEWER_THAN_API_SNAPSHOT.map((p) => p.split('.').pop());
    assert.deepEqual(
      nested('print_options').filter((f) => !newer.includes(f)),
      names(envoy.nestedMessages.find((m) => m.name === 'PrintOptions')!),
    );
    assert.deepEqual(nested('request_validation_options'), names(envoy.nestedMessages.find((m) => m.name === 'RequestValidationOptions')!));
  });

  it('would catch a template marker left in the output (for_each is no Envoy field)', () => {
    const template = setAside(
      parse(readFileSync(envoyFile, 'utf8')),
      NEWER_THAN_API_SNAPSHOT.map((p) => p.split('.')),
    );
    assert.throws(() => fromJson(bootstrap, template as JsonValue, { registry }), /for_each/);
  });

  it('comes from the template the gateway takes its transcoder settings from, by default, with the same route for every path', () => {
    const config = gatewayConfig.parse({});
    assert.equal(config.GATEWAY_ENVOY_CONFIG, envoyFile);
    const contracts = loadContracts();
    const edge = loadEnvoyEdge(config.GATEWAY_ENVOY_CONFIG, contracts);
    const hcm = parse(renderedText, { maxAliasCount: -1 }).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    const raw = hcm.http_filters.find((f: any) => f.name === 'envoy.filters.http.grpc_json_transcoder').typed_config;
    for (const [key, value] of Object.entries(raw))
      assert.deepEqual((edge.transcoder as any)[key], key === 'print_options' ? { ...(edge.transcoder as any)[key], ...(value as object) } : value, key);
    // Per-route settings: the watch stream prints SSE frames, as Envoy's route config says.
    assert.equal(edge.transcoderFor('/v1/notifications:watch')?.print_options.stream_sse_style_delimited, true);
    assert.equal(edge.transcoderFor('/v1/products')?.print_options.add_whitespace, true);
    assert.equal(edge.transcoderFor('/docs'), undefined, 'the catch-all route disables the transcoder');
    // The gateway's expansion of the template picks, for every REST and gRPC path, the settings Envoy's rendered routes pick.
    const envoy = envoyEdgeFromYaml(renderedText, 'rendered');
    const paths = ['/', '/docs', '/openapi.json', '/healthz', '/v1/no-such-route'];
    for (const service of contracts.services) {
      paths.push(`/${service.typeName}/`);
      for (const method of service.methods) {
        paths.push(`/${service.typeName}/${method.name}`);
        for (const binding of contracts.bindings(method)) paths.push(binding.pattern.replace(/\{[^}]+\}/g, 'x'));
      }
    }
    for (const path of paths) assert.deepEqual(edge.transcoderFor(path), envoy.transcoderFor(path), path);
    assert.throws(() => loadEnvoyEdge(envoyFile), /template/, 'the template cannot be read without the contracts');
  });
});
