import { notFound } from '../../../../platform/errors';
import { caller, type CallContext } from '../../../../platform/rpc/context';
import type { GetProfileResponse, GetUserRequest, GetUserResponse, UpdateProfileRequest, UpdateProfileResponse } from '../../../../gen/ts/shop/users/v1/users';
import { validateProfileUpdate } from '../domain/account-rules';
import type { PiiCipher } from '../domain/pii-cipher';
import type { UsersStore } from '../store/users-store';
import { toProfile, toUser } from './mapping';
import { parseId } from '../../../../platform/ids';

export function profileHandlers({ store, pii }: { store: UsersStore; pii: PiiCipher }) {
  const own = async (ctx: CallContext) => {
    const { userId } = caller(ctx);
    const row = await store.byId(userId);
    if (!row) throw notFound('user', userId);
    return row;
  };

  return {
    async getProfile(_req: unknown, ctx: CallContext): Promise<GetProfileResponse> {
      return { profile: toProfile(await own(ctx), pii) };
    },

    async updateProfile(req: UpdateProfileRequest, ctx: CallContext): Promise<UpdateProfileResponse> {
      validateProfileUpdate(req);
      const row = await own(ctx);
      const changes: Parameters<UsersStore['update']>[1] = {};
      if (req.displayName !== undefined) changes.display_name = req.displayName.trim();
      // An empty string clears a field.
      if (req.phone !== undefined) changes.phone_enc = req.phone ? pii.encrypt(req.phone, row.id) : null;
      if (req.address !== undefined) changes.address_enc = req.address ? pii.encrypt(req.address, row.id) : null;
      if (Object.keys(changes).length) await store.update(row.id, changes);
      return { profile: toProfile(await own(ctx), pii) };
    },

    async getUser(req: GetUserRequest): Promise<GetUserResponse> {
      const row = await store.byId(parseId(req.userId, 'user_id', 'user'));
      if (!row) throw notFound('user', req.userId);
      return { user: toUser(row) };
    },
  };
}
