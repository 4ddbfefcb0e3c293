import { createSecretKey } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { unauthenticated } from './errors';

/** The role of the tokens services mint for themselves to call each other's service-only methods. */
export const SERVICE_ROLE = 'service';

/** Who is calling, as proven by a bearer token. */
export interface Identity {
  userId: string;
  roles: string[];
  /** When the token proving this identity expires: long-lived streams end then. */
  expiresAt?: Date;
  /** The purposes the token was minted for (`aud`), e.g. ["registry"] for services' registry tokens. */
  audience?: string[];
}

/** The audience of the tokens users get from Login: every public API of the platform. */
export const USER_TOKEN_AUDIENCE = 'shopmesh-api';

/**
 * Clock skew allowed between the issuer and a verifier, for `exp` and `iat`.
 * Small on purpose: it extends every token's life by as much.
 */
export const CLOCK_TOLERANCE_SECONDS = 30;

export interface TokenSettings {
  secret: string;
  issuer: string;
  /**
   * The `aud` claim issued and required: a token minted for one purpose is
   * refused where another is expected. Default: USER_TOKEN_AUDIENCE.
   */
  audience?: string;
  /**
   * Further audiences `verify` accepts besides `audience`: the registry also
   * takes the tokens services mint for it alone (platform/registration.ts).
   */
  alsoAccepted?: string[];
  /** Lifetime of issued tokens. */
  ttlSeconds?: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** HS256 tokens: `sub` is the user id, `roles` the granted roles. */
export function createTokens({ secret, issuer, audience = USER_TOKEN_AUDIENCE, alsoAccepted = [], ttlSeconds = 3600 }: TokenSettings) {
  // A KeyObject built once: a raw secret would be imported again on every sign and verify.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  // A shopper's token arrives on every call of a session, and a service's on
  // every call it makes: verified once, the answer is kept until the token
  // expires (HMAC and claim checks were a few percent of a call's CPU).
  const verified = new Map<string, Identity>();

  return {
    /** `options.audience` mints a token for another purpose than this instance's own audience. */
    async issue(identity: Pick<Identity, 'userId' | 'roles'>, options: { audience?: string } = {}): Promise<IssuedToken> {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttlSeconds;
      const token = await new SignJWT({ roles: identity.roles })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(identity.userId)
        .setIssuer(issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },

    /**
     * Verifies signature, issuer, audience and times; any failure is
     * UNAUTHENTICATED. `exp` and `iat` are required: a token without an expiry
     * would be valid forever, and one issued in the future was not made by a
     * clock we trust (or was made to outlive its stated lifetime).
     */
    async verify(token: string): Promise<Identity> {
      const known = verified.get(token);
      if (known) {
        // A copy: callers own the identity they are given.
        if (known.expiresAt!.getTime() > Date.now() - CLOCK_TOLERANCE_SECONDS * 1000) return { ...known, roles: [...known.roles] };
        verified.delete(token);
      }
      const identity = await verifyOnce(token);
      if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
      verified.set(token, identity);
      return identity;
    },
  };

  async function verifyOnce(token: string): Promise<Identity> {
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer,
        audience: [audience, ...alsoAccepted],
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      // jose checks a future `iat` only together with maxTokenAge; the rule is ours.
      if (payload.iat! > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) throw unauthenticated('token issued in the future');
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
      const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
      return { userId: payload.sub!, roles, expiresAt: new Date(payload.exp! * 1000), audience: aud };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('token expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'sub') throw unauthenticated('token has no subject');
      if (error instanceof joseErrors.JOSEError) throw unauthenticated('invalid token');
      throw error;
    }
  }
}

/** Verified tokens remembered per process (oldest forgotten first). */
const VERIFIED_TOKENS_KEPT = 10_000;

export type Tokens = ReturnType<typeof createTokens>;

/** `authorization: Bearer <token>` -> token, or undefined when absent. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw unauthenticated('authorization must be "Bearer <token>"');
  return match[1];
}
