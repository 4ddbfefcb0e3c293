import assert from 'node:assert/strict';
import { Code, RpcError } from '../errors';
import type { CallContext } from './context';
import { requireOwnerOrAdmin } from './owner-or-admin';

const as = (userId?: string, roles: string[] = []) => ({ identity: userId ? { userId, roles } : undefined }) as CallContext;
const order = { id: 'o-1', user_id: 'alice' };
const check = (ctx: CallContext, found: typeof order | undefined) => requireOwnerOrAdmin(ctx, found, (o) => o.user_id, { type: 'order', name: 'o-1' });

function code(work: () => unknown): Code | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof RpcError);
    return error.code;
  }
}

describe('owner or admin', () => {
  it('gives the owner and admins the resource', () => {
    assert.equal(check(as('alice'), order), order);
    assert.equal(check(as('root', ['admin']), order), order);
  });

  it('refuses another user with PERMISSION_DENIED naming only the type', () => {
    assert.throws(
      () => check(as('mallory', ['customer']), order),
      (error: RpcError) => error.code === Code.PERMISSION_DENIED && error.message === 'this order belongs to another user',
    );
  });

  it('answers NOT_FOUND for a missing resource, to anyone, before asking who calls', () => {
    assert.throws(
      () => check(as('mallory'), undefined),
      (error: RpcError) => error.code === Code.NOT_FOUND && error.details.resource?.type === 'order' && error.details.resource.name === 'o-1',
    );
    assert.equal(
      code(() => check(as(), undefined)),
      Code.NOT_FOUND,
    );
  });

  it('refuses a call without identity as UNAUTHENTICATED', () => {
    assert.equal(
      code(() => check(as(), order)),
      Code.UNAUTHENTICATED,
    );
  });
});
