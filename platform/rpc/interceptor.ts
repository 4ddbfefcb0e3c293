import type { CallContext } from './context';

/** One step of the server call chain: everything around a handler is one of these. */
export type Next = (request: unknown, ctx: CallContext) => Promise<unknown>;
export type Interceptor = (next: Next) => Next;

/** The first interceptor is the outermost. */
export function chain(interceptors: Interceptor[], handler: Next): Next {
  return interceptors.reduceRight((next, interceptor) => interceptor(next), handler);
}
