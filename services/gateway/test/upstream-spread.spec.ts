/**
 * Calls spread over every instance behind one name, as behind a Kubernetes
 * headless Service: two real gRPC servers on the same port at 127.0.0.1 and
 * 127.0.0.2, one name resolving to both (the resolver is the test's, the
 * servers, sockets and HTTP/2 sessions are real).
 */
import { strict as assert } from 'node:assert';
import type { DescService } from '@bufbuild/protobuf';
import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import { loadConfig } from '../../../platform/config';
import { createLogger } from '../../../platform/logger';
import { gatewayConfig } from '../src/config';
import { loadContracts } from '../src/contracts';
import { startGateway, type RunningGateway } from '../src/gateway';
import { connectUpstream } from './connect-upstream';
import type { Resolver } from '../src/upstream-pool';

const contracts = loadContracts();
const Users = contracts.services.find((s) => s.typeName === 'shop.users.v1.UsersService') as DescService;
const Notifications = contracts.services.find((s) => s.typeName === 'shop.notifications.v1.NotificationsService') as DescService;

/** A users + notifications upstream that names itself in every answer. */
function instance(name: string) {
  const routes = (router: ConnectRouter) => {
    router.service(Users, { getUser: async (request: { userId: string }) => ({ user: { id: request.userId, displayName: name, role: 1 } }) } as never);
    router.service(Notifications, {
      async *watchNotifications(_request: unknown, _ctx: HandlerContext) {
        yield { notification: { id: 'n-1', userId: 'u-1', title: name, body: '' } };
      },
    } as never);
  };
  return connectUpstream(routes, contracts.registry);
}

describe('gateway: calls spread over every instance a name resolves to', function () {
  this.timeout(20_000);
  const first = instance('first');
  const second = instance('second');
  const answers: Record<string, string[]> = { 'users.shop.test': ['127.0.0.1', '127.0.0.2'] };
  const resolver: Resolver = async (host) => answers[host] ?? Promise.reject(new Error(`ENOTFOUND ${host}`));
  let gateway: RunningGateway;

  before(async () => {
    const port = await first.listen('127.0.0.1', 0);
    await second.listen('127.0.0.2', port);
    const config = loadConfig(gatewayConfig, {
      HTTP_PORT: '0',
      METRICS_PORT: '0',
      USERS_ADDRESSES: `users.shop.test:${port}`,
      NOTIFICATIONS_ADDRESSES: `users.shop.test:${port}`,
      GATEWAY_DNS_REFRESH_MS: '200',
      GATEWAY_RATE_LIMIT_RPS: '0',
    });
    gateway = await startGateway({ config, contracts, log: createLogger('gateway', 'silent'), resolver });
  });

  after(async () => {
    await gateway?.shutdown('test over');
    await Promise.all([first.close(), second.close()]);
  });

  const servedBy = async (path: string) => {
    const response = await fetch(`${gateway.url}${path}`);
    assert.equal(response.status, 200);
    return response.text();
  };

  it('sends unary REST calls round-robin to both instances', async () => {
    const names: string[] = [];
    for (let i = 0; i < 10; i++) names.push(JSON.parse(await servedBy(`/v1/users/u-${i}`)).user.displayName);
    assert.equal(names.filter((n) => n === 'first').length, 5, names.join());
    assert.equal(names.filter((n) => n === 'second').length, 5, names.join());
  });

  it('spreads streams too', async () => {
    const bodies = await Promise.all(Array.from({ length: 4 }, () => servedBy('/v1/notifications:watch')));
    assert.ok(
      bodies.some((b) => b.includes('"title":"first"')),
      'first served a stream',
    );
    assert.ok(
      bodies.some((b) => b.includes('"title":"second"')),
      'second served a stream',
    );
  });

  it('follows the name when an instance leaves the answer', async () => {
    answers['users.shop.test'] = ['127.0.0.2'];
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < 4; i++) assert.equal(JSON.parse(await servedBy(`/v1/users/u-${i}`)).user.displayName, 'second');
  });
});
