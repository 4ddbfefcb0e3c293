import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { bearerToken, createTokens } from './auth';
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

describe('platform/auth', () => {
  describe('tokens', () => {
    it('verifies what it issued, giving back user id and roles', async () => {
      const { token, expiresAt } = await tokens.issue({ userId: 'u-1', roles: ['customer', 'admin'] });
      assert.deepEqual(await tokens.verify(token), { userId: 'u-1', roles: ['customer', 'admin'] });
      const lifetime = expiresAt.getTime() - Date.now();
      assert.ok(lifetime > 3590_000 && lifetime <= 3600_000, `default lifetime is an hour, got ${lifetime} ms`);
    });

    it('carries the audience a token was minted for, and none when none was named', async () => {
      const { token } = await tokens.issue({ userId: 'service:users', roles: ['service'], audience: ['registry'] });
      assert.deepEqual(await tokens.verify(token), { userId: 'service:users', roles: ['service'], audience: ['registry'] });
      const plain = await tokens.issue({ userId: 'u-1', roles: [] });
      assert.equal((await tokens.verify(plain.token)).audience, undefined);
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
      const token = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('shopmesh')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      await rejectsUnauthenticated(tokens.verify(token), /subject/);
    });

    it('keeps only string roles from a token', async () => {
      const token = await new SignJWT({ roles: ['admin', 7, null] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u-2')
        .setIssuer('shopmesh')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      assert.deepEqual(await tokens.verify(token), { userId: 'u-2', roles: ['admin'] });
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
        assert.throws(() => bearerToken(header), (error: unknown) => error instanceof RpcError && error.code === Code.UNAUTHENTICATED, header);
      }
    });
  });
});
