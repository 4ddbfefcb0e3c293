import assert from 'node:assert/strict';
import { Metadata, status } from '@grpc/grpc-js';
import { Code, RpcError } from '../errors';
import { RETRY_PUSHBACK } from './bind-service';
import {
  chainClient,
  createRetryThrottle,
  errorMapping,
  observeClientCalls,
  type ClientNext,
  metrics,
  type OutboundCall,
  propagation,
  retries,
} from './client-interceptors';
import type { CallContext } from './context';
import type { MethodPolicy } from './method-policy';

const READ: MethodPolicy = { access: 'public', idempotency: 'no_side_effects', retryable: true };
const WRITE: MethodPolicy = { access: 'authenticated', idempotency: 'unknown', retryable: false };

function outbound(policy: MethodPolicy, extra: Partial<OutboundCall> = {}): OutboundCall {
  return {
    service: 'shop.catalog.v1.CatalogService',
    method: 'GetProduct',
    kind: 'unary',
    policy,
    metadata: new Metadata(),
    deadline: Date.now() + 2_000,
    ...extra,
  };
}

/** A grpc-js error as makeUnaryRequest delivers it. */
function grpcError(code: number, details = 'down', trailers = new Metadata()) {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: trailers });
}

/** A transport that fails with `failures` in order, then answers "ok"; counts its attempts. */
function transport(...failures: Error[]) {
  const seen: OutboundCall[] = [];
  const send: ClientNext = async (_request, call) => {
    seen.push(call);
    const failure = failures.shift();
    if (failure) throw failure;
    return 'ok';
  };
  return { send, seen };
}

const inbound = (extra: Partial<CallContext> = {}) => {
  const metadata = new Metadata();
  metadata.set('authorization', 'Bearer caller');
  return { metadata, ...extra } as CallContext;
};

describe('platform/rpc/client-interceptors', () => {
  describe('retries', () => {
    it('tries a call its contract declares safe to repeat again on UNAVAILABLE, up to 3 attempts', async () => {
      const { send, seen } = transport(grpcError(status.UNAVAILABLE), grpcError(status.UNAVAILABLE));
      assert.equal(await chainClient([retries()], send)('req', outbound(READ)), 'ok');
      assert.equal(seen.length, 3);
      const { send: alwaysDown, seen: tried } = transport(...Array.from({ length: 5 }, () => grpcError(status.UNAVAILABLE)));
      await assert.rejects(chainClient([retries()], alwaysDown)('req', outbound(READ)), { code: status.UNAVAILABLE });
      assert.equal(tried.length, 3);
    });

    it('never repeats a method its contract does not declare idempotent', async () => {
      const { send, seen } = transport(grpcError(status.UNAVAILABLE));
      await assert.rejects(chainClient([retries()], send)('req', outbound(WRITE)), { code: status.UNAVAILABLE });
      assert.equal(seen.length, 1);
    });

    it('repeats nothing but UNAVAILABLE', async () => {
      const { send, seen } = transport(grpcError(status.INVALID_ARGUMENT));
      await assert.rejects(chainClient([retries()], send)('req', outbound(READ)), { code: status.INVALID_ARGUMENT });
      assert.equal(seen.length, 1);
    });

    it('stops when the server pushed back (it spent the retry budget of the path)', async () => {
      const trailers = new Metadata();
      trailers.set(RETRY_PUSHBACK, '-1');
      const { send, seen } = transport(grpcError(status.UNAVAILABLE, 'down', trailers));
      await assert.rejects(chainClient([retries()], send)('req', outbound(READ)));
      assert.equal(seen.length, 1);
    });

    it('does not wait past the deadline', async () => {
      const { send, seen } = transport(grpcError(status.UNAVAILABLE), grpcError(status.UNAVAILABLE));
      await assert.rejects(chainClient([retries()], send)('req', outbound(READ, { deadline: Date.now() })));
      assert.equal(seen.length, 1);
    });

    it('stops retrying while most calls of the client fail (retry throttling)', async () => {
      const throttle = createRetryThrottle();
      const down = () => transport(...Array.from({ length: 5 }, () => grpcError(status.UNAVAILABLE)));
      const attempts: number[] = [];
      for (let call = 0; call < 4; call++) {
        const { send, seen } = down();
        await assert.rejects(chainClient([retries(throttle)], send)('req', outbound(READ)));
        attempts.push(seen.length);
      }
      // 10 tokens, one per failed attempt, retrying needs more than 5.
      assert.deepEqual(attempts, [3, 2, 1, 1]);
    });
  });

  describe('propagation', () => {
    it("forwards the caller's authorization and never outlives its deadline", async () => {
      const { send, seen } = transport();
      const deadline = Date.now() + 100;
      await chainClient([propagation], send)('req', outbound(READ, { inbound: inbound({ deadline }) }));
      assert.equal(seen[0].metadata.get('authorization')[0], 'Bearer caller');
      assert.equal(seen[0].deadline, deadline);
    });

    it('keeps an authorization the call sets itself', async () => {
      const { send, seen } = transport();
      const call = outbound(READ, { inbound: inbound() });
      call.metadata.set('authorization', 'Bearer service');
      await chainClient([propagation], send)('req', call);
      assert.deepEqual(seen[0].metadata.get('authorization'), ['Bearer service']);
    });
  });

  describe('error mapping', () => {
    it('delivers an RpcError with the code the callee answered', async () => {
      const { send } = transport(grpcError(status.NOT_FOUND, 'no such product'));
      await assert.rejects(chainClient([errorMapping], send)('req', outbound(READ)), (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.equal(error.code, Code.NOT_FOUND);
        assert.equal(error.message, 'no such product');
        return true;
      });
    });

    it('makes a dependency that is down or slow UNAVAILABLE inside a call, without its message', async () => {
      for (const code of [status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED, status.RESOURCE_EXHAUSTED]) {
        const { send } = transport(grpcError(code, 'connect ECONNREFUSED 10.0.0.7:50052'));
        await assert.rejects(chainClient([errorMapping], send)('req', outbound(READ, { inbound: inbound() })), {
          code: Code.UNAVAILABLE,
          message: 'catalog service is unavailable, retry later',
        });
      }
    });

    it('passes a refusal through as it is, and spends the retry budget only on UNAVAILABLE', async () => {
      const caller = inbound();
      await assert.rejects(chainClient([errorMapping], transport(grpcError(status.PERMISSION_DENIED, 'no')).send)('req', outbound(READ, { inbound: caller })), {
        code: Code.PERMISSION_DENIED,
      });
      assert.equal(caller.retryBudgetSpent, undefined);
      await assert.rejects(chainClient([errorMapping], transport(grpcError(status.UNAVAILABLE)).send)('req', outbound(READ, { inbound: caller })));
      assert.equal(caller.retryBudgetSpent, true);
    });

    it('leaves DEADLINE_EXCEEDED as it is outside a call', async () => {
      await assert.rejects(chainClient([errorMapping], transport(grpcError(status.DEADLINE_EXCEEDED)).send)('req', outbound(READ)), {
        code: Code.DEADLINE_EXCEEDED,
      });
    });
  });

  describe('metrics', () => {
    it('reports each call once, retries included, with the code the callee answered', async () => {
      const finished: { code: number; method: string }[] = [];
      const stop = observeClientCalls(({ code, method }) => finished.push({ code, method }));
      try {
        const run = chainClient([errorMapping, metrics, retries()], transport(grpcError(status.UNAVAILABLE)).send);
        await run('req', outbound(READ));
        await assert.rejects(
          chainClient([errorMapping, metrics], transport(grpcError(status.DEADLINE_EXCEEDED)).send)('req', outbound(READ, { inbound: inbound() })),
        );
      } finally {
        stop();
      }
      assert.deepEqual(finished, [
        { code: Code.OK, method: 'GetProduct' },
        { code: Code.DEADLINE_EXCEEDED, method: 'GetProduct' },
      ]);
    });
  });
});
