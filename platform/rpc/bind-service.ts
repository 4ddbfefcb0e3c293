import type {
  handleServerStreamingCall,
  handleUnaryCall,
  sendUnaryData,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Identity } from '../auth';
import { Code, RpcError } from '../errors';
import type { Logger } from '../logger';
import type { Access, CallContext, StreamContext } from './context';
import { currentCall } from './context';
import { chain, type Interceptor } from './interceptor';
import { accessOf } from './method-policy';

/** A method of a ts-proto grpc-js service definition. */
interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}
export type ServiceDefinition = Record<string, MethodDefinition>;

type RequestOf<M> = M extends { requestDeserialize: (b: Buffer) => infer Req } ? Req : never;
type ResponseOf<M> = M extends { responseSerialize: (v: infer Res) => Buffer } ? Res : never;

/**
 * Plain handler functions typed by the generated service definition: a unary
 * method is `(req, ctx) => Promise<res>`, a server-streaming one
 * `(req, ctx) => Promise<void>` that calls `ctx.send`.
 */
export type Handlers<D> = {
  [K in keyof D]: D[K] extends { responseStream: true }
    ? (request: RequestOf<D[K]>, ctx: StreamContext<ResponseOf<D[K]>>) => Promise<void>
    : (request: RequestOf<D[K]>, ctx: CallContext) => Promise<ResponseOf<D[K]>>;
};

/**
 * Everything the server needs to serve one contract. Who may call each method
 * is the contract's `(shop.options.v1.access)` option (platform/rpc/method-policy.ts).
 */
export interface ServiceBinding<D extends ServiceDefinition = ServiceDefinition> {
  definition: D;
  handlers: Handlers<D>;
  /**
   * For test doubles of a contract only (test/support/rpc-fixtures.ts): serve
   * some methods under other rules than the .proto declares, to exercise the
   * auth layer. Services never set it.
   */
  accessOverride?: Partial<{ [K in keyof D]: Access }>;
}

export function defineService<D extends ServiceDefinition>(binding: ServiceBinding<D>): ServiceBinding<D> {
  return binding;
}

export function serviceName(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  return first.path.split('/')[1];
}

interface BindOptions {
  interceptors: Interceptor[];
  log: Logger;
  /** Aborted when the server starts draining: long-lived streams end then (unary calls run on). */
  drain: AbortSignal;
}

/**
 * Turns a binding into the callback-style implementation grpc-js serves.
 * Throws (the service does not start) when a method's contract declares no access.
 */
export function bindService(binding: ServiceBinding, { interceptors, log, drain }: BindOptions): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(binding.definition)) {
    const [, service, name] = method.path.split('/');
    const handler = (binding.handlers as unknown as Record<string, (req: unknown, ctx: never) => Promise<unknown>>)[key];
    const run = chain(interceptors, (request, ctx) => handler(request, ctx as never));
    const access: Access = (binding.accessOverride as Record<string, Access> | undefined)?.[key] ?? accessOf(method.path);
    const base = { service, method: name, access };

    // One child logger per method: pino's child() copies bindings and redaction per call.
    const methodLog = log.child({ rpc: method.path });

    const contextFor = (call: ServerCall, kind: CallContext['kind']) =>
      new ServedCall(base.service, base.method, base.access, kind, call, deadlineOf(call), methodLog, drain);

    if (method.responseStream) {
      const serve: handleServerStreamingCall<unknown, unknown> = (call) => {
        const ctx: StreamContext<unknown> & ServedCall = Object.assign(contextFor(call, 'server_stream'), {
          // A cancelled call never drains: a send waiting for it would hang the handler forever.
          send: (message: unknown): Promise<void> =>
            new Promise((resolve, reject) => {
              const cancelled = () => reject(new RpcError(Code.CANCELLED, 'call cancelled'));
              if (call.cancelled) return cancelled();
              if (call.write(message)) return resolve();
              const settle = (outcome: () => void) => () => {
                call.off('drain', drained);
                call.off('cancelled', gone);
                outcome();
              };
              const drained = settle(resolve);
              const gone = settle(cancelled);
              call.once('drain', drained);
              call.once('cancelled', gone);
            }),
        });
        currentCall
          .run(ctx, () => run(call.request, ctx))
          .finally(() => ctx.finish())
          .then(
            () => call.end(),
            (error: unknown) => call.emit('error', toServiceError(error, ctx)),
          );
      };
      implementation[key] = serve;
    } else {
      const serve: handleUnaryCall<unknown, unknown> = (call, callback: sendUnaryData<unknown>) => {
        const ctx = contextFor(call, 'unary');
        // finish() in both branches rather than a .finally(): one promise less per call.
        currentCall
          .run(ctx, () => run(call.request, ctx))
          .then(
            (response) => {
              ctx.finish();
              callback(null, response);
            },
            (error: unknown) => {
              ctx.finish();
              callback(toServiceError(error, ctx));
            },
          );
      };
      implementation[key] = serve;
    }
  }
  return implementation;
}

type ServerCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>;

/**
 * The context of one call being served. A class, so every call's context has
 * one shape (the interceptors' property reads stay monomorphic), and its
 * cancellation signal is made only when something asks for it (most unary
 * handlers never do): an AbortController and a 'cancelled' listener per call
 * were a measurable share of a trivial call.
 */
class ServedCall implements CallContext {
  identity?: Identity;
  retryBudgetSpent?: boolean;
  #finished = false;
  #signal?: AbortSignal;

  constructor(
    readonly service: string,
    readonly method: string,
    readonly access: Access,
    readonly kind: CallContext['kind'],
    private readonly call: ServerCall,
    readonly deadline: number | undefined,
    readonly log: Logger,
    private readonly drain: AbortSignal,
  ) {}

  get metadata() {
    return this.call.metadata;
  }

  get signal(): AbortSignal {
    if (!this.#signal) {
      const cancelled = new AbortController();
      // grpc-js emits 'cancelled' whenever a call's stream closes, finished calls
      // included; aborting those would cost an exception object per call for nothing.
      if (this.call.cancelled) {
        if (!this.#finished) cancelled.abort();
      } else {
        this.call.on('cancelled', () => {
          if (!this.#finished) cancelled.abort();
        });
      }
      // Draining ends streams, which would otherwise never finish; a unary
      // call keeps running so the grace period can let it complete.
      this.#signal = this.kind === 'server_stream' ? AbortSignal.any([cancelled.signal, this.drain]) : cancelled.signal;
    }
    return this.#signal;
  }

  /** The handler is done: a 'cancelled' after this is the stream closing, not the caller giving up. */
  finish(): void {
    this.#finished = true;
  }
}

/** gRPC retry pushback (A6-client-retries): a negative value tells the client not to retry. */
export const RETRY_PUSHBACK = 'grpc-retry-pushback-ms';

/**
 * Interceptors have already turned every error into an RpcError; this is the
 * last guard. An UNAVAILABLE caused by a dependency that this server's own
 * clients already retried carries pushback -1: the caller must not spend a
 * second budget on the same failure (platform/rpc/client-interceptors.ts).
 */
function toServiceError(error: unknown, ctx: CallContext) {
  const rpc = RpcError.from(error) ?? new RpcError(Code.INTERNAL, 'internal error');
  const metadata = rpc.toMetadata();
  if (rpc.code === Code.UNAVAILABLE && ctx.retryBudgetSpent) metadata.set(RETRY_PUSHBACK, '-1');
  return { code: rpc.code, details: rpc.message, metadata };
}

/** The caller's deadline as epoch ms, or undefined when it set none. */
function deadlineOf(call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(ms) ? ms : undefined;
}
