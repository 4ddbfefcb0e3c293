import { notFound } from '../../../../platform/errors';
import type { CallContext } from '../../../../platform/rpc/context';
import type {
  DeregisterRequest,
  DeregisterResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  RegisterRequest,
  RegisterResponse,
} from '../../../../gen/ts/shop/registry/v1/registry';
import { isAdmin, notOwner, requireOwner, requireService } from '../domain/caller-rules';
import { expiresAfterMs, validateInstanceId, validateRegistration } from '../domain/instance-rules';
import type { InstancesStore } from '../store/instances-store';

export interface RegistrationDeps {
  store: InstancesStore;
  heartbeatIntervalMs: number;
  now?: () => Date;
}

/**
 * Register / Heartbeat / Deregister need a service token for the registry
 * (domain/caller-rules.ts), and a service writes only instances of its own
 * name: the name in the token's subject. Admins may deregister any instance
 * (removing a stuck one by hand).
 */
export function registrationHandlers({ store, heartbeatIntervalMs, now = () => new Date() }: RegistrationDeps) {
  const ttlMs = expiresAfterMs(heartbeatIntervalMs);

  return {
    async register(req: RegisterRequest, ctx: CallContext): Promise<RegisterResponse> {
      const service = requireService(ctx.identity, ctx.method);
      const record = validateRegistration(req.instance, now());
      requireOwner(service, record.serviceName, record.id);
      const existing = await store.get(record.id);
      if (existing) requireOwner(service, existing.serviceName, record.id);
      await store.register(record, ttlMs);
      ctx.log.info({ instance: record.id, service: record.serviceName, address: record.address }, 'instance registered');
      return { instanceId: record.id, heartbeatIntervalSeconds: Math.round(heartbeatIntervalMs / 1000) };
    },

    async heartbeat(req: HeartbeatRequest, ctx: CallContext): Promise<HeartbeatResponse> {
      const service = requireService(ctx.identity, ctx.method);
      validateInstanceId(req.instanceId);
      const outcome = await store.heartbeat(req.instanceId, service, now(), ttlMs);
      // NOT_FOUND tells the instance to register again (it expired, or the store was flushed).
      if (outcome === 'unknown') throw notFound('instance', req.instanceId);
      if (outcome === 'not-owner') throw notOwner(service, req.instanceId);
      return {};
    },

    async deregister(req: DeregisterRequest, ctx: CallContext): Promise<DeregisterResponse> {
      const service = isAdmin(ctx.identity) ? '' : requireService(ctx.identity, ctx.method);
      validateInstanceId(req.instanceId);
      if (!(await store.deregister(req.instanceId, service))) throw notOwner(service, req.instanceId);
      ctx.log.info({ instance: req.instanceId, by: service || 'admin' }, 'instance deregistered');
      return {};
    },
  };
}
