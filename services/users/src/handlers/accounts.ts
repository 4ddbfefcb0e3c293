import { randomUUID } from 'node:crypto';
import type { Tokens } from '../../../../platform/auth';
import { unauthenticated } from '../../../../platform/errors';
import type { LoginRequest, LoginResponse, RegisterRequest, RegisterResponse } from '../../../../gen/ts/shop/users/v1/users';
import { normalizeEmail, validateRegistration } from '../domain/account-rules';
import { decoyHash, hashPassword, verifyPassword } from '../domain/passwords';
import type { PiiCipher } from '../domain/pii-cipher';
import type { UsersStore } from '../store/users-store';
import { toUser } from './mapping';

export interface AccountDeps {
  store: UsersStore;
  pii: PiiCipher;
  tokens: Tokens;
}

export function accountHandlers({ store, pii, tokens }: AccountDeps) {
  return {
    async register(req: RegisterRequest): Promise<RegisterResponse> {
      validateRegistration(req);
      const id = randomUUID();
      const email = normalizeEmail(req.email);
      const now = new Date();
      const row = {
        id,
        email,
        password_hash: await hashPassword(req.password),
        display_name: req.displayName.trim(),
        phone_enc: req.phone ? pii.encrypt(req.phone, id) : null,
        address_enc: req.address ? pii.encrypt(req.address, id) : null,
        // Never admin: operators grant that with `npm run admin` (scripts/admin.ts), audited.
        role: 'customer' as const,
        created_at: now,
        updated_at: now,
      };
      await store.insert(row);
      return { user: toUser(row) };
    },

    async login(req: LoginRequest): Promise<LoginResponse> {
      const row = req.email ? await store.byEmail(normalizeEmail(req.email)) : undefined;
      const valid = await verifyPassword(req.password, row?.password_hash ?? (await decoyHash));
      if (!row || !valid) throw unauthenticated('wrong email or password');
      const { token, expiresAt } = await tokens.issue({ userId: row.id, roles: [row.role] });
      return { accessToken: token, tokenType: 'Bearer', expiresAt, user: toUser(row) };
    },
  };
}
