import { notFound, permissionDenied } from '../errors';
import { caller, isAdmin, type CallContext } from './context';

/**
 * A user's own resource, for its owner or an admin: NOT_FOUND when there is
 * none, PERMISSION_DENIED ("this <type> belongs to another user") when it is
 * another user's, UNAUTHENTICATED without a caller. A stranger thus learns
 * that an id exists; ids are random UUIDs, so only ids they were shown.
 */
export function requireOwnerOrAdmin<T>(ctx: CallContext, resource: T | undefined, ownerOf: (resource: T) => string, what: { type: string; name: string }): T {
  if (resource === undefined) throw notFound(what.type, what.name);
  if (ownerOf(resource) !== caller(ctx).userId && !isAdmin(ctx)) throw permissionDenied(`this ${what.type} belongs to another user`);
  return resource;
}
