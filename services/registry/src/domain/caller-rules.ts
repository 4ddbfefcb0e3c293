import type { Identity } from '../../../../platform/auth';
import { permissionDenied, unauthenticated } from '../../../../platform/errors';
import { REGISTRY_AUDIENCE, SERVICE_ROLE } from '../../../../platform/registration';

const SERVICE_SUBJECT = /^service:([a-z][a-z0-9-]{0,62})$/;

/**
 * The service a token speaks for: role "service", audience "registry" and
 * subject `service:<name>` (platform/registration.ts mints exactly that).
 * Undefined for any other token, a user's token with a forged role included
 * only when the secret leaked, which is outside what this check can help.
 */
export function serviceOf(identity: Identity | undefined): string | undefined {
  if (!identity?.roles.includes(SERVICE_ROLE)) return undefined;
  if (!identity.audience?.includes(REGISTRY_AUDIENCE)) return undefined;
  return SERVICE_SUBJECT.exec(identity.userId)?.[1];
}

/**
 * Register / Heartbeat / Deregister / ReportCalls: a service token for the
 * registry. Not 'public': a registration decides where other services send
 * their calls, and those calls carry users' bearer tokens.
 */
export function requireService(identity: Identity | undefined, method: string): string {
  if (!identity) throw unauthenticated();
  const service = serviceOf(identity);
  if (!service) {
    throw permissionDenied(
      `${method} is for services: it needs a service token (role "${SERVICE_ROLE}", audience "${REGISTRY_AUDIENCE}", subject "service:<name>")`,
    );
  }
  return service;
}

/** A service writes only instances of its own name: one service's token cannot redirect another's callers. */
export function requireOwner(service: string, instanceService: string, instanceId: string): void {
  if (service !== instanceService) throw notOwner(service, instanceId);
}

export const notOwner = (service: string, instanceId: string) =>
  permissionDenied(`instance ${instanceId || '(new)'} is not of service "${service}": a service token writes only its own service's instances`);

export const isAdmin = (identity: Identity | undefined) => identity?.roles.includes('admin') ?? false;

/**
 * Instance details (addresses, ports, versions, methods) are for operators
 * (admins) and for the mesh itself (services resolving their callees), not
 * for anyone who can reach the edge or holds a customer account.
 */
export function requireOperator(identity: Identity | undefined, method: string): void {
  if (!identity) throw unauthenticated(`${method} requires "authorization: Bearer <token>" of an admin or a service`);
  if (!isAdmin(identity) && !serviceOf(identity)) throw permissionDenied(`${method} shows instance addresses: it needs the admin role or a service token`);
}
