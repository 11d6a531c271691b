import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { platformModes } from '../support/modes';
import { startPlatform, type RunningPlatform } from '../support/platform';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';

const CREATE_ROLE = 'mutation($i: CreateRoleInput!) { createRole(input: $i) { id name permissions builtIn version } }';
const UPDATE_ROLE = 'mutation($i: UpdateRoleInput!) { updateRole(input: $i) { id name permissions version } }';
const DELETE_ROLE = 'mutation($i: DeleteRoleInput!) { deleteRole(input: $i) }';
const ASSIGN = 'mutation($i: RoleAssignmentInput!) { assignRole(input: $i) { id role { id name } scope { level id } } }';
const REVOKE = 'mutation($i: RoleAssignmentInput!) { revokeRole(input: $i) }';
const ROLES = '{ roles(first: 100) { edges { node { id name permissions } } } }';
const ME = '{ me { id permissions roleAssignments { role { name } scope { level id } } } }';
const RENAME_ORG = 'mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { id name version } }';
const SET_CONFIG = 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { level version } }';
const SUSPEND = 'mutation($i: SuspendUserInput!) { suspendUser(input: $i) { id status } }';

describe.each(platformModes())('custom roles and scoped assignments (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;

  const as = (token: string) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(platform.graphqlUrl, query, variables, bearer(token));
  const admin = () => as(acme.admin.token);
  const must = <T,>(response: GraphQLResponse<T>): T => {
    if (response.errors || !response.data) throw new Error(JSON.stringify(response.errors));
    return response.data;
  };

  const createUser = async (input: Record<string, unknown> = {}) => {
    const email = `${unique('u')}@example.test`;
    const created = must(await admin()<{ createUser: { id: string } }>(CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'U', password: PASSWORD, ...input } }));
    return { id: created.createUser.id, email, signIn: () => signIn(platform.graphqlUrl, email, PASSWORD, acme.tenant.slug) };
  };
  const createOrganization = async (token = acme.admin.token) =>
    must(await as(token)<{ createOrganization: { id: string } }>('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name: unique('Org') } }))
      .createOrganization.id;
  const createDepartment = async (organizationId: string, parentId: string | null = null) =>
    must(
      await admin()<{ createDepartment: { id: string } }>('mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id } }', {
        i: { organizationId, parentId, name: unique('Dept') },
      }),
    ).createDepartment.id;
  const createRole = async (permissions: string[], token = acme.admin.token) =>
    must(await as(token)<{ createRole: { id: string; version: number } }>(CREATE_ROLE, { i: { name: unique('Role'), permissions } })).createRole;

  beforeAll(async () => {
    platform = await startPlatform(mode);
    acme = await createTenantWithAdmin(platform.graphqlUrl, await signInAsAdmin(platform.graphqlUrl));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('defines roles only from registered, tenant-grantable permissions, with unique names', async () => {
    const role = await createRole(['organizations:write', 'config:write', 'organizations:write']);
    const listed = must(await admin()<{ roles: { edges: { node: { id: string; permissions: string[] } }[] } }>(ROLES)).roles.edges.map((e) => e.node);
    expect(listed).toContainEqual({ id: role.id, name: expect.any(String), permissions: ['config:write', 'organizations:write'] });
    const name = unique('Dup');
    must(await admin()(CREATE_ROLE, { i: { name, permissions: ['users:read'] } }));
    expect(codesOf(await admin()(CREATE_ROLE, { i: { name: name.toUpperCase(), permissions: ['users:read'] } }))).toEqual(['CONFLICT']);
    expect(codesOf(await admin()(CREATE_ROLE, { i: { name: unique('R'), permissions: ['users:fly'] } }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await admin()(CREATE_ROLE, { i: { name: unique('R'), permissions: ['platform:admin'] } }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await admin()(CREATE_ROLE, { i: { name: 'tenant-admin', permissions: ['users:read'] } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('lets nobody grant a permission they do not hold: FORBIDDEN, and nothing is stored or assigned', async () => {
    // A role manager who may only read users and manage roles.
    const managerRole = await createRole(['roles:read', 'roles:write', 'users:read']);
    const manager = await createUser();
    must(await admin()(ASSIGN, { i: { userId: manager.id, roleId: managerRole.id, scope: { level: 'TENANT', id: acme.tenant.id } } }));
    const token = await manager.signIn();
    const before = must(await admin()<{ roles: { edges: unknown[] } }>(ROLES)).roles.edges.length;

    const wider = await as(token)(CREATE_ROLE, { i: { name: unique('Wide'), permissions: ['users:read', 'config:write'] } });
    expect(codesOf(wider)).toEqual(['FORBIDDEN']);
    expect(wider.errors?.[0]?.message).toMatch(/config:write/);
    const target = await createUser();
    expect(codesOf(await as(token)(ASSIGN, { i: { userId: target.id, roleId: 'tenant-admin', scope: { level: 'TENANT', id: acme.tenant.id } } }))).toEqual(['FORBIDDEN']);
    // Within what they hold, they can.
    const narrow = await createRole(['users:read'], token);
    must(await as(token)(ASSIGN, { i: { userId: target.id, roleId: narrow.id, scope: { level: 'TENANT', id: acme.tenant.id } } }));

    expect(must(await admin()<{ roles: { edges: unknown[] } }>(ROLES)).roles.edges.length).toBe(before + 1);
    const targetToken = await target.signIn();
    const targetMe = must(await as(targetToken)<{ me: { roleAssignments: { role: { name: string } }[] } }>(ME)).me;
    expect(targetMe.roleAssignments.map((a) => a.role.name)).toHaveLength(1);
  });

  it('makes a role assigned at an organization count inside that organization only', async () => {
    const editor = await createRole(['organizations:write', 'config:write']);
    const [inside, outside] = [await createOrganization(), await createOrganization()];
    const dept = await createDepartment(inside);
    const user = await createUser();
    const tokenBefore = await user.signIn();
    const rename = (token: string, id: string, version: number) => as(token)(RENAME_ORG, { i: { id, name: unique('Renamed'), expectedVersion: version } });
    expect(codesOf(await rename(tokenBefore, inside, 1))).toEqual(['FORBIDDEN']);

    const assigned = must(await admin()<{ assignRole: { scope: { level: string; id: string } } }>(ASSIGN, { i: { userId: user.id, roleId: editor.id, scope: { level: 'ORGANIZATION', id: inside } } }));
    expect(assigned.assignRole.scope).toEqual({ level: 'ORGANIZATION', id: inside });
    const token = await user.signIn();
    const me = must(await as(token)<{ me: { permissions: string[]; roleAssignments: { scope: { level: string; id: string } }[] } }>(ME)).me;
    expect(me.permissions).toEqual(expect.arrayContaining(['config:write', 'organizations:write']));
    expect(me.roleAssignments.map((a) => a.scope)).toEqual([{ level: 'ORGANIZATION', id: inside }]);

    expect((await rename(token, inside, 1)).errors).toBeUndefined();
    expect(codesOf(await rename(token, outside, 1))).toEqual(['FORBIDDEN']);
    const config = (level: string, id: string) => as(token)(SET_CONFIG, { i: { scope: { level, id }, key: unique('k').toLowerCase(), value: 1 } });
    expect((await config('ORGANIZATION', inside)).errors).toBeUndefined();
    expect((await config('DEPARTMENT', dept)).errors).toBeUndefined();
    expect(codesOf(await config('ORGANIZATION', outside))).toEqual(['FORBIDDEN']);
    expect(codesOf(await config('TENANT', acme.tenant.id))).toEqual(['FORBIDDEN']);
    // Organizations are created at tenant level: the organization role does not reach that.
    expect(codesOf(await as(token)('mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: { name: unique('Org') } }))).toEqual(['FORBIDDEN']);
  });

  it('makes users:write at a department reach the members of its subtree and no one else', async () => {
    const org = await createOrganization();
    const top = await createDepartment(org);
    const child = await createDepartment(org, top);
    const sibling = await createDepartment(org);
    const supervisorRole = await createRole(['users:write']);
    const supervisor = await createUser();
    must(await admin()(ASSIGN, { i: { userId: supervisor.id, roleId: supervisorRole.id, scope: { level: 'DEPARTMENT', id: top } } }));
    const token = await supervisor.signIn();
    const inChild = await createUser({ departmentId: child });
    const inSibling = await createUser({ departmentId: sibling });
    const adminInChild = await createUser({ departmentId: child, roles: ['department-admin'] });

    expect(must(await as(token)<{ suspendUser: { status: string } }>(SUSPEND, { i: { id: inChild.id } })).suspendUser.status).toBe('SUSPENDED');
    expect(codesOf(await as(token)(SUSPEND, { i: { id: inSibling.id } }))).toEqual(['FORBIDDEN']);
    // A scoped role never reaches the holders of built-in admin roles.
    expect(codesOf(await as(token)(SUSPEND, { i: { id: adminInChild.id } }))).toEqual(['FORBIDDEN']);
  });

  it('refuses to delete a role while it is assigned (CONFLICT), and deletes it once revoked', async () => {
    const role = await createRole(['users:read']);
    const user = await createUser();
    const assignment = { userId: user.id, roleId: role.id, scope: { level: 'TENANT', id: acme.tenant.id } };
    must(await admin()(ASSIGN, { i: assignment }));
    must(await admin()(ASSIGN, { i: assignment }));
    const inUse = await admin()(DELETE_ROLE, { i: { id: role.id } });
    expect(codesOf(inUse)).toEqual(['CONFLICT']);
    expect(inUse.errors?.[0]?.message).toMatch(/assigned 1 time/);
    expect(must(await admin()<{ revokeRole: boolean }>(REVOKE, { i: assignment })).revokeRole).toBe(true);
    expect(must(await admin()<{ revokeRole: boolean }>(REVOKE, { i: assignment })).revokeRole).toBe(false);
    expect(must(await admin()<{ deleteRole: boolean }>(DELETE_ROLE, { i: { id: role.id } })).deleteRole).toBe(true);
    expect(codesOf(await admin()(DELETE_ROLE, { i: { id: role.id } }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await admin()(DELETE_ROLE, { i: { id: 'member' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('updates a role at the version read; a stale version is CONFLICT', async () => {
    const role = await createRole(['users:read']);
    const updated = must(await admin()<{ updateRole: { permissions: string[]; version: number } }>(UPDATE_ROLE, { i: { id: role.id, permissions: ['users:read', 'config:read'], expectedVersion: 1 } }));
    expect(updated.updateRole).toEqual(expect.objectContaining({ permissions: ['config:read', 'users:read'], version: 2 }));
    expect(codesOf(await admin()(UPDATE_ROLE, { i: { id: role.id, name: 'Stale', expectedVersion: 1 } }))).toEqual(['CONFLICT']);
  });
});
