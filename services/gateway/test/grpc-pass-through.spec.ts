/**
 * Native gRPC on the edge port (h2c, as Envoy's codec_type AUTO takes it),
 * proxied to the service frames untouched, and the gRPC status headers of a
 * REST error when convert_grpc_status is off. Real sockets: a connect-node
 * gRPC server upstream, connect's gRPC client (HTTP/2) downstream.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, fromBinary, toBinary, type DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { loadConfig } from '../../../platform/config';
import { createLogger } from '../../../platform/logger';
import { gatewayConfig } from '../src/config';
import { loadContracts } from '../src/contracts';
import { startGateway, type RunningGateway } from '../src/gateway';
import { connectUpstream } from './connect-upstream';

const contracts = loadContracts();
const { registry } = contracts;
const service = (name: string) => contracts.services.find((s) => s.typeName === name) as DescService;
const Users = service('shop.users.v1.UsersService');
const Notifications = service('shop.notifications.v1.NotificationsService');
const Registry = service('shop.registry.v1.RegistryService');
const ResourceInfo = registry.getMessage('google.rpc.ResourceInfo')!;
const Status = registry.getMessage('google.rpc.Status')!;

/** envoy/envoy.yaml with convert_grpc_status off: errors keep their gRPC status headers. */
function unconvertedEnvoy(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gateway-envoy-')), 'envoy.yaml');
  const text = readFileSync(join(__dirname, '..', '..', '..', 'envoy', 'envoy.yaml'), 'utf8');
  writeFileSync(file, text.replaceAll('convert_grpc_status: true', 'convert_grpc_status: false'));
  return file;
}

function upstream() {
  const seen = { cancelled: 0, authorization: '' as string | null, registerCalls: 0 };
  const routes = (router: ConnectRouter) => {
    router.service(Users, {
      async getUser(request: { userId: string }, ctx: HandlerContext) {
        seen.authorization = ctx.requestHeader.get('authorization');
        if (request.userId === 'missing') {
          const error = new ConnectError('user missing not found', Code.NotFound);
          error.details.push({
            type: ResourceInfo.typeName,
            value: toBinary(ResourceInfo, create(ResourceInfo, { resourceType: 'user', resourceName: 'missing' } as never)),
          });
          throw error;
        }
        return { user: { id: request.userId, displayName: 'Ada', role: 1 } };
      },
    } as never);
    router.service(Notifications, {
      async *watchNotifications(_request: unknown, ctx: HandlerContext) {
        ctx.signal.addEventListener('abort', () => seen.cancelled++, { once: true });
        for (let n = 1; n <= 3; n++) yield { notification: { id: `n-${n}`, userId: 'u-1', title: `#${n}`, body: '' } };
        if (ctx.requestHeader.get('authorization') === 'Bearer hang')
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      },
    } as never);
    router.service(Registry, {
      async register() {
        seen.registerCalls++;
        return {};
      },
    } as never);
  };
  const server = connectUpstream(routes, registry);
  return { seen, listen: server.listenAddress, close: server.close };
}

describe('gateway: native gRPC passed through, and gRPC status headers of REST errors', function () {
  this.timeout(20_000);
  const fake = upstream();
  let gateway: RunningGateway;
  let grpc: { users: any; notifications: any; registry: any };

  before(async () => {
    const address = await fake.listen();
    const config = loadConfig(gatewayConfig, {
      HTTP_PORT: '0',
      METRICS_PORT: '0',
      USERS_ADDRESSES: address,
      NOTIFICATIONS_ADDRESSES: address,
      REGISTRY_ADDRESSES: address,
      GATEWAY_RATE_LIMIT_RPS: '0',
      GATEWAY_ENVOY_CONFIG: unconvertedEnvoy(),
    });
    gateway = await startGateway({ config, contracts, log: createLogger('gateway', 'silent') });
    // A plain gRPC client (HTTP/2 with prior knowledge, application/grpc) pointed at the edge port.
    const transport = createGrpcTransport({ baseUrl: gateway.url });
    grpc = { users: createClient(Users, transport), notifications: createClient(Notifications, transport), registry: createClient(Registry, transport) };
  });

  after(async () => {
    await gateway?.shutdown('test over');
    await fake.close();
  });

  it('passes a unary call through with its metadata', async () => {
    const answer = await grpc.users.getUser({ userId: 'u-7' }, { headers: { authorization: 'Bearer t0ken' } });
    assert.equal(answer.user.id, 'u-7');
    assert.equal(answer.user.displayName, 'Ada');
    assert.equal(fake.seen.authorization, 'Bearer t0ken');
  });

  it('passes the status, message and details of an error through (grpc-status-details-bin)', async () => {
    const error = await grpc.users.getUser({ userId: 'missing' }).then(
      () => assert.fail('expected NOT_FOUND'),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(error.code, Code.NotFound);
    assert.equal(error.rawMessage, 'user missing not found');
    const [detail] = error.findDetails(ResourceInfo) as { resourceName: string }[];
    assert.equal(detail?.resourceName, 'missing');
  });

  it('passes a server stream through, message by message', async () => {
    const titles: string[] = [];
    for await (const message of grpc.notifications.watchNotifications({})) titles.push(message.notification.title);
    assert.deepEqual(titles, ['#1', '#2', '#3']);
  });

  it('cancels the upstream call when the gRPC client cancels', async () => {
    const abort = new AbortController();
    const before = fake.seen.cancelled;
    const stream = grpc.notifications.watchNotifications({}, { headers: { authorization: 'Bearer hang' }, signal: abort.signal });
    await assert.rejects(async () => {
      for await (const message of stream) if (message.notification.title === '#3') abort.abort();
    }, /canceled|aborted/i);
    const deadline = Date.now() + 3_000;
    while (fake.seen.cancelled === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fake.seen.cancelled, before + 1, 'the service saw the cancellation');
  });

  it('answers UNIMPLEMENTED for internal methods (no HTTP annotation), without calling the service', async () => {
    const error = await grpc.registry.register({}).then(
      () => assert.fail('expected UNIMPLEMENTED'),
      (e: unknown) => ConnectError.from(e),
    );
    assert.equal(error.code, Code.Unimplemented);
    assert.equal(fake.seen.registerCalls, 0);
  });

  it('still serves REST on the same port, and with convert_grpc_status off hands the status headers on as they came', async () => {
    assert.equal((await fetch(`${gateway.url}/v1/users/u-1`)).status, 200);
    const response = await fetch(`${gateway.url}/v1/users/missing`);
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('grpc-status'), '5');
    assert.equal(decodeURIComponent(response.headers.get('grpc-message') ?? ''), 'user missing not found');
    const bin = response.headers.get('grpc-status-details-bin');
    assert.ok(bin, 'grpc-status-details-bin is passed through');
    const status = fromBinary(Status, Buffer.from(bin, 'base64')) as unknown as { code: number; details: { typeUrl: string }[] };
    assert.equal(status.code, 5);
    assert.equal(status.details[0]?.typeUrl, 'type.googleapis.com/google.rpc.ResourceInfo');
    assert.equal(await response.text(), '');
  });
});
