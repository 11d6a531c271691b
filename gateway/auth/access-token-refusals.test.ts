import { SignJWT } from 'jose';
import { ACCESS_TOKEN } from '../../infrastructure/authorization/access-token';
import { accessToken, JwksServer, makeKey, type TestKey } from '../../test/support/tokens';
import { AccessTokenVerifier } from './access-token-verifier';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Every way a bearer token can be wrong is UNAUTHENTICATED, and none of them reaches a principal. */
describe('the gateway refuses bad access tokens with UNAUTHENTICATED', () => {
  const jwks = new JwksServer();
  let verifier: AccessTokenVerifier;
  let key: TestKey;

  beforeAll(async () => {
    key = await makeKey('identity-key');
    jwks.published = [key.jwk];
    verifier = new AccessTokenVerifier(await jwks.start(), { refetchCooldownMs: 60_000 });
    // The genuine article passes, so each refusal below is about the one thing that is wrong.
    await expect(verifier.verify(await accessToken(key))).resolves.toMatchObject({ subject: 'user-1', tenantId: 't1' });
  });

  afterAll(() => jwks.stop());

  const refused = async (token: string) => {
    await expect(verifier.verify(token)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  };

  it('refuses a malformed token', async () => {
    for (const garbage of ['not-a-jwt', 'a.b', 'a.b.c', `${b64({ alg: 'EdDSA' })}.${b64({ sub: 'x' })}`, '..', `${(await accessToken(key)).slice(0, -5)}AAAAA`]) {
      await refused(garbage);
    }
  });

  it('refuses an expired token', async () => {
    await refused(await accessToken(key, { exp: Math.floor(Date.now() / 1000) - 1 }));
  });

  it('refuses a token for another audience', async () => {
    await refused(await accessToken(key, { aud: 'another-service' }));
  });

  it('refuses a token from another issuer', async () => {
    await refused(await accessToken(key, { iss: 'https://evil.example' }));
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64({ alg: 'none', kid: key.kid, typ: ACCESS_TOKEN.type });
    const payload = b64({ sub: 'user-1', tid: 't1', perms: ['platform:admin'], iss: ACCESS_TOKEN.issuer, aud: ACCESS_TOKEN.audience, iat: now, exp: now + 600 });
    await refused(`${header}.${payload}.`);
  });

  it("refuses an HS256 token whose HMAC secret is identity's public key (algorithm confusion)", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const secret of [JSON.stringify(key.jwk), String(key.jwk.x)]) {
      const forged = await new SignJWT({ tid: 't1', perms: ['platform:admin'] })
        .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: ACCESS_TOKEN.type })
        .setIssuer(ACCESS_TOKEN.issuer)
        .setAudience(ACCESS_TOKEN.audience)
        .setSubject('user-1')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(new TextEncoder().encode(secret));
      await refused(forged);
    }
  });

  it('refuses a token whose kid identity never published', async () => {
    await refused(await accessToken(await makeKey('never-published')));
  });

  it("refuses a token that names identity's kid but is signed with another key", async () => {
    const impostor = await makeKey(key.kid);
    await refused(await accessToken(impostor));
  });

  it('refuses a token it verified earlier once that token has expired', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await accessToken(key, { exp });
    await expect(verifier.verify(shortLived)).resolves.toMatchObject({ subject: 'user-1' });
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 100));
    await refused(shortLived);
  });

  it('refuses a token of another type or without a subject', async () => {
    await refused(await accessToken(key, { typ: 'JWT' }));
    await refused(await accessToken(key, { sub: '' }));
  });
});
