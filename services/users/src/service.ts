import { createTokens } from '../../../platform/auth';
import { defineService } from '../../../platform/rpc/bind-service';
import type { ServiceDeps } from '../../../platform/service-runtime';
import { UsersServiceService, type SuggestNamesRequest } from '../../../gen/ts/shop/users/v1/users';
import { validateSuggestionCount } from './domain/account-rules';
import { suggestNames } from './domain/name-generator';
import { createPiiCipher, piiKeyring } from './domain/pii-cipher';
import type { UsersConfig } from './config';
import { accountHandlers } from './handlers/accounts';
import { profileHandlers } from './handlers/profiles';
import { createUsersStore } from './store/users-store';

export const SERVICE_NAME = 'users';

/** The users contract over its store; used by main.ts and by tests alike. */
export function createUsersService({ config, db, outbox }: ServiceDeps<UsersConfig>) {
  const store = createUsersStore(db, outbox);
  const pii = createPiiCipher(piiKeyring(config.PII_ENCRYPTION_KEY, config.PII_ENCRYPTION_KEYS));
  const tokens = createTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, ttlSeconds: config.TOKEN_TTL_SECONDS });
  const accounts = accountHandlers({ store, pii, tokens });

  return defineService({
    definition: UsersServiceService,
    handlers: {
      ...profileHandlers({ store, pii }),
      ...accounts,
      async suggestNames(req: SuggestNamesRequest) {
        return { names: suggestNames(validateSuggestionCount(req.count)) };
      },
    },
  });
}
