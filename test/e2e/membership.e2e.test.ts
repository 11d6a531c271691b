import { startPlatform, type RunningPlatform } from '../support/platform';
import { platformModes } from '../support/modes';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, emailsOf, PASSWORD, signIn, signInAsAdmin, unique, USERS, type TenantWithAdmin } from '../support/scenario';

describe.each(platformModes())('membership of organizations and departments (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;
  const ids: Record<string, string> = {};
  const emails: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  const as = (token: string) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(platform.graphqlUrl, query, variables, bearer(token));
  const createUser = (token: string, input: Record<string, unknown>) =>
    as(token)<{ createUser: { id: string } }>(CREATE_USER, { input: { displayName: 'U', password: PASSWORD, tenantId: acme.tenant.id, ...input } });

  /** Creates an organization or department as acme's tenant admin and returns its id. */
  const make = async (mutation: 'createOrganization' | 'createDepartment', input: Record<string, unknown>, token = acme.admin.token) => {
    const type = mutation === 'createOrganization' ? 'CreateOrganizationInput' : 'CreateDepartmentInput';
    const response = await as(token)<Record<string, { id: string }>>(`mutation($i: ${type}!) { ${mutation}(input: $i) { id } }`, { i: input });
    return response.data![mutation]!.id;
  };

  beforeAll(async () => {
    platform = await startPlatform(mode);
    const admin = await signInAsAdmin(platform.graphqlUrl);
    [acme, globex] = await Promise.all([createTenantWithAdmin(platform.graphqlUrl, admin), createTenantWithAdmin(platform.graphqlUrl, admin)]);
    // acme: org Sales with departments A (child A1) and B; org Ops. globex: org G with department G1.
    ids.sales = await make('createOrganization', { name: 'Sales' });
    ids.ops = await make('createOrganization', { name: 'Ops' });
    ids.a = await make('createDepartment', { organizationId: ids.sales, name: 'A' });
    ids.a1 = await make('createDepartment', { organizationId: ids.sales, name: 'A1', parentId: ids.a });
    ids.b = await make('createDepartment', { organizationId: ids.sales, name: 'B' });
    ids.g = await make('createOrganization', { name: 'G' }, globex.admin.token);
    ids.g1 = await make('createDepartment', { organizationId: ids.g, name: 'G1' }, globex.admin.token);
    const people: [string, Record<string, unknown>][] = [
      ['orgAdmin', { organizationId: ids.sales, roles: ['organization-admin'] }],
      ['deptAdmin', { departmentId: ids.a, roles: ['department-admin'] }],
      ['inA1', { departmentId: ids.a1 }],
      ['inB', { departmentId: ids.b }],
      ['inOps', { organizationId: ids.ops }],
    ];
    for (const [name, input] of people) {
      emails[name] = `${unique(name.toLowerCase())}@example.test`;
      const created = await createUser(acme.admin.token, { ...input, email: emails[name] });
      if (!created.data) throw new Error(JSON.stringify(created.errors));
      tokens[name] = await signIn(platform.graphqlUrl, emails[name], PASSWORD, acme.tenant.slug);
    }
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('resolves User.organization and User.department through the gateway', async () => {
    const me = await as(tokens.inA1!)('{ me { organization { name } department { name parent { name } } } }');
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: { organization: { name: 'Sales' }, department: { name: 'A1', parent: { name: 'A' } } } });
  });

  it('shows a department admin only the users of their department subtree', async () => {
    const listed = emailsOf(await as(tokens.deptAdmin!)(USERS, { first: 100 }));
    expect(listed.sort()).toEqual([emails.deptAdmin, emails.inA1].sort());
  });

  it('shows an organization admin only the users of their organization', async () => {
    const listed = emailsOf(await as(tokens.orgAdmin!)(USERS, { first: 100 }));
    expect(listed.sort()).toEqual([emails.orgAdmin, emails.deptAdmin, emails.inA1, emails.inB].sort());
    expect(listed).not.toContain(emails.inOps);
  });

  it('lets a department admin add users inside their subtree only, and grant nothing above member', async () => {
    const inside = await createUser(tokens.deptAdmin!, { email: `${unique('ok')}@example.test`, departmentId: ids.a1 });
    expect(inside.errors).toBeUndefined();
    const sibling = await createUser(tokens.deptAdmin!, { email: `${unique('no')}@example.test`, departmentId: ids.b });
    expect(codesOf(sibling)).toEqual(['FORBIDDEN']);
    const promote = await createUser(tokens.deptAdmin!, { email: `${unique('no')}@example.test`, departmentId: ids.a1, roles: ['tenant-admin'] });
    expect(codesOf(promote)).toEqual(['FORBIDDEN']);
    const listed = emailsOf(await as(acme.admin.token)(USERS, { first: 100 }));
    expect(listed.filter((e) => e.startsWith('no-'))).toEqual([]);
  });

  it("answers NOT_FOUND for another tenant's organization or department, and BAD_USER_INPUT for a mismatched pair", async () => {
    expect(codesOf(await createUser(acme.admin.token, { email: `${unique('x')}@example.test`, departmentId: ids.g1 }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await createUser(acme.admin.token, { email: `${unique('x')}@example.test`, organizationId: ids.g }))).toEqual(['NOT_FOUND']);
    const mismatch = await createUser(acme.admin.token, { email: `${unique('x')}@example.test`, organizationId: ids.ops, departmentId: ids.a });
    expect(codesOf(mismatch)).toEqual(['BAD_USER_INPUT']);
    const missingUnit = await createUser(acme.admin.token, { email: `${unique('x')}@example.test`, roles: ['department-admin'] });
    expect(codesOf(missingUnit)).toEqual(['BAD_USER_INPUT']);
  });
});
