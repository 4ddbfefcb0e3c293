import assert from 'node:assert/strict';
import type { CallContext } from './context';
import { chain, type Interceptor } from './interceptor';

const ctx = { service: 'shop.test.v1.TestService', method: 'Echo' } as CallContext;

describe('platform/rpc/interceptor chain', () => {
  it('runs the first interceptor outermost, the handler innermost', async () => {
    const trail: string[] = [];
    const step =
      (name: string): Interceptor =>
      (next) =>
      async (request, context) => {
        trail.push(`${name} in`);
        const response = await next(request, context);
        trail.push(`${name} out`);
        return response;
      };
    const run = chain([step('metrics'), step('errors'), step('auth')], async (request) => {
      trail.push('handler');
      return request;
    });
    assert.equal(await run('ping', ctx), 'ping');
    assert.deepEqual(trail, ['metrics in', 'errors in', 'auth in', 'handler', 'auth out', 'errors out', 'metrics out']);
  });

  it('lets an interceptor change the request and the response', async () => {
    const upper: Interceptor = (next) => async (request, context) => String(await next(String(request).toUpperCase(), context)) + '!';
    assert.equal(await chain([upper], async (request) => `<${request}>`)('hi', ctx), '<HI>!');
  });

  it('lets an outer interceptor see what an inner one threw', async () => {
    const seen: unknown[] = [];
    const catcher: Interceptor = (next) => async (request, context) => {
      try {
        return await next(request, context);
      } catch (error) {
        seen.push(error);
        return 'recovered';
      }
    };
    const failing: Interceptor = () => async () => {
      throw new Error('denied');
    };
    let handlerRan = false;
    const run = chain([catcher, failing], async () => {
      handlerRan = true;
      return 'unreachable';
    });
    assert.equal(await run(undefined, ctx), 'recovered');
    assert.equal((seen[0] as Error).message, 'denied');
    assert.equal(handlerRan, false, 'a short-circuiting interceptor keeps the handler from running');
  });

  it('passes the same context object through, so inner steps can enrich it', async () => {
    const identify: Interceptor = (next) => async (request, context) => {
      context.identity = { userId: 'u-1', roles: [] };
      return next(request, context);
    };
    const context = { ...ctx } as CallContext;
    const run = chain([identify], async (_request, c) => c.identity?.userId);
    assert.equal(await run(undefined, context), 'u-1');
    assert.equal(context.identity?.userId, 'u-1');
  });

  it('is the handler alone when there are no interceptors', async () => {
    assert.equal(await chain([], async (request) => request)(42, ctx), 42);
  });
});
