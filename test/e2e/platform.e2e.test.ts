import { ADMIN_EMAIL, startPlatform, type RunningPlatform } from '../support/platform';
import { platformModes } from '../support/modes';
import { bearer, codesOf, graphql } from '../support/graphql-client';
import { CREATE_TENANT, CREATE_USER, createTenantWithAdmin, emailsOf, PASSWORD, SIGN_IN, signInAsAdmin, unique, USERS, type TenantWithAdmin } from '../support/scenario';

describe.each(platformModes())('the federated platform (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let adminToken: string;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;

  beforeAll(async () => {
    platform = await startPlatform(mode);
    adminToken = await signInAsAdmin(platform.graphqlUrl);
    [acme, globex] = await Promise.all([createTenantWithAdmin(platform.graphqlUrl, adminToken), createTenantWithAdmin(platform.graphqlUrl, adminToken)]);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('signs in the seeded platform admin, whose `me` has no tenant', async () => {
    const me = await graphql(platform.graphqlUrl, '{ me { email roles tenant { id } } }', {}, bearer(adminToken));
    expect(me.data).toEqual({ me: { email: ADMIN_EMAIL, roles: ['platform-admin'], tenant: null } });
  });

  it('resolves `me { email tenant { name } }` across identity and tenancy', async () => {
    const me = await graphql(platform.graphqlUrl, '{ me { email tenant { name slug } } }', {}, bearer(acme.admin.token));
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: { email: acme.admin.email, tenant: { name: acme.tenant.name, slug: acme.tenant.slug } } });
  });

  it("shows each tenant admin only their own tenant's users", async () => {
    const member = `${unique('member')}@example.test`;
    const created = await graphql(
      platform.graphqlUrl,
      CREATE_USER,
      { input: { tenantId: acme.tenant.id, email: member, displayName: 'Member', password: PASSWORD } },
      bearer(acme.admin.token),
    );
    expect(created.data).toMatchObject({ createUser: { email: member, roles: ['member'], tenant: { id: acme.tenant.id } } });

    const acmeUsers = emailsOf(await graphql(platform.graphqlUrl, USERS, {}, bearer(acme.admin.token)));
    const globexUsers = emailsOf(await graphql(platform.graphqlUrl, USERS, {}, bearer(globex.admin.token)));
    expect(acmeUsers.sort()).toEqual([acme.admin.email, member].sort());
    expect(globexUsers).toEqual([globex.admin.email]);
  });

  it("refuses a tenant admin reading another tenant's users or the tenant itself with FORBIDDEN", async () => {
    const users = await graphql(platform.graphqlUrl, USERS, { tenantId: globex.tenant.id }, bearer(acme.admin.token));
    expect(codesOf(users)).toEqual(['FORBIDDEN']);
    expect(users.data).toBeNull();
    const tenant = await graphql(platform.graphqlUrl, 'query($id: ID) { tenant(id: $id) { name } }', { id: globex.tenant.id }, bearer(acme.admin.token));
    expect(codesOf(tenant)).toEqual(['FORBIDDEN']);
    const bySlug = await graphql(platform.graphqlUrl, 'query($s: String) { tenant(slug: $s) { name } }', { s: globex.tenant.slug }, bearer(acme.admin.token));
    expect(codesOf(bySlug)).toEqual(['FORBIDDEN']);
  });

  it('refuses a tenant admin creating a user in another tenant with FORBIDDEN and creates nothing', async () => {
    const intruder = `${unique('intruder')}@example.test`;
    const attempt = await graphql(
      platform.graphqlUrl,
      CREATE_USER,
      { input: { tenantId: globex.tenant.id, email: intruder, displayName: 'Intruder', password: PASSWORD, roles: ['tenant-admin'] } },
      bearer(acme.admin.token),
    );
    expect(codesOf(attempt)).toEqual(['FORBIDDEN']);
    const globexUsers = emailsOf(await graphql(platform.graphqlUrl, USERS, { tenantId: globex.tenant.id }, bearer(adminToken)));
    expect(globexUsers).not.toContain(intruder);
  });

  it('lets only platform admins create tenants', async () => {
    const attempt = await graphql(platform.graphqlUrl, CREATE_TENANT, { input: { slug: unique('x'), name: 'X' } }, bearer(acme.admin.token));
    expect(codesOf(attempt)).toEqual(['FORBIDDEN']);
  });

  it('answers CONFLICT for a duplicate e-mail in the same tenant, and allows it in another tenant', async () => {
    const email = `${unique('dup')}@example.test`;
    const input = { displayName: 'Dup', password: PASSWORD };
    const original = await graphql(platform.graphqlUrl, CREATE_USER, { input: { ...input, email, tenantId: acme.tenant.id } }, bearer(adminToken));
    expect(original.errors).toBeUndefined();
    const duplicate = await graphql(platform.graphqlUrl, CREATE_USER, { input: { ...input, email: email.toUpperCase(), tenantId: acme.tenant.id } }, bearer(adminToken));
    expect(codesOf(duplicate)).toEqual(['CONFLICT']);
    const elsewhere = await graphql(platform.graphqlUrl, CREATE_USER, { input: { ...input, email, tenantId: globex.tenant.id } }, bearer(adminToken));
    expect(elsewhere.errors).toBeUndefined();
  });

  it('answers CONFLICT for a duplicate tenant slug', async () => {
    const duplicate = await graphql(platform.graphqlUrl, CREATE_TENANT, { input: { slug: acme.tenant.slug, name: 'Again' } }, bearer(adminToken));
    expect(codesOf(duplicate)).toEqual(['CONFLICT']);
  });

  it('answers BAD_USER_INPUT naming the field for invalid input', async () => {
    const badSlug = await graphql(platform.graphqlUrl, CREATE_TENANT, { input: { slug: 'Acme Inc', name: 'Acme' } }, bearer(adminToken));
    expect(codesOf(badSlug)).toEqual(['BAD_USER_INPUT']);
    expect(badSlug.errors?.[0]?.message).toMatch(/^input\.slug: must match/);

    const shortPassword = await graphql(
      platform.graphqlUrl,
      CREATE_USER,
      { input: { tenantId: acme.tenant.id, email: `${unique('p')}@example.test`, displayName: 'P', password: 'short' } },
      bearer(acme.admin.token),
    );
    expect(codesOf(shortPassword)).toEqual(['BAD_USER_INPUT']);
    expect(shortPassword.errors?.[0]?.message).toMatch(/^input\.password: must be 12 to 128 characters/);
    expect(JSON.stringify(shortPassword)).not.toContain('"short"');

    const badEmail = await graphql(
      platform.graphqlUrl,
      CREATE_USER,
      { input: { tenantId: acme.tenant.id, email: 'not-an-email', displayName: 'P', password: PASSWORD } },
      bearer(acme.admin.token),
    );
    expect(badEmail.errors?.[0]?.message).toMatch(/^input\.email:/);

    const badPage = await graphql(platform.graphqlUrl, USERS, { first: 1000 }, bearer(acme.admin.token));
    expect(codesOf(badPage)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers NOT_FOUND when creating a user in a tenant that does not exist', async () => {
    const attempt = await graphql(
      platform.graphqlUrl,
      CREATE_USER,
      { input: { tenantId: '01a21000-0000-7000-8000-000000000000', email: `${unique('n')}@example.test`, displayName: 'N', password: PASSWORD } },
      bearer(adminToken),
    );
    expect(codesOf(attempt)).toEqual(['NOT_FOUND']);
  });

  it('gives the same UNAUTHENTICATED answer for an unknown e-mail, a wrong password and a wrong tenant', async () => {
    const attempts = await Promise.all([
      graphql(platform.graphqlUrl, SIGN_IN, { input: { email: 'nobody@example.test', password: PASSWORD, tenantSlug: acme.tenant.slug } }),
      graphql(platform.graphqlUrl, SIGN_IN, { input: { email: acme.admin.email, password: 'wrong-password-123', tenantSlug: acme.tenant.slug } }),
      graphql(platform.graphqlUrl, SIGN_IN, { input: { email: acme.admin.email, password: PASSWORD, tenantSlug: globex.tenant.slug } }),
      graphql(platform.graphqlUrl, SIGN_IN, { input: { email: acme.admin.email, password: PASSWORD, tenantSlug: 'no-such-tenant' } }),
    ]);
    const answers = attempts.map((a) => ({ codes: codesOf(a), message: a.errors?.[0]?.message }));
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify(answers[0])]));
    expect(answers[0]!.codes).toEqual(['UNAUTHENTICATED']);
  });

  it('serves many concurrent writes and reads at once without stalling or failing', async () => {
    const emails = Array.from({ length: 24 }, () => `${unique('burst')}@example.test`);
    const writes = emails.map((email) =>
      graphql(platform.graphqlUrl, CREATE_USER, { input: { tenantId: globex.tenant.id, email, displayName: 'Burst', password: PASSWORD } }, bearer(adminToken)),
    );
    const reads = emails.map(() => graphql(platform.graphqlUrl, '{ me { email tenant { slug } } }', {}, bearer(globex.admin.token)));
    const results = await Promise.all([...writes, ...reads]);
    expect(results.filter((r) => r.errors)).toEqual([]);
    const listed = emailsOf(await graphql(platform.graphqlUrl, USERS, { tenantId: globex.tenant.id, first: 100 }, bearer(adminToken)));
    expect(listed).toEqual(expect.arrayContaining(emails));
  });

  it('paginates users with Relay cursors', async () => {
    const first = await graphql<{ users: { edges: { cursor: string; node: { email: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
      platform.graphqlUrl,
      USERS,
      { tenantId: acme.tenant.id, first: 1 },
      bearer(adminToken),
    );
    expect(first.data?.users.edges).toHaveLength(1);
    expect(first.data?.users.pageInfo.hasNextPage).toBe(true);
    const second = await graphql<{ users: { edges: { node: { email: string } }[] } }>(
      platform.graphqlUrl,
      USERS,
      { tenantId: acme.tenant.id, first: 1, after: first.data!.users.pageInfo.endCursor },
      bearer(adminToken),
    );
    expect(second.data?.users.edges).toHaveLength(1);
    expect(second.data!.users.edges[0]!.node.email).not.toBe(first.data!.users.edges[0]!.node.email);
  });

  it('returns a request id in the x-request-id header and in every error', async () => {
    const response = await fetch(platform.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { id } }' }) });
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { errors: { extensions: { requestId: string } }[] };
    expect(body.errors[0]!.extensions.requestId).toBe(requestId);
  });

  it('answers /health/live and /health/ready on the gateway and on every subgraph', async () => {
    for (const base of [platform.baseUrl, ...Object.values(platform.subgraphs)]) {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    }
  });

  it('publishes the signing keys as JWKS on the gateway', async () => {
    const jwks = (await (await fetch(`${platform.baseUrl}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('records the tenant and user creations in the audit trail, visible to the tenant admin only for their tenant', async () => {
    let types: string[] = [];
    for (let i = 0; i < 50 && !types.includes('identity.user.created'); i++) {
      const trail = await graphql<{ auditEvents: { edges: { node: { type: string; tenant: { id: string } } }[] } }>(
        platform.graphqlUrl,
        '{ auditEvents { edges { node { type tenant { id } } } } }',
        {},
        bearer(acme.admin.token),
      );
      types = trail.data?.auditEvents.edges.map((e) => e.node.type) ?? [];
      if (!types.includes('identity.user.created')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(types).toEqual(expect.arrayContaining(['tenancy.tenant.created', 'identity.user.created']));
    const other = await graphql(platform.graphqlUrl, 'query($t: ID) { auditEvents(tenantId: $t) { edges { node { id } } } }', { t: globex.tenant.id }, bearer(acme.admin.token));
    expect(codesOf(other)).toEqual(['FORBIDDEN']);
  });
});
