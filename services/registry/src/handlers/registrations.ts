import { notFound, permissionDenied } from '../../../../platform/errors';
import { SERVICE_ROLE } from '../../../../platform/registration';
import { caller, type CallContext } from '../../../../platform/rpc/context';
import type {
  DeregisterRequest,
  DeregisterResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  RegisterRequest,
  RegisterResponse,
} from '../../../../gen/ts/shop/registry/v1/registry';
import { expiresAfterMs, validateInstanceId, validateRegistration } from '../domain/instance-rules';
import type { InstancesStore } from '../store/instances-store';

export interface RegistrationDeps {
  store: InstancesStore;
  heartbeatIntervalMs: number;
  now?: () => Date;
}

/**
 * Register / Heartbeat / Deregister need a service token (role "service"),
 * minted by each service with the platform's shared JWT secret
 * (platform/registration.ts). Not 'public': a registration decides where
 * other services send their calls (clients resolve through the registry), and
 * those calls carry users' bearer tokens, so an anonymous Register would let
 * anyone who reaches the port redirect traffic to an address of their
 * choosing. Admins may deregister too (removing a stuck instance by hand).
 */
function requireService(ctx: CallContext, alsoAdmin = false): void {
  const { roles } = caller(ctx);
  if (roles.includes(SERVICE_ROLE) || (alsoAdmin && roles.includes('admin'))) return;
  throw permissionDenied(`${ctx.method} is for services: it needs a service token (role "${SERVICE_ROLE}")`);
}

export function registrationHandlers({ store, heartbeatIntervalMs, now = () => new Date() }: RegistrationDeps) {
  const ttlMs = expiresAfterMs(heartbeatIntervalMs);

  return {
    async register(req: RegisterRequest, ctx: CallContext): Promise<RegisterResponse> {
      requireService(ctx);
      const record = validateRegistration(req.instance, now());
      await store.register(record, ttlMs);
      ctx.log.info({ instance: record.id, service: record.serviceName, address: record.address }, 'instance registered');
      return { instanceId: record.id, heartbeatIntervalSeconds: Math.round(heartbeatIntervalMs / 1000) };
    },

    async heartbeat(req: HeartbeatRequest, ctx: CallContext): Promise<HeartbeatResponse> {
      requireService(ctx);
      validateInstanceId(req.instanceId);
      // NOT_FOUND tells the instance to register again (it expired, or the store was flushed).
      if (!(await store.heartbeat(req.instanceId, now(), ttlMs))) throw notFound('instance', req.instanceId);
      return {};
    },

    async deregister(req: DeregisterRequest, ctx: CallContext): Promise<DeregisterResponse> {
      requireService(ctx, true);
      validateInstanceId(req.instanceId);
      await store.deregister(req.instanceId);
      ctx.log.info({ instance: req.instanceId }, 'instance deregistered');
      return {};
    },
  };
}
