import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import pino from 'pino';
import { createTokens } from '../auth';
import { Code, notFound, RpcError } from '../errors';
import type { Access, CallContext } from './context';
import { authInterceptor, errorInterceptor } from './server-interceptors';

const tokens = createTokens({ secret: 'a-test-secret-of-at-least-32-bytes!!', issuer: 'shopmesh' });

function memoryLog() {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

function contextFor(access: Access, authorization?: string, signal = new AbortController().signal) {
  const metadata = new Metadata();
  if (authorization !== undefined) metadata.set('authorization', authorization);
  const { log, lines } = memoryLog();
  const ctx: CallContext = { service: 'shop.test.v1.TestService', method: 'Do', kind: 'unary', access, metadata, signal, log };
  return { ctx, lines };
}

async function codeOf(promise: Promise<unknown>): Promise<Code> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RpcError, `expected RpcError, got ${String(error)}`);
    return error.code;
  }
  return Code.OK;
}

describe('platform/rpc/server-interceptors', () => {
  describe('errorInterceptor', () => {
    const failWith = (error: unknown) =>
      errorInterceptor(async () => {
        throw error;
      });

    it('lets an RpcError through unchanged', async () => {
      const thrown = notFound('user', 'u-1');
      const { ctx } = contextFor('public');
      await assert.rejects(failWith(thrown)(undefined, ctx), (error) => error === thrown);
    });

    it('answers INTERNAL without the error text, and logs the text in full', async () => {
      const { ctx, lines } = contextFor('public');
      await assert.rejects(failWith(new Error('SELECT * FROM secret'))(undefined, ctx), (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.equal(error.code, Code.INTERNAL);
        assert.equal(error.message, 'internal error');
        assert.deepEqual(error.details, {});
        return true;
      });
      assert.equal(lines.length, 1);
      assert.equal(lines[0].level, 50);
      assert.match(lines[0].err.message, /SELECT \* FROM secret/);
    });

    it('answers UNAVAILABLE when a dependency refuses connections', async () => {
      const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:3306'), { code: 'ECONNREFUSED' });
      const { ctx } = contextFor('public');
      await assert.rejects(failWith(refused)(undefined, ctx), (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.equal(error.code, Code.UNAVAILABLE);
        assert.doesNotMatch(error.message, /10\.0\.0\.5/);
        return true;
      });
    });

    it('answers UNAVAILABLE when the database pool times out', async () => {
      const timeout = Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' });
      assert.equal(await codeOf(failWith(timeout)(undefined, contextFor('public').ctx)), Code.UNAVAILABLE);
    });

    it('answers ABORTED for a deadlock or a lock wait timeout: the caller may retry the whole call', async () => {
      for (const code of ['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']) {
        const conflict = Object.assign(new Error(`${code}: update stock set quantity = 3 where id = 'p-1'`), { code });
        await assert.rejects(failWith(conflict)(undefined, contextFor('public').ctx), (error: unknown) => {
          assert.ok(error instanceof RpcError);
          assert.equal(error.code, Code.ABORTED, code);
          assert.equal(error.details.reason, 'TRANSACTION_CONFLICT');
          assert.doesNotMatch(error.message, /p-1|stock/);
          return true;
        });
      }
    });

    it('answers UNAVAILABLE when the database shuts down or the connection is lost', async () => {
      for (const code of ['ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED', 'PROTOCOL_CONNECTION_LOST']) {
        assert.equal(await codeOf(failWith(Object.assign(new Error(code), { code }))(undefined, contextFor('public').ctx)), Code.UNAVAILABLE, code);
      }
    });

    it('answers CANCELLED when the call was already cancelled', async () => {
      const cancelled = new AbortController();
      cancelled.abort();
      assert.equal(await codeOf(failWith(new Error('aborted'))(undefined, contextFor('public', undefined, cancelled.signal).ctx)), Code.CANCELLED);
    });

    it('turns non-Error throws into INTERNAL too', async () => {
      assert.equal(await codeOf(failWith('a string')(undefined, contextFor('public').ctx)), Code.INTERNAL);
    });
  });

  describe('authInterceptor', () => {
    const auth = authInterceptor(tokens);
    // Who the call ran as; the token's expiry is checked in auth.spec.ts.
    const whoami = auth(async (_request, ctx) => ctx.identity && { userId: ctx.identity.userId, roles: ctx.identity.roles });
    const bearer = async (roles: string[]) => `Bearer ${(await tokens.issue({ userId: 'u-1', roles })).token}`;

    it('lets anyone call a public method, identifying a caller with a valid token', async () => {
      assert.equal(await whoami(undefined, contextFor('public').ctx), undefined);
      assert.deepEqual(await whoami(undefined, contextFor('public', await bearer(['customer'])).ctx), { userId: 'u-1', roles: ['customer'] });
    });

    it('ignores a bad token on a public method', async () => {
      assert.equal(await whoami(undefined, contextFor('public', 'Bearer garbage').ctx), undefined);
      assert.equal(await whoami(undefined, contextFor('public', 'Basic abc').ctx), undefined);
    });

    it('requires a token for an authenticated method', async () => {
      assert.equal(await codeOf(whoami(undefined, contextFor('authenticated').ctx)), Code.UNAUTHENTICATED);
      assert.equal(await codeOf(whoami(undefined, contextFor('authenticated', 'Bearer garbage').ctx)), Code.UNAUTHENTICATED);
      assert.deepEqual(await whoami(undefined, contextFor('authenticated', await bearer(['customer'])).ctx), { userId: 'u-1', roles: ['customer'] });
    });

    it('requires the admin role for an admin method', async () => {
      assert.equal(await codeOf(whoami(undefined, contextFor('admin').ctx)), Code.UNAUTHENTICATED);
      assert.equal(await codeOf(whoami(undefined, contextFor('admin', await bearer(['customer'])).ctx)), Code.PERMISSION_DENIED);
      assert.deepEqual(await whoami(undefined, contextFor('admin', await bearer(['admin'])).ctx), { userId: 'u-1', roles: ['admin'] });
    });

    it('lets only service tokens call a service method, not even admins', async () => {
      assert.equal(await codeOf(whoami(undefined, contextFor('service').ctx)), Code.UNAUTHENTICATED);
      assert.equal(await codeOf(whoami(undefined, contextFor('service', await bearer(['admin'])).ctx)), Code.PERMISSION_DENIED);
      assert.deepEqual(await whoami(undefined, contextFor('service', await bearer(['service'])).ctx), { userId: 'u-1', roles: ['service'] });
    });
  });
});
