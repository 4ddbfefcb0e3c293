import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readMethodPolicies } from '../../platform/rpc/method-policy';

const root = join(__dirname, '..', '..');
const buf = join(root, 'node_modules', '.bin', 'buf');

/**
 * Method policy lives in the .proto (platform/rpc/method-policy.ts reads it):
 * every RPC says who may call it. Built from proto/ as it is now, not from
 * gen/, so a contract edited without regenerating is checked too.
 */
describe('method policy in the contracts (proto/)', function () {
  this.timeout(60_000);
  let policies: ReturnType<typeof readMethodPolicies>;

  before(() => {
    const built = spawnSync(buf, ['build', 'proto', '-o', '-'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(built.status, 0, built.stderr?.toString());
    policies = readMethodPolicies(built.stdout);
  });

  it('finds the RPCs of every service', () => {
    const services = new Set([...policies.keys()].map((path) => path.split('/')[1]));
    for (const name of ['users', 'catalog', 'orders', 'payments', 'notifications', 'recommendations', 'registry']) {
      assert.ok(
        [...services].some((service) => service.startsWith(`shop.${name}.v1.`)),
        `no service of ${name} in proto/`,
      );
    }
  });

  it('declares an access option, (shop.options.v1.access), on every RPC', () => {
    const missing = [...policies].filter(([, policy]) => !policy.access).map(([path]) => path);
    assert.deepEqual(missing, [], `add option (shop.options.v1.access) = ACCESS_... to: ${missing.join(', ')}`);
  });

  it('lets only methods declared NO_SIDE_EFFECTS or IDEMPOTENT be retried', () => {
    for (const [path, policy] of policies) assert.equal(policy.retryable, policy.idempotency !== 'unknown', path);
    assert.equal(policies.get('/shop.orders.v1.OrdersService/CancelOrder')?.retryable, false);
    assert.equal(policies.get('/shop.payments.v1.PaymentsService/CreatePaymentIntent')?.idempotency, 'idempotent');
  });
});
