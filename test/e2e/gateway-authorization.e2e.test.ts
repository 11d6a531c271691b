import { startPlatform, type RunningPlatform } from '../support/platform';
import { platformModes } from '../support/modes';
import { bearer, graphql, type GraphQLResponse } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, emailsOf, PASSWORD, signIn, signInAsAdmin, unique, USERS, type TenantWithAdmin } from '../support/scenario';

/**
 * The gateway enforces the supergraph's @authenticated and @requiresScopes before it plans the operation. One
 * refused field refuses the whole operation: no subgraph is called, the answer has no data, and there is one error
 * per refused field at its response path.
 */
describe.each(platformModes())('field authorization at the gateway (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let platformToken: string;
  let acme: TenantWithAdmin;
  let member: string;

  const as = (token: string | null) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(platform.graphqlUrl, query, variables, token ? bearer(token) : {});
  const organizationNames = async () => {
    const list = await as(acme.admin.token)<{ organizations: { edges: { node: { name: string } }[] } }>('{ organizations(first: 100, includeArchived: true) { edges { node { name } } } }');
    return list.data!.organizations.edges.map((e) => e.node.name);
  };
  /** What a client sees of the errors, without the request id and locations that vary. */
  const refusals = (response: GraphQLResponse) => (response.errors ?? []).map((e) => ({ code: e.extensions?.code, path: e.path, message: e.message }));

  beforeAll(async () => {
    platform = await startPlatform(mode);
    platformToken = await signInAsAdmin(platform.graphqlUrl);
    acme = await createTenantWithAdmin(platform.graphqlUrl, platformToken);
    const email = `${unique('member')}@example.test`;
    const created = await as(acme.admin.token)(CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'M', password: PASSWORD, roles: ['member'] } });
    if (created.errors) throw new Error(JSON.stringify(created.errors));
    member = await signIn(platform.graphqlUrl, email, PASSWORD, acme.tenant.slug);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('refuses createUser to a member, who lacks users:write, with FORBIDDEN at the field path, and creates no one', async () => {
    const email = `${unique('refused')}@example.test`;
    const response = await as(member)(CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'R', password: PASSWORD } });
    expect(response).not.toHaveProperty('data');
    expect(refusals(response)).toEqual([{ code: 'FORBIDDEN', path: ['createUser'], message: 'missing permission users:write to select Mutation.createUser' }]);
    expect(response.errors![0]!.extensions!.requestId).toEqual(expect.any(String));
    expect(emailsOf(await as(acme.admin.token)(USERS, { first: 100 }))).not.toContain(email);
  });

  it('refuses the whole operation, so a permitted mutation beside a refused one never reaches its subgraph', async () => {
    const name = unique('never-created');
    const both = `mutation($o: CreateOrganizationInput!, $t: SuspendTenantInput!) {
      createOrganization(input: $o) { id }
      suspendTenant(input: $t) { id }
    }`;
    const response = await as(acme.admin.token)(both, { o: { name }, t: { id: acme.tenant.id, reason: 'probe' } });
    expect(response).not.toHaveProperty('data');
    expect(refusals(response)).toEqual([{ code: 'FORBIDDEN', path: ['suspendTenant'], message: 'missing permission tenants:write to select Mutation.suspendTenant' }]);
    // Tenancy runs mutations in order: had it been called, the organization would exist before suspendTenant was refused.
    expect(await organizationNames()).not.toContain(name);
    // The same mutation on its own is allowed and does create it, so the check above can fail.
    const alone = await as(acme.admin.token)<{ createOrganization: { id: string } }>('mutation($o: CreateOrganizationInput!) { createOrganization(input: $o) { id } }', { o: { name } });
    expect(alone.errors).toBeUndefined();
    expect(await organizationNames()).toContain(name);
  });

  it('refuses a nested entity field reached through a named fragment, at its full path, before sign-in runs', async () => {
    const query = `mutation($i: SignInInput!) { signIn(input: $i) { accessToken user { ...Who } } }
      fragment Who on User { id tenant { id name } }`;
    const input = { i: { email: acme.admin.email, password: PASSWORD, tenantSlug: acme.tenant.slug } };
    const response = await as(null)(query, input);
    expect(response).not.toHaveProperty('data');
    expect(refusals(response)).toEqual([
      { code: 'UNAUTHENTICATED', path: ['signIn', 'user', 'tenant', 'name'], message: expect.stringMatching(/^authentication required to select Tenant\.name/) },
    ]);
    // Only the tenant's name needed a signed-in caller: its id comes from identity, and sign-in itself is public.
    const allowed = await as(null)<{ signIn: { accessToken: string; user: { tenant: { id: string } } } }>(query.replace('id name', 'id'), input);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.signIn.user.tenant.id).toBe(acme.tenant.id);
  });

  it('refuses a field a member lacks even when a named fragment selects it beside fields the member may read', async () => {
    const query = `query { ...Dashboard }
      fragment Dashboard on Query { me { id } trail: auditEvents(first: 5) { edges { node { id type } } } }`;
    const response = await as(member)(query);
    expect(response).not.toHaveProperty('data');
    expect(refusals(response)).toEqual([{ code: 'FORBIDDEN', path: ['trail'], message: 'missing permission audit:read to select Query.auditEvents' }]);
    const admin = await as(acme.admin.token)<{ me: { id: string }; trail: { edges: unknown[] } }>(query);
    expect(admin.errors).toBeUndefined();
    expect(admin.data!.me.id).toBe(acme.admin.id);
  });

  it('answers UNAUTHENTICATED to an anonymous caller of an @authenticated field', async () => {
    const response = await as(null)('{ me { id } }');
    expect(response).not.toHaveProperty('data');
    expect(refusals(response)).toEqual([{ code: 'UNAUTHENTICATED', path: ['me'], message: expect.stringMatching(/^authentication required to select Query\.me/) }]);
  });

  it('lets a permitted operation through, nested entities and fragments included', async () => {
    const query = `query { me { ...Me } users(first: 100) { edges { node { email } } } }
      fragment Me on User { email tenant { name slug organizations(first: 5) { edges { node { name } } } } }`;
    const response = await as(member)<{ me: { tenant: { name: string } }; users: { edges: unknown[] } }>(query);
    expect(response.errors).toBeUndefined();
    expect(response.data!.me.tenant.name).toBe(acme.tenant.name);
    expect(response.data!.users.edges.length).toBeGreaterThanOrEqual(2);
  });
});
