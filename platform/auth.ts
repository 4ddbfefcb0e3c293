import { createSecretKey } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { unauthenticated } from './errors';

/** Who is calling, as proven by a bearer token. */
export interface Identity {
  userId: string;
  roles: string[];
  /**
   * The purposes the token was minted for (`aud`), e.g. ["registry"] for the
   * service tokens of platform/registration.ts; empty when it names none.
   */
  audience?: string[];
}

export interface TokenSettings {
  secret: string;
  issuer: string;
  /** Lifetime of issued tokens. */
  ttlSeconds?: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** HS256 tokens: `sub` is the user id, `roles` the granted roles. */
export function createTokens({ secret, issuer, ttlSeconds = 3600 }: TokenSettings) {
  // A KeyObject built once: a raw secret would be imported again on every sign and verify.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));

  return {
    async issue(identity: Identity): Promise<IssuedToken> {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttlSeconds;
      const jwt = new SignJWT({ roles: identity.roles });
      if (identity.audience?.length) jwt.setAudience(identity.audience);
      const token = await jwt
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(identity.userId)
        .setIssuer(issuer)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },

    /** Verifies signature, issuer and expiry; any failure is UNAUTHENTICATED. */
    async verify(token: string): Promise<Identity> {
      try {
        const { payload } = await jwtVerify(token, key, { issuer, algorithms: ['HS256'] });
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
        if (!payload.sub) throw unauthenticated('token has no subject');
        const audience = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
        return audience.length ? { userId: payload.sub, roles, audience } : { userId: payload.sub, roles };
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw unauthenticated('token expired');
        if (error instanceof joseErrors.JOSEError) throw unauthenticated('invalid token');
        throw error;
      }
    },
  };
}

export type Tokens = ReturnType<typeof createTokens>;

/** `authorization: Bearer <token>` -> token, or undefined when absent. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw unauthenticated('authorization must be "Bearer <token>"');
  return match[1];
}
