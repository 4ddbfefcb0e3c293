import { strict as assert } from 'node:assert';
import { RpcError } from '../../platform/errors';

/** The RpcError a call failed with; fails the test when the call succeeds or fails otherwise. */
export async function rpcErrorOf(call: Promise<unknown>): Promise<RpcError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof RpcError, `expected an RpcError, got ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}
