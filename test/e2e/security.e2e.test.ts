import { Client } from 'pg';
import { generateKeyPair, importJWK, SignJWT, decodeProtectedHeader, decodeJwt, type JWK } from 'jose';
import { KeyEncryption } from '../../subgraphs/identity/service/key-encryption';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import { startPlatform, type RunningPlatform } from '../support/platform';
import { platformModes } from '../support/modes';
import { bearer, codesOf, graphql } from '../support/graphql-client';
import { createTenantWithAdmin, signInAsAdmin, type TenantWithAdmin } from '../support/scenario';

const ME = '{ me { id email tenant { id } } }';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe.each(platformModes())('authentication at the gateway and the subgraphs (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let adminToken: string;
  let acme: TenantWithAdmin;

  beforeAll(async () => {
    platform = await startPlatform(mode);
    adminToken = await signInAsAdmin(platform.graphqlUrl);
    acme = await createTenantWithAdmin(platform.graphqlUrl, adminToken);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  const expectUnauthenticated = async (headers: Record<string, string>) => {
    const response = await graphql(platform.graphqlUrl, ME, {}, headers);
    expect(codesOf(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.data ?? null).toBeNull();
    expect(JSON.stringify(response)).not.toMatch(/at \w+ \(|stacktrace/);
    return response;
  };

  it('answers `me` without a token with UNAUTHENTICATED', async () => {
    await expectUnauthenticated({});
  });

  it('refuses a token signed by a key identity never published, even with a real kid', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const realKid = decodeProtectedHeader(acme.admin.token).kid!;
    const forged = await new SignJWT({ tid: null, roles: ['platform-admin'], perms: ['tenants:write', 'platform:admin'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: realKid, typ: 'at+jwt' })
      .setIssuer('lattice-identity')
      .setAudience('lattice')
      .setSubject(acme.admin.id)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    const response = await expectUnauthenticated(bearer(forged));
    expect(response.status).toBe(401);
  });

  // Needs identity's private key, which only the distributed suite can read (and decrypt) from PostgreSQL.
  (mode === 'distributed' ? it : it.skip)('refuses an expired token signed with the real key', async () => {
    const client = new Client({ connectionString: platform.databaseUrls!.identity });
    await client.connect();
    const { rows } = await client.query<{ kid: string; private_jwk_encrypted: string }>('SELECT kid, private_jwk_encrypted FROM signing_keys WHERE retired_at IS NULL');
    await client.end();
    const jwk = JSON.parse(new KeyEncryption(platform.contextSecret).decrypt(rows[0]!.private_jwk_encrypted)) as JWK;
    const claims = decodeJwt(acme.admin.token);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claims, iat: now - 1000, exp: now - 100 })
      .setProtectedHeader({ alg: 'EdDSA', kid: rows[0]!.kid, typ: 'at+jwt' })
      .sign(await importJWK(jwk, 'EdDSA'));
    const response = await expectUnauthenticated(bearer(expired));
    expect(response.errors?.[0]?.message).toMatch(/expired/);
    // The same key and claims with a live expiry are accepted: the refusal is about time, nothing else.
    const live = await new SignJWT({ ...claims, iat: now, exp: now + 300 })
      .setProtectedHeader({ alg: 'EdDSA', kid: rows[0]!.kid, typ: 'at+jwt' })
      .sign(await importJWK(jwk, 'EdDSA'));
    expect((await graphql(platform.graphqlUrl, ME, {}, bearer(live))).data).toMatchObject({ me: { id: acme.admin.id } });
  });

  it('refuses an `alg: none` token', async () => {
    const claims = decodeJwt(acme.admin.token);
    const unsigned = `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url({ ...claims, roles: ['platform-admin'] })}.`;
    await expectUnauthenticated(bearer(unsigned));
  });

  it('refuses a real token whose claims were edited to reach another tenant', async () => {
    const [header, , signature] = acme.admin.token.split('.');
    const claims = decodeJwt(acme.admin.token);
    const tampered = `${header}.${base64url({ ...claims, tid: '01a21000-0000-7000-8000-000000000001' })}.${signature}`;
    await expectUnauthenticated(bearer(tampered));
  });

  it('refuses an HMAC token made with the public key as secret (algorithm confusion)', async () => {
    const jwks = (await (await fetch(`${platform.baseUrl}/.well-known/jwks.json`)).json()) as { keys: { x: string; kid: string }[] };
    const confused = await new SignJWT({ roles: ['platform-admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0]!.kid, typ: 'at+jwt' })
      .setIssuer('lattice-identity')
      .setAudience('lattice')
      .setSubject(acme.admin.id)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(Buffer.from(jwks.keys[0]!.x));
    await expectUnauthenticated(bearer(confused));
  });

  it('refuses garbage and non-Bearer authorization headers', async () => {
    await expectUnauthenticated(bearer('not.a.jwt'));
    await expectUnauthenticated({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
  });

  it('ignores a signed context header sent by a client, even one signed with the real secret', async () => {
    const claimed = signContext(
      {
        principal: { kind: 'USER', subject: acme.admin.id, tenantId: null, roles: ['platform-admin'], permissions: ['platform:admin', 'tenants:write'] },
        requestId: 'client-made-request',
        ipAddress: null,
        userAgent: null,
      },
      platform.contextSecret,
    );
    await expectUnauthenticated({ [CONTEXT_HEADER]: claimed });
    const create = await graphql(platform.graphqlUrl, 'mutation { createTenant(input: {slug: "sneaky-tenant", name: "S"}) { id } }', {}, { [CONTEXT_HEADER]: claimed });
    expect(codesOf(create)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a direct call to every subgraph that lacks a valid gateway-signed context', async () => {
    for (const [name, base] of Object.entries(platform.subgraphs)) {
      const withoutContext = await graphql(`${base}/graphql`, '{ __typename }');
      expect({ name, status: withoutContext.status, codes: codesOf(withoutContext) }).toEqual({ name, status: 401, codes: ['UNAUTHENTICATED'] });

      const forged = signContext(
        { principal: { kind: 'USER', subject: 'x', tenantId: null, roles: [], permissions: ['platform:admin'] }, requestId: 'r', ipAddress: null, userAgent: null },
        'a-secret-that-is-not-the-platform-secret-at-all',
      );
      const withForgedContext = await graphql(`${base}/graphql`, '{ __typename }', {}, { [CONTEXT_HEADER]: forged });
      expect(withForgedContext.status).toBe(401);

      const expired = signContext(
        { principal: { kind: 'USER', subject: 'x', tenantId: null, roles: [], permissions: [] }, requestId: 'r', ipAddress: null, userAgent: null },
        platform.contextSecret,
        60,
        Date.now() - 3_600_000,
      );
      const withExpiredContext = await graphql(`${base}/graphql`, '{ __typename }', {}, { [CONTEXT_HEADER]: expired });
      expect(withExpiredContext.status).toBe(401);
    }
  });

  it('never returns a password, hash or token in an error or a user', async () => {
    const response = await graphql(platform.graphqlUrl, '{ users { edges { node { id email displayName roles status } } } }', {}, bearer(acme.admin.token));
    expect(JSON.stringify(response)).not.toMatch(/argon2|password/i);
    const log = platform.processes.map((p) => p.output()).join('\n');
    expect(log).not.toContain('a-long-enough-password');
    expect(log).not.toContain('platform-admin-password-1');
    expect(log).not.toContain(acme.admin.token);
  });
});
