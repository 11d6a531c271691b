import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ACCESS_TOKEN } from '../../infrastructure/authorization/access-token';
import { AccessTokenVerifier } from './access-token-verifier';

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

function token(key: TestKey, overrides: { exp?: number; aud?: string; sub?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tid: 't1', roles: ['member'], perms: ['users:read'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'at+jwt' })
    .setIssuer(ACCESS_TOKEN.issuer)
    .setAudience(overrides.aud ?? ACCESS_TOKEN.audience)
    .setSubject(overrides.sub ?? 'user-1')
    .setIssuedAt(now - 10)
    .setExpirationTime(overrides.exp ?? now + 600)
    .sign(key.privateKey);
}

describe('access token verification against identity JWKS', () => {
  let server: Server;
  let published: JWK[];
  let fetches: number;
  let jwksUrl: URL;

  beforeEach(async () => {
    published = [];
    fetches = 0;
    server = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("turns a valid token into the caller's principal", async () => {
    const key = await makeKey('k1');
    published = [key.jwk];
    const principal = await new AccessTokenVerifier(jwksUrl).verify(await token(key));
    expect(principal).toEqual({
      kind: 'USER',
      subject: 'user-1',
      tenantId: 't1',
      organizationId: null,
      departmentId: null,
      roles: ['member'],
      permissions: ['users:read'],
      issuedAt: expect.any(Number),
    });
  });

  it('refuses an expired token with UNAUTHENTICATED saying it expired', async () => {
    const key = await makeKey('k1');
    published = [key.jwk];
    const expired = await token(key, { exp: Math.floor(Date.now() / 1000) - 60 });
    await expect(new AccessTokenVerifier(jwksUrl).verify(expired)).rejects.toMatchObject({
      message: expect.stringMatching(/expired/),
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('refuses a token meant for another audience', async () => {
    const key = await makeKey('k1');
    published = [key.jwk];
    await expect(new AccessTokenVerifier(jwksUrl).verify(await token(key, { aud: 'someone-else' }))).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('refetches JWKS when a token names a key it has not seen once the cooldown has passed', async () => {
    const old = await makeKey('old');
    published = [old.jwk];
    const verifier = new AccessTokenVerifier(jwksUrl, { refetchCooldownMs: 50 });
    await verifier.verify(await token(old));
    await new Promise((r) => setTimeout(r, 60));
    const rotated = await makeKey('new');
    published = [rotated.jwk, old.jwk];
    await expect(verifier.verify(await token(rotated))).resolves.toMatchObject({ subject: 'user-1' });
    expect(fetches).toBe(2);
  });

  it('does not refetch for every unknown kid: a flood of forged kids costs identity one request per cooldown', async () => {
    const known = await makeKey('known');
    published = [known.jwk];
    const verifier = new AccessTokenVerifier(jwksUrl, { refetchCooldownMs: 60_000 });
    await verifier.verify(await token(known));
    const forged = await Promise.all(Array.from({ length: 5 }, (_, i) => makeKey(`forged-${i}`)));
    for (const key of forged) {
      await expect(verifier.verify(await token(key))).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
    expect(fetches).toBe(1);
  });

  it('answers SERVICE_UNAVAILABLE, not UNAUTHENTICATED, when identity cannot be reached', async () => {
    const key = await makeKey('k1');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer();
    await expect(new AccessTokenVerifier(jwksUrl).verify(await token(key))).rejects.toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
});
