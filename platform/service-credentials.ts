import { SERVICE_ROLE, type Tokens } from './auth';
import type { CallOptions } from './client';

/** Minted again this long before the current token expires, so no call carries one about to lapse. */
const RENEW_BEFORE_MS = 60_000;

/**
 * Call options that authenticate this service itself (role "service") rather
 * than forwarding the user it is serving: for methods declared
 * `option (shop.options.v1.access) = ACCESS_SERVICE`. One token is kept and renewed before it expires, so a
 * call costs no signature.
 */
export function createServiceCredentials(tokens: Tokens, serviceName: string) {
  let current: { options: CallOptions; renewAt: number } | undefined;
  return async function serviceCallOptions(): Promise<CallOptions> {
    if (current === undefined || current.renewAt <= Date.now()) {
      const { token, expiresAt } = await tokens.issue({ userId: `service:${serviceName}`, roles: [SERVICE_ROLE] });
      current = { options: { metadata: { authorization: `Bearer ${token}` } }, renewAt: expiresAt.getTime() - RENEW_BEFORE_MS };
    }
    return current.options;
  };
}

export type ServiceCredentials = ReturnType<typeof createServiceCredentials>;
