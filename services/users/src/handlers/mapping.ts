import { Role, type Profile, type User } from '../../../../gen/ts/shop/users/v1/users';
import type { PiiCipher } from '../domain/pii-cipher';
import type { UserRow } from '../store/users-store';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    displayName: row.display_name,
    role: row.role === 'admin' ? Role.ROLE_ADMIN : Role.ROLE_CUSTOMER,
    createdAt: row.created_at,
  };
}

export function toProfile(row: UserRow, pii: PiiCipher): Profile {
  return {
    user: toUser(row),
    email: row.email,
    phone: row.phone_enc ? pii.decrypt(row.phone_enc, row.id) : '',
    address: row.address_enc ? pii.decrypt(row.address_enc, row.id) : '',
  };
}
