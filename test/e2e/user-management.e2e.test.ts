import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { platformModes } from '../support/modes';
import { startPlatform, type RunningPlatform } from '../support/platform';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, SIGN_IN, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';

const UPDATE = 'mutation($i: UpdateUserInput!) { updateUser(input: $i) { id displayName roles status department { id } organization { id } } }';
const SUSPEND = 'mutation($i: SuspendUserInput!) { suspendUser(input: $i) { id status } }';
const REACTIVATE = 'mutation($i: ReactivateUserInput!) { reactivateUser(input: $i) { id status } }';
const DELETE = 'mutation($i: DeleteUserInput!) { deleteUser(input: $i) { id status } }';
const USERS = `query($f: UsersFilter, $first: Int, $after: String) {
  users(filter: $f, first: $first, after: $after) { edges { node { id email displayName status } } pageInfo { hasNextPage endCursor } }
}`;
const USER_ROW = 'query($f: UsersFilter) { users(filter: $f, first: 100) { edges { node { id displayName status roles } } } }';

interface Listed {
  id: string;
  email: string;
  displayName: string;
  status: string;
}
interface UsersPage {
  users: { edges: { node: Listed }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

describe.each(platformModes())('user management (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;

  const as = (token: string) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(platform.graphqlUrl, query, variables, bearer(token));
  const admin = () => as(acme.admin.token);

  const createUser = async (input: Record<string, unknown> = {}) => {
    const email = `${unique('user')}@example.test`;
    const created = await admin()<{ createUser: { id: string } }>(CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: `User ${email}`, password: PASSWORD, ...input } });
    if (!created.data?.createUser) throw new Error(JSON.stringify(created.errors));
    return { id: created.data.createUser.id, email };
  };
  const signInAttempt = (email: string) => graphql(platform.graphqlUrl, SIGN_IN, { input: { email, password: PASSWORD, tenantSlug: acme.tenant.slug } });
  const list = async (token: string, f: Record<string, unknown>, first = 100, after?: string) => {
    const response = await as(token)<UsersPage>(USERS, { f, first, after });
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data!.users;
  };

  beforeAll(async () => {
    platform = await startPlatform(mode);
    acme = await createTenantWithAdmin(platform.graphqlUrl, await signInAsAdmin(platform.graphqlUrl));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it("renames a user and replaces their roles, and a stale expectedVersion is CONFLICT that changes nothing", async () => {
    const { id } = await createUser();
    const renamed = await admin()<{ updateUser: { displayName: string; roles: string[] } }>(UPDATE, { i: { id, displayName: '  Ada L.  ', expectedVersion: 1 } });
    expect(renamed.data?.updateUser).toMatchObject({ displayName: 'Ada L.', roles: ['member'] });
    const stale = await admin()(UPDATE, { i: { id, displayName: 'Someone else', expectedVersion: 1 } });
    expect(codesOf(stale)).toEqual(['CONFLICT']);
    expect(stale.errors?.[0]?.message).toMatch(/is at version 2, not 1/);
    const promoted = await admin()<{ updateUser: { displayName: string; roles: string[] } }>(UPDATE, { i: { id, roles: ['tenant-admin'], expectedVersion: 2 } });
    expect(promoted.data?.updateUser).toEqual(expect.objectContaining({ displayName: 'Ada L.', roles: ['tenant-admin'] }));
    expect(codesOf(await admin()(UPDATE, { i: { id } }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await admin()(UPDATE, { i: { id, roles: ['platform-admin'] } }))).toEqual(['BAD_USER_INPUT']);
    const [row] = (await admin()<{ users: { edges: { node: { roles: string[]; displayName: string } }[] } }>(USER_ROW, { f: { search: 'Ada L.' } })).data!.users.edges;
    expect(row?.node).toMatchObject({ displayName: 'Ada L.', roles: ['tenant-admin'] });
  });

  it('suspends a user so they cannot sign in, reactivates them so they can, and treats repeating either as done', async () => {
    const { id, email } = await createUser();
    await signIn(platform.graphqlUrl, email, PASSWORD, acme.tenant.slug);
    const suspended = await admin()<{ suspendUser: { status: string } }>(SUSPEND, { i: { id } });
    expect(suspended.data?.suspendUser.status).toBe('SUSPENDED');
    expect((await admin()<{ suspendUser: { status: string } }>(SUSPEND, { i: { id } })).data?.suspendUser.status).toBe('SUSPENDED');
    expect(codesOf(await signInAttempt(email))).toEqual(['UNAUTHENTICATED']);
    expect((await list(acme.admin.token, { status: 'SUSPENDED' })).edges.map((e) => e.node.id)).toContain(id);

    expect((await admin()<{ reactivateUser: { status: string } }>(REACTIVATE, { i: { id } })).data?.reactivateUser.status).toBe('ACTIVE');
    expect((await signInAttempt(email)).errors).toBeUndefined();
  });

  it('soft-deletes a user: gone from lists and sign-in, still listed as DELETED, and the e-mail can be used again', async () => {
    const { id, email } = await createUser();
    expect((await admin()<{ deleteUser: { status: string } }>(DELETE, { i: { id } })).data?.deleteUser.status).toBe('DELETED');
    expect((await list(acme.admin.token, {})).edges.map((e) => e.node.id)).not.toContain(id);
    expect((await list(acme.admin.token, { status: 'DELETED' })).edges.map((e) => e.node.id)).toContain(id);
    expect(codesOf(await signInAttempt(email))).toEqual(['UNAUTHENTICATED']);
    // Deleted is final: every further change is NOT_FOUND, as for an id that never existed.
    for (const query of [DELETE, SUSPEND, REACTIVATE]) expect(codesOf(await admin()(query, { i: { id } }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await admin()(UPDATE, { i: { id, displayName: 'Back' } }))).toEqual(['NOT_FOUND']);

    const again = await admin()<{ createUser: { id: string } }>(CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'Second', password: PASSWORD } });
    expect(again.errors).toBeUndefined();
    expect(again.data!.createUser.id).not.toBe(id);
    expect((await signInAttempt(email)).errors).toBeUndefined();
  });

  it('refuses to let admins suspend or delete themselves', async () => {
    for (const query of [SUSPEND, DELETE]) expect(codesOf(await admin()(query, { i: { id: acme.admin.id } }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await admin()(UPDATE, { i: { id: acme.admin.id, roles: ['member'] } }))).toEqual(['FORBIDDEN']);
    expect((await signInAttempt(acme.admin.email)).errors).toBeUndefined();
  });

  it('filters by status, organization and a case-insensitive search that treats % and _ literally, paging in a stable order', async () => {
    const tag = unique('Zq').toLowerCase();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createUser({ displayName: `Member ${tag.toUpperCase()} ${i}` }));
    const odd = await createUser({ displayName: `Percent 100%_${tag}` });

    const found = await list(acme.admin.token, { search: tag });
    expect(found.edges.map((e) => e.node.id)).toEqual([...made.map((u) => u.id), odd.id]);
    expect((await list(acme.admin.token, { search: `100%_${tag}` })).edges.map((e) => e.node.id)).toEqual([odd.id]);
    expect((await list(acme.admin.token, { search: '%' })).edges.map((e) => e.node.id)).toEqual([odd.id]);

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await list(acme.admin.token, { search: tag }, 2, after);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(seen).toEqual(found.edges.map((e) => e.node.id));

    const organization = await admin()<{ createOrganization: { id: string } }>('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', {
      i: { name: unique('Org') },
    });
    const organizationId = organization.data!.createOrganization.id;
    const placed = await createUser({ organizationId });
    expect((await list(acme.admin.token, { organizationId })).edges.map((e) => e.node.id)).toEqual([placed.id]);

    const tooLong = await admin()(USERS, { f: { search: 'x'.repeat(101) } });
    expect(codesOf(tooLong)).toEqual(['BAD_USER_INPUT']);
  });

  it("lets a member do none of it: FORBIDDEN at the gateway, and the target is unchanged", async () => {
    const target = await createUser();
    const member = await createUser();
    const token = await signIn(platform.graphqlUrl, member.email, PASSWORD, acme.tenant.slug);
    expect(codesOf(await as(token)(SUSPEND, { i: { id: target.id } }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await as(token)(UPDATE, { i: { id: target.id, displayName: 'pwned' } }))).toEqual(['FORBIDDEN']);
    expect((await list(acme.admin.token, { search: target.email })).edges.map((e) => e.node)).toEqual([expect.objectContaining({ id: target.id, status: 'ACTIVE', displayName: `User ${target.email}` })]);
  });
});
