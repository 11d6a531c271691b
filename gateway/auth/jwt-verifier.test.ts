import { SignJWT } from 'jose';
import { JwksServer, makeKey, type TestKey } from '../../test/support/tokens';
import { JwtVerifier } from './jwt-verifier';

describe('tokens of another issuer (LATTICE_JWKS_URL)', () => {
  const jwks = new JwksServer();
  let key: TestKey;
  let verifier: JwtVerifier;

  beforeAll(async () => {
    key = await makeKey('idp-key');
    jwks.published = [key.jwk];
    verifier = new JwtVerifier({ jwksUrl: await jwks.start(), issuer: 'https://idp.test/', audience: undefined, refetchCooldownMs: 60_000, cacheMaxAgeMs: 60_000, timeoutMs: 2_000, maxVerifiedTokens: 100 });
  });
  afterAll(() => jwks.stop());

  const token = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).setSubject('someone').setIssuer('https://idp.test/').setIssuedAt().setExpirationTime('5m').sign(key.privateKey);

  it('are a caller of no tenant whose permissions are the token’s scopes', async () => {
    await expect(verifier.verify(await token({ scope: 'reviews:read users:read' }))).resolves.toMatchObject({ kind: 'USER', subject: 'someone', tenantId: null, permissions: ['reviews:read', 'users:read'] });
    await expect(verifier.verify(await token({ scp: ['reviews:read'] }))).resolves.toMatchObject({ permissions: ['reviews:read'] });
  });

  it('never carry the platform-only permissions, so they cannot reach every tenant', async () => {
    const principal = await verifier.verify(await token({ scope: 'platform:admin tenants:write users:read' }));
    expect(principal.permissions).toEqual(['users:read']);
  });

  it('are refused when another issuer signed them', async () => {
    const other = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).setSubject('x').setIssuer('https://elsewhere/').setExpirationTime('5m').sign(key.privateKey);
    await expect(verifier.verify(other)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});
