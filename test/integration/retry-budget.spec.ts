import assert from 'node:assert/strict';
import { createClient, RETRY_ATTEMPTS } from '../../platform/client';
import { Code, RpcError, unavailable } from '../../platform/errors';
import { RegistryServiceService } from '../../gen/ts/shop/registry/v1/registry';
import { registryBinding, startTestServer, type TestServer } from '../support/rpc-fixtures';

/**
 * caller → middle → bottom, every hop a read retried on UNAVAILABLE. Stacked
 * retries would make 3 attempts on middle and 9 on bottom; one budget per path
 * makes 3 on bottom (the hop next to the failure) and 1 on middle.
 */
describe('platform client: one retry budget per call path', function () {
  this.timeout(15_000);
  const attempts = { middle: 0, bottom: 0 };
  let bottom: TestServer;
  let middle: TestServer;
  let toBottom: ReturnType<typeof createClient<typeof RegistryServiceService>>;

  before(async () => {
    bottom = await startTestServer(
      [
        registryBinding({
          async getService() {
            attempts.bottom += 1;
            throw unavailable('bottom is down');
          },
        }),
      ],
      { name: 'bottom' },
    );
    toBottom = createClient(RegistryServiceService, { addresses: [bottom.address], deadlineMs: 2_000 });
    middle = await startTestServer(
      [
        registryBinding({
          async getService(req) {
            attempts.middle += 1;
            try {
              return await toBottom.getService(req);
            } catch (error) {
              throw unavailable(`bottom: ${(error as Error).message}`);
            }
          },
        }),
      ],
      { name: 'middle' },
    );
  });

  after(async () => {
    toBottom?.close();
    await middle?.stop();
    await bottom?.stop();
  });

  it('spends the retries once, next to the failure, and tells the callers above not to retry', async () => {
    const client = createClient(RegistryServiceService, { addresses: [middle.address], deadlineMs: 5_000 });
    try {
      await assert.rejects(client.getService({ name: 'catalog' }), (error: unknown) => error instanceof RpcError && error.code === Code.UNAVAILABLE);
      assert.deepEqual(attempts, { middle: 1, bottom: RETRY_ATTEMPTS });
    } finally {
      client.close();
    }
  });
});
