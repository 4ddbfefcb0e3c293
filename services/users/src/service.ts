import { join } from 'node:path';
import { createTokens } from '../../../platform/auth';
import { defineService } from '../../../platform/rpc/bind-service';
import { defineServiceSpec, type ServiceDeps } from '../../../platform/service-spec';
import { UsersServiceService, type SuggestNamesRequest } from '../../../gen/ts/shop/users/v1/users';
import { validateSuggestionCount } from './domain/account-rules';
import { suggestNames } from './domain/name-generator';
import { createPiiCipher, piiKeyring } from './domain/pii-cipher';
import { usersConfig, type UsersConfig } from './config';
import { accountHandlers } from './handlers/accounts';
import { profileHandlers } from './handlers/profiles';
import { createUsersStore } from './store/users-store';

const needs = { database: { migrationsDir: join(__dirname, '..', 'migrations') }, outbox: true } as const;

/** Users: accounts, password hashes, PII encrypted at rest, JWT issuing. */
export const usersService = defineServiceSpec({ name: 'users', config: usersConfig, needs, build: buildUsers });

/** The users contract over its store. */
function buildUsers({ config, db, outbox }: ServiceDeps<UsersConfig, typeof needs>) {
  const store = createUsersStore(db, outbox);
  const pii = createPiiCipher(piiKeyring(config.PII_ENCRYPTION_KEY, config.PII_ENCRYPTION_KEYS));
  const tokens = createTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, ttlSeconds: config.TOKEN_TTL_SECONDS });
  const accounts = accountHandlers({ store, pii, tokens });

  const contract = defineService({
    definition: UsersServiceService,
    handlers: {
      ...profileHandlers({ store, pii }),
      ...accounts,
      async suggestNames(req: SuggestNamesRequest) {
        return { names: suggestNames(validateSuggestionCount(req.count)) };
      },
    },
  });
  return { contract };
}
