import { AsyncLocalStorage } from 'node:async_hooks';
import type { Metadata } from '@grpc/grpc-js';
import type { Identity } from '../auth';
import { unauthenticated } from '../errors';
import type { Logger } from '../logger';

/**
 * Who may call a method: the contract's `(shop.options.v1.access)` option,
 * which every method declares (platform/rpc/method-policy.ts). 'service':
 * only other services of the mesh, with a token they mint for themselves
 * (role "service", see platform/service-credentials.ts); users, admins
 * included, are refused.
 */
export type Access = 'public' | 'authenticated' | 'admin' | 'service';

export interface CallContext {
  /** Full service name, e.g. "shop.users.v1.UsersService". */
  readonly service: string;
  /** Method name as in the contract, e.g. "Register". */
  readonly method: string;
  readonly kind: 'unary' | 'server_stream';
  readonly access: Access;
  readonly metadata: Metadata;
  /** The caller's deadline (epoch ms), when it set one; outbound calls never outlive it. */
  readonly deadline?: number;
  /**
   * Aborted when the caller cancels or the deadline passes; for streams also
   * when the server starts draining. Unary calls get the shutdown grace period
   * to finish, and are cancelled (aborting this) only when it is over.
   */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Set by the auth interceptor from a verified bearer token. */
  identity?: Identity;
  /**
   * Set by the client chain (platform/rpc/client-interceptors.ts) when a call
   * made while serving this one failed UNAVAILABLE after its retries: an
   * UNAVAILABLE answer then tells the caller not to retry (server pushback),
   * so retries never multiply along a path.
   */
  retryBudgetSpent?: boolean;
}

export interface StreamContext<Res> extends CallContext {
  /** Writes one message; resolves when the transport can take more (backpressure). */
  send(message: Res): Promise<void>;
}

/** The caller's identity; the auth interceptor guarantees it for non-public methods. */
export function caller(ctx: CallContext): Identity {
  if (!ctx.identity) throw unauthenticated();
  return ctx.identity;
}

export function isAdmin(ctx: CallContext): boolean {
  return ctx.identity?.roles.includes('admin') ?? false;
}

/**
 * The call being served, visible to outbound clients so they forward the
 * caller's authorization without handlers passing it around.
 */
export const currentCall = new AsyncLocalStorage<CallContext>();
