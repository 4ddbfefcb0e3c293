import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { bearerToken, CLOCK_TOLERANCE_SECONDS, createTokens, USER_TOKEN_AUDIENCE } from './auth';
import { Code, RpcError } from './errors';

const secret = 'a-test-secret-of-at-least-32-bytes!!';
const tokens = createTokens({ secret, issuer: 'shopmesh' });

async function rejectsUnauthenticated(promise: Promise<unknown>, message: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RpcError, `expected RpcError, got ${String(error)}`);
    assert.equal(error.code, Code.UNAUTHENTICATED);
    assert.equal(error.details.reason, 'UNAUTHENTICATED');
    assert.match(error.message, message);
    return true;
  });
}

/** A token signed with the shared secret, its claims set by `claims`: the shapes our issuer never makes. */
function signed(payload: Record<string, unknown>, claims: (jwt: SignJWT) => SignJWT): Promise<string> {
  return claims(new SignJWT(payload).setProtectedHeader({ alg: 'HS256' })).sign(new TextEncoder().encode(secret));
}

describe('platform/auth', () => {
  describe('tokens', () => {
    it('verifies what it issued, giving back user id and roles', async () => {
      const { token, expiresAt } = await tokens.issue({ userId: 'u-1', roles: ['customer', 'admin'] });
      assert.deepEqual(await tokens.verify(token), { userId: 'u-1', roles: ['customer', 'admin'], expiresAt, audience: ['shopmesh-api'] });
      const lifetime = expiresAt.getTime() - Date.now();
      assert.ok(lifetime > 3590_000 && lifetime <= 3600_000, `default lifetime is an hour, got ${lifetime} ms`);
    });

    it('mints a token for another purpose, accepted only where that audience is', async () => {
      const { token } = await tokens.issue({ userId: 'service:users', roles: ['service'] }, { audience: 'registry' });
      await rejectsUnauthenticated(tokens.verify(token), /invalid token/);
      const registry = createTokens({ secret, issuer: 'shopmesh', alsoAccepted: ['registry'] });
      assert.deepEqual((await registry.verify(token)).audience, ['registry']);
      const plain = await tokens.issue({ userId: 'u-1', roles: [] });
      assert.deepEqual((await registry.verify(plain.token)).audience, ['shopmesh-api']);
    });

    it('issues tokens with the configured lifetime', async () => {
      const { expiresAt } = await createTokens({ secret, issuer: 'shopmesh', ttlSeconds: 60 }).issue({ userId: 'u-1', roles: [] });
      const lifetime = expiresAt.getTime() - Date.now();
      assert.ok(lifetime > 55_000 && lifetime <= 60_000, `got ${lifetime} ms`);
    });

    it('answers UNAUTHENTICATED for an expired token', async () => {
      const expired = createTokens({ secret, issuer: 'shopmesh', ttlSeconds: -60 });
      const { token } = await expired.issue({ userId: 'u-1', roles: ['customer'] });
      await rejectsUnauthenticated(tokens.verify(token), /expired/);
    });

    it('answers UNAUTHENTICATED for a token signed with another secret', async () => {
      const forger = createTokens({ secret: 'another-secret-of-at-least-32-bytes!', issuer: 'shopmesh' });
      const { token } = await forger.issue({ userId: 'u-1', roles: ['admin'] });
      await rejectsUnauthenticated(tokens.verify(token), /invalid token/);
    });

    it('answers UNAUTHENTICATED for a token of another issuer', async () => {
      const { token } = await createTokens({ secret, issuer: 'someone-else' }).issue({ userId: 'u-1', roles: [] });
      await rejectsUnauthenticated(tokens.verify(token), /invalid token/);
    });

    it('answers UNAUTHENTICATED for a tampered payload', async () => {
      const { token } = await tokens.issue({ userId: 'u-1', roles: ['customer'] });
      const [header, , signature] = token.split('.');
      const payload = Buffer.from(JSON.stringify({ sub: 'u-1', roles: ['admin'], iss: 'shopmesh', exp: 9999999999 })).toString('base64url');
      await rejectsUnauthenticated(tokens.verify(`${header}.${payload}.${signature}`), /invalid token/);
    });

    it('answers UNAUTHENTICATED for text that is no token', async () => {
      await rejectsUnauthenticated(tokens.verify('not.a.jwt'), /invalid token/);
      await rejectsUnauthenticated(tokens.verify(''), /invalid token/);
    });

    it('refuses the "none" algorithm', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: 'u-1', roles: ['admin'], iss: 'shopmesh' })).toString('base64url');
      await rejectsUnauthenticated(tokens.verify(`${header}.${payload}.`), /invalid token/);
    });

    it('refuses a token without a subject', async () => {
      const token = await signed({ roles: ['admin'] }, (jwt) =>
        jwt.setIssuer('shopmesh').setAudience(USER_TOKEN_AUDIENCE).setIssuedAt().setExpirationTime('1h'),
      );
      await rejectsUnauthenticated(tokens.verify(token), /subject/);
    });

    it('keeps only string roles from a token', async () => {
      const token = await signed({ roles: ['admin', 7, null] }, (jwt) =>
        jwt.setSubject('u-2').setIssuer('shopmesh').setAudience(USER_TOKEN_AUDIENCE).setIssuedAt().setExpirationTime('1h'),
      );
      assert.deepEqual((await tokens.verify(token)).roles, ['admin']);
    });

    it('refuses a token without an expiry, which would be valid forever', async () => {
      const token = await signed({ roles: ['admin'] }, (jwt) => jwt.setSubject('u-1').setIssuer('shopmesh').setAudience(USER_TOKEN_AUDIENCE).setIssuedAt());
      await rejectsUnauthenticated(tokens.verify(token), /invalid token/);
    });

    it('refuses a token without an issue time', async () => {
      const token = await signed({ roles: [] }, (jwt) => jwt.setSubject('u-1').setIssuer('shopmesh').setAudience(USER_TOKEN_AUDIENCE).setExpirationTime('1h'));
      await rejectsUnauthenticated(tokens.verify(token), /invalid token/);
    });

    it('refuses a token issued in the future, beyond the clock tolerance', async () => {
      const now = Math.floor(Date.now() / 1000);
      const future = await signed({ roles: [] }, (jwt) =>
        jwt
          .setSubject('u-1')
          .setIssuer('shopmesh')
          .setAudience(USER_TOKEN_AUDIENCE)
          .setIssuedAt(now + 3600)
          .setExpirationTime(now + 7200),
      );
      await rejectsUnauthenticated(tokens.verify(future), /future/);
      const skewed = await signed({ roles: [] }, (jwt) =>
        jwt
          .setSubject('u-1')
          .setIssuer('shopmesh')
          .setAudience(USER_TOKEN_AUDIENCE)
          .setIssuedAt(now + CLOCK_TOLERANCE_SECONDS - 5)
          .setExpirationTime(now + 3600),
      );
      assert.equal((await tokens.verify(skewed)).userId, 'u-1', 'a clock a few seconds ahead is tolerated');
    });

    it('tolerates a few seconds of clock skew on expiry, and no more', async () => {
      const now = Math.floor(Date.now() / 1000);
      const justExpired = await signed({ roles: [] }, (jwt) =>
        jwt
          .setSubject('u-1')
          .setIssuer('shopmesh')
          .setAudience(USER_TOKEN_AUDIENCE)
          .setIssuedAt(now - 600)
          .setExpirationTime(now - 5),
      );
      assert.equal((await tokens.verify(justExpired)).userId, 'u-1');
      const longExpired = await signed({ roles: [] }, (jwt) =>
        jwt
          .setSubject('u-1')
          .setIssuer('shopmesh')
          .setAudience(USER_TOKEN_AUDIENCE)
          .setIssuedAt(now - 600)
          .setExpirationTime(now - CLOCK_TOLERANCE_SECONDS - 5),
      );
      await rejectsUnauthenticated(tokens.verify(longExpired), /expired/);
    });

    it('refuses a token of another audience, or of none', async () => {
      const { token } = await createTokens({ secret, issuer: 'shopmesh', audience: 'shopmesh-registry' }).issue({
        userId: 'service:orders',
        roles: ['service'],
      });
      await rejectsUnauthenticated(tokens.verify(token), /invalid token/);
      const none = await signed({ roles: [] }, (jwt) => jwt.setSubject('u-1').setIssuer('shopmesh').setIssuedAt().setExpirationTime('1h'));
      await rejectsUnauthenticated(tokens.verify(none), /invalid token/);
    });
  });

  describe('bearerToken', () => {
    it('reads the token after "Bearer", in any case and with extra spaces', () => {
      assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
      assert.equal(bearerToken('bearer abc'), 'abc');
      assert.equal(bearerToken('  BEARER   abc  '), 'abc');
    });

    it('gives undefined when there is no header', () => {
      assert.equal(bearerToken(undefined), undefined);
      assert.equal(bearerToken(''), undefined);
    });

    it('answers UNAUTHENTICATED for any other scheme or shape', () => {
      for (const header of ['Basic dXNlcjpwdw==', 'Bearer', 'Bearer ', 'Bearer a b', 'abc.def.ghi', 'Token abc']) {
        assert.throws(
          () => bearerToken(header),
          (error: unknown) => error instanceof RpcError && error.code === Code.UNAUTHENTICATED,
          header,
        );
      }
    });
  });
});
