import assert from 'node:assert/strict';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createClient } from '../../platform/client';
import { Code, RpcError, unavailable } from '../../platform/errors';
import { RegistryServiceService } from '../../gen/ts/shop/registry/v1/registry';
import { anInstance, bearer, registryBinding, startTestServer, type TestServer } from '../support/rpc-fixtures';

/** A port nothing listens on: bound once, then released. */
async function deadAddress(): Promise<string> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `127.0.0.1:${port}`;
}

describe('platform client: retries', function () {
  this.timeout(10_000);

  const attempts = { getService: 0, register: 0, reportCalls: 0 };
  let flaky: TestServer;

  before(async () => {
    // Answers UNAVAILABLE to the first attempt of each method, then succeeds.
    flaky = await startTestServer([
      registryBinding({
        async getService({ name }) {
          if (++attempts.getService === 1) throw unavailable('warming up');
          return { service: { name, instances: [] } };
        },
        async register({ instance }) {
          if (++attempts.register === 1) throw unavailable('warming up');
          return { instanceId: instance!.id, heartbeatIntervalSeconds: 5 };
        },
        async reportCalls({ calls }) {
          if (++attempts.reportCalls === 1) throw unavailable('warming up');
          return { accepted: calls.length };
        },
      }),
    ]);
  });

  after(async () => {
    await flaky?.stop();
  });

  it('retries a read that failed UNAVAILABLE, transparently', async () => {
    const client = createClient(RegistryServiceService, { addresses: [flaky.address], deadlineMs: 2_000 });
    try {
      const response = await client.getService({ name: 'catalog' });
      assert.equal(response.service?.name, 'catalog');
      assert.equal(attempts.getService, 2, 'one failed attempt, one retry');
    } finally {
      client.close();
    }
  });

  it('never retries a write its contract does not declare idempotent: the caller gets UNAVAILABLE', async () => {
    const client = createClient(RegistryServiceService, { addresses: [flaky.address], deadlineMs: 2_000 });
    try {
      const headers = await bearer('ops-1', []);
      await assert.rejects(client.reportCalls({ calls: [] }, { metadata: headers }), (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.equal(error.code, Code.UNAVAILABLE);
        assert.equal(error.message, 'warming up');
        return true;
      });
      assert.equal(attempts.reportCalls, 1, 'the write was attempted once');
      // The next, separate call goes through.
      assert.equal((await client.reportCalls({ calls: [] }, { metadata: headers })).accepted, 0);
    } finally {
      client.close();
    }
  });

  it('retries a write its contract declares IDEMPOTENT (Register, by instance id)', async () => {
    const client = createClient(RegistryServiceService, { addresses: [flaky.address], deadlineMs: 2_000 });
    try {
      const response = await client.register({ instance: anInstance('i-2') }, { metadata: await bearer('ops-1', []) });
      assert.equal(response.instanceId, 'i-2');
      assert.equal(attempts.register, 2);
    } finally {
      client.close();
    }
  });
});

describe('platform client: round robin over instances', function () {
  this.timeout(10_000);

  const served = { first: 0, second: 0 };
  let first: TestServer;
  let second: TestServer;

  before(async () => {
    first = await startTestServer(
      [
        registryBinding({
          async listServices() {
            served.first += 1;
            return { services: [] };
          },
        }),
      ],
      { name: 'instance-1' },
    );
    second = await startTestServer(
      [
        registryBinding({
          async listServices() {
            served.second += 1;
            return { services: [] };
          },
        }),
      ],
      { name: 'instance-2' },
    );
  });

  after(async () => {
    await first?.stop();
    await second?.stop();
  });

  it('spreads calls over every instance', async () => {
    const client = createClient(RegistryServiceService, { addresses: [first.address, second.address], deadlineMs: 2_000 });
    try {
      for (let i = 0; i < 10; i += 1) await client.listServices({});
      assert.equal(served.first + served.second, 10);
      assert.ok(served.first >= 3 && served.second >= 3, `calls per instance: ${JSON.stringify(served)}`);
    } finally {
      client.close();
    }
  });

  it('reaches instances named by host name too', async () => {
    const port = (address: string) => address.split(':')[1];
    const client = createClient(RegistryServiceService, {
      addresses: [`localhost:${port(first.address)}`, `localhost:${port(second.address)}`],
      deadlineMs: 2_000,
    });
    try {
      const before = served.first + served.second;
      for (let i = 0; i < 4; i += 1) await client.listServices({});
      assert.equal(served.first + served.second, before + 4);
    } finally {
      client.close();
    }
  });

  it('keeps serving reads from the live instance when another is down', async () => {
    const client = createClient(RegistryServiceService, { addresses: [await deadAddress(), first.address], deadlineMs: 2_000 });
    try {
      const outcomes = [];
      for (let i = 0; i < 6; i += 1) {
        outcomes.push(
          await client.listServices({}).then(
            () => 'ok',
            (error: RpcError) => Code[error.code],
          ),
        );
      }
      assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    } finally {
      client.close();
    }
  });
});
