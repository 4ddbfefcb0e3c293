/**
 * The gateway pointed at a contract that is not shopmesh's (test/edge/contract:
 * HttpBody in and out, a stream of HttpBody, client streaming), end to end:
 * the gateway runs as its own process, as `npm start` runs it, with
 * GATEWAY_DESCRIPTOR_SET, GATEWAY_ENVOY_CONFIG and GATEWAY_UPSTREAMS; the
 * service is a real @grpc/grpc-js server implementing the contract from its
 * descriptors; the calls are plain HTTP.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, fromBinary, toBinary, type DescMessage, type DescService } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { contractsFromBytes } from '../../services/gateway/src/contracts';
import { buildTestContract } from './contract/build';

const ROOT = join(__dirname, '..', '..');

/** A grpc-js service definition straight from the descriptors (no generated code for a test contract). */
function definitionOf(service: DescService): grpc.ServiceDefinition {
  const codec = (desc: DescMessage) => ({
    serialize: (message: any) => Buffer.from(toBinary(desc, create(desc, message))),
    deserialize: (bytes: Buffer) => fromBinary(desc, bytes),
  });
  return Object.fromEntries(
    service.methods.map((method) => {
      const input = codec(method.input);
      const output = codec(method.output);
      return [
        method.localName,
        {
          path: `/${service.typeName}/${method.name}`,
          requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
          responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
          requestSerialize: input.serialize,
          requestDeserialize: input.deserialize,
          responseSerialize: output.serialize,
          responseDeserialize: output.deserialize,
        },
      ];
    }),
  );
}

/** The media service: images kept in memory, a log of numbered lines, sums of readings. */
function mediaService(): grpc.UntypedServiceImplementation {
  const images = new Map<string, { contentType: string; data: Uint8Array }>();
  return {
    putImage(call: grpc.ServerUnaryCall<any, any>, done: grpc.sendUnaryData<any>) {
      const { name, image } = call.request;
      images.set(name, { contentType: image?.contentType ?? '', data: image?.data ?? new Uint8Array() });
      done(null, { name, contentType: image?.contentType ?? '', sizeBytes: BigInt(image?.data?.length ?? 0) });
    },
    getImage(call: grpc.ServerUnaryCall<any, any>, done: grpc.sendUnaryData<any>) {
      const image = images.get(call.request.name);
      if (!image) return done({ code: grpc.status.NOT_FOUND, details: `no image ${call.request.name}` });
      done(null, image);
    },
    tailLog(call: grpc.ServerWritableStream<any, any>) {
      for (let i = 1; i <= call.request.lines; i++)
        call.write({ contentType: 'text/plain; charset=utf-8', data: Buffer.from(`${call.request.name} line ${i}\n`) });
      call.end();
    },
    sumReadings(call: grpc.ServerReadableStream<any, any>, done: grpc.sendUnaryData<any>) {
      const summary = { sensor: '', count: 0, total: 0 };
      call.on('data', (reading: { sensor: string; value: number }) => {
        summary.sensor ||= reading.sensor;
        summary.count++;
        summary.total += reading.value;
      });
      call.on('end', () => done(null, summary));
    },
  };
}

/** Starts `services/gateway/src/main.ts` and resolves with its HTTP port, read from its "serving" log line. */
function startGatewayProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'services/gateway/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HTTP_PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', OTEL_SDK_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start in 30 s:\n${output}`)), 30_000);
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const serving = output.split('\n').find((line) => line.includes('"msg":"serving"'));
      if (!serving) return;
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${JSON.parse(serving).httpPort}` });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with ${code}:\n${output}`));
    });
  });
}

describe('edge on a second contract: HttpBody and client streaming, end to end', function () {
  this.timeout(60_000);
  const server = new grpc.Server();
  let gateway: ChildProcess | undefined;
  let base: string;

  before(async () => {
    const descriptorSet = buildTestContract();
    const contracts = contractsFromBytes(readFileSync(descriptorSet));
    const media = contracts.services.find((s) => s.typeName === 'edgetest.v1.MediaService');
    assert.ok(media, 'the test contract has its service');
    server.addService(definitionOf(media), mediaService());
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const started = await startGatewayProcess({
      GATEWAY_DESCRIPTOR_SET: descriptorSet,
      GATEWAY_ENVOY_CONFIG: join(__dirname, 'contract', 'envoy.yaml'),
      GATEWAY_UPSTREAMS: `edgetest.v1.MediaService=127.0.0.1:${port}`,
      GATEWAY_RATE_LIMIT_STORE: 'memory',
    });
    gateway = started.child;
    base = started.url;
  });

  after(async () => {
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((resolve) => gateway!.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
    }
    server.forceShutdown();
  });

  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x10]);

  it('takes a raw request body as the HttpBody field, with its content type', async () => {
    const response = await fetch(`${base}/v1/images/cat.png`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: png });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), { name: 'cat.png', contentType: 'image/png', sizeBytes: String(png.length) });
  });

  it('answers an HttpBody response as raw bytes under its own content type', async () => {
    const response = await fetch(`${base}/v1/images/cat.png`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('content-length'), String(png.length));
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), png);
  });

  it('answers a failed HttpBody call with the google.rpc.Status JSON', async () => {
    const response = await fetch(`${base}/v1/images/dog.png`);
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), { code: 5, message: 'no image dog.png', details: [] });
  });

  it('streams HttpBody messages raw, one after another, under the first one’s content type', async () => {
    const response = await fetch(`${base}/v1/logs/app:tail?lines=3`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await response.text(), 'app line 1\napp line 2\napp line 3\n');
  });

  it('sends a JSON array body as a client stream, one message per element, path variables bound to each', async () => {
    const readings = [{ value: 1.5 }, { value: 2.5 }, { value: 3 }];
    const response = await fetch(`${base}/v1/sensors/s-1:sum`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(readings),
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), { sensor: 's-1', count: 3, total: 7 });
  });

  it('sends an empty JSON array as a client stream without messages', async () => {
    const response = await fetch(`${base}/v1/sensors/s-2:sum`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), { sensor: '', count: 0, total: 0 });
  });

  it('serves the contract to native gRPC clients too (passed through)', async () => {
    const client = new grpc.Client(base.replace('http://', ''), grpc.credentials.createInsecure());
    try {
      const contracts = contractsFromBytes(readFileSync(buildTestContract()));
      const media = contracts.services.find((s) => s.typeName === 'edgetest.v1.MediaService')!;
      const get = definitionOf(media).getImage;
      const image = await new Promise<any>((resolve, reject) =>
        client.makeUnaryRequest(get.path, get.requestSerialize, get.responseDeserialize, { name: 'cat.png' }, (error, value) =>
          error ? reject(error) : resolve(value),
        ),
      );
      assert.equal(image.contentType, 'image/png');
      assert.deepEqual(Buffer.from(image.data), png);
    } finally {
      client.close();
    }
  });
});
