import { codesOf, type GraphQLResponse } from '../support/graphql-client';
import { PASSWORD } from '../support/scenario';

export interface World {
  a: { tenantId: string; slug: string; organizationId: string; departmentId: string };
  b: {
    tenantId: string;
    slug: string;
    organizationId: string;
    departmentId: string;
    childDepartmentId: string;
    adminEmail: string;
    adminId: string;
    roleId: string;
    secret: string;
    /** One record of B's audit trail. */
    auditEventId: string;
  };
  attackers: Attacker[];
}

export interface Attacker {
  name: string;
  email: string;
  token: string;
  /** Holds organizations:write in A: such an attacker gets past the permission check and must meet NOT_FOUND. */
  writesOrganizations: boolean;
}

export interface Attempt {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** true when the response is what isolation demands, otherwise what was wrong. */
  expect: (response: GraphQLResponse, world: World) => true | string;
  /** The attempt ends the attacker's session(s): the suite signs them in again afterwards. */
  endsSessions?: boolean;
}

const refusedWith =
  (code: 'FORBIDDEN' | 'NOT_FOUND' | 'UNAUTHENTICATED') =>
  (response: GraphQLResponse): true | string => {
    const codes = codesOf(response);
    if (codes.length !== 1 || codes[0] !== code) return `expected ${code}`;
    const data = response.data;
    if (data && Object.values(data).some((v) => v !== null)) return 'data returned beside the refusal';
    return true;
  };

/** A list answer that mentions none of tenant B's ids or slug. */
const mentionsNothingOfB = (response: GraphQLResponse, world: World): true | string => {
  if (response.errors?.length) return `unexpected errors ${JSON.stringify(codesOf(response))}`;
  const text = JSON.stringify(response.data);
  const leaked = [world.b.tenantId, world.b.slug, world.b.organizationId, world.b.departmentId, world.b.childDepartmentId, world.b.adminEmail, world.b.adminId, world.b.roleId, world.b.secret, world.b.auditEventId].filter((v) =>
    text.includes(v),
  );
  return leaked.length === 0 ? true : `leaked ${leaked.join(', ')}`;
};

const FORBIDDEN = refusedWith('FORBIDDEN');
const NOT_FOUND = refusedWith('NOT_FOUND');

/** The permissions in an attacker's access token: what the gateway checks. */
const permissionsOf = (attacker: Attacker): string[] =>
  (JSON.parse(Buffer.from(attacker.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { perms?: string[] }).perms ?? [];

/**
 * The gateway refuses an operation with a field whose permission the caller lacks before any subgraph is asked:
 * FORBIDDEN, for tenant B's id and an unknown id alike. Only an attacker holding `permission` meets the subgraph's answer.
 */
const unlessLacking = (attacker: Attacker, permission: string, subgraphAnswer: Attempt['expect']): Attempt['expect'] =>
  permissionsOf(attacker).includes(permission) ? subgraphAnswer : FORBIDDEN;

type CaseFactory = (world: World, attacker: Attacker) => Attempt[];

/**
 * One entry per root operation of the supergraph (the suite fails when one is missing). Each lists how a user of
 * tenant A could try to reach tenant B through it: by id, by list, or through a nested field.
 */
export const ISOLATION_CASES: Record<string, CaseFactory> = {
  'Query.me': () => [
    {
      name: 'nested tenant and organization fields stay in A',
      query: '{ me { id tenant { id organizations(first: 100) { edges { node { id departments { edges { node { id } } } } } } } } }',
      expect: mentionsNothingOfB,
    },
  ],
  'Query.users': (w) => [
    { name: 'by tenant id', query: 'query($t: ID) { users(tenantId: $t) { edges { node { id } } } }', variables: { t: w.b.tenantId }, expect: FORBIDDEN },
    { name: 'own list', query: '{ users(first: 100) { edges { node { id email organization { id } department { id } } } } }', expect: mentionsNothingOfB },
    {
      name: "filtered by B's organization and department, searching B's admin",
      query: 'query($f: UsersFilter) { users(first: 100, filter: $f) { edges { node { id email } } } }',
      variables: { f: { organizationId: w.b.organizationId, departmentId: w.b.departmentId, search: w.b.adminEmail } },
      expect: mentionsNothingOfB,
    },
    { name: 'deleted users of every tenant', query: '{ users(first: 100, filter: { status: DELETED }) { edges { node { id email } } } }', expect: mentionsNothingOfB },
  ],
  'Query.user': (w, attacker) => [
    { name: "B's admin by id", query: 'query($id: ID!) { user(id: $id) { id email } }', variables: { id: w.b.adminId }, expect: unlessLacking(attacker, 'users:read', NOT_FOUND) },
    { name: "an id of B's that is no user's, like an unknown id", query: 'query($id: ID!) { user(id: $id) { id } }', variables: { id: w.b.tenantId }, expect: unlessLacking(attacker, 'users:read', NOT_FOUND) },
  ],
  'Query.tenant': (w) => [
    { name: 'by id', query: 'query($id: ID) { tenant(id: $id) { id name } }', variables: { id: w.b.tenantId }, expect: FORBIDDEN },
    { name: 'by slug', query: 'query($s: String) { tenant(slug: $s) { id name } }', variables: { s: w.b.slug }, expect: FORBIDDEN },
  ],
  'Query.tenants': () => [{ name: 'list', query: '{ tenants(first: 100) { edges { node { id slug } } } }', expect: mentionsNothingOfB }],
  'Query.auditEvents': (w, attacker) => [
    { name: 'by tenant id', query: 'query($t: ID) { auditEvents(tenantId: $t) { edges { node { id } } } }', variables: { t: w.b.tenantId }, expect: FORBIDDEN },
    {
      name: "filtered by B's organization and B's admin as actor",
      query: 'query($f: AuditEventFilter) { auditEvents(first: 100, filter: $f) { edges { node { id aggregateId actor { id } } } } }',
      variables: { f: { aggregateId: w.b.organizationId, actorId: w.b.adminId } },
      expect: unlessLacking(attacker, 'audit:read', mentionsNothingOfB),
    },
  ],
  'Query.auditEvent': (w, attacker) => [
    { name: "B's record by id", query: 'query($id: ID!) { auditEvent(id: $id) { id type data } }', variables: { id: w.b.auditEventId }, expect: unlessLacking(attacker, 'audit:read', NOT_FOUND) },
  ],
  'Query.verifyAuditChain': (w) => [
    { name: 'by tenant id', query: 'query($t: ID) { verifyAuditChain(tenantId: $t) { ok checked brokenAt { id } } }', variables: { t: w.b.tenantId }, expect: FORBIDDEN },
  ],
  'Query.organizations': (w) => [
    { name: 'by tenant id', query: 'query($t: ID) { organizations(tenantId: $t) { edges { node { id } } } }', variables: { t: w.b.tenantId }, expect: FORBIDDEN },
    { name: 'own list', query: '{ organizations(first: 100, includeArchived: true) { edges { node { id } } } }', expect: mentionsNothingOfB },
  ],
  'Query.organization': (w) => [
    { name: 'by id', query: 'query($id: ID!) { organization(id: $id) { id name } }', variables: { id: w.b.organizationId }, expect: NOT_FOUND },
  ],
  'Query.departments': (w) => [
    { name: 'by organization id', query: 'query($o: ID!) { departments(organizationId: $o) { edges { node { id } } } }', variables: { o: w.b.organizationId }, expect: NOT_FOUND },
  ],
  'Query.department': (w) => [
    { name: 'by id', query: 'query($id: ID!) { department(id: $id) { id } }', variables: { id: w.b.departmentId }, expect: NOT_FOUND },
    { name: 'nested descendants', query: 'query($id: ID!) { department(id: $id) { descendants { edges { node { id } } } } }', variables: { id: w.b.departmentId }, expect: NOT_FOUND },
  ],
  'Mutation.signIn': (w, attacker) => [
    {
      name: 'own credentials against tenant B',
      query: 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }',
      variables: { i: { email: attacker.email, password: PASSWORD, tenantSlug: w.b.slug } },
      expect: refusedWith('UNAUTHENTICATED'),
    },
  ],
  // Sessions carry no ids in their input: each acts on the caller's own sessions only. Tenant B's sessions are
  // out of reach by construction (test/e2e/sessions.e2e.test.ts checks that a user's sign-out leaves others' sessions).
  'Mutation.refreshToken': () => [
    {
      name: 'a refresh token that is not theirs',
      query: 'mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { accessToken } }',
      variables: { i: { refreshToken: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } },
      expect: refusedWith('UNAUTHENTICATED'),
    },
  ],
  'Mutation.signOut': () => [{ name: 'own session', query: 'mutation { signOut }', expect: mentionsNothingOfB, endsSessions: true }],
  'Mutation.signOutEverywhere': () => [{ name: 'own sessions', query: 'mutation { signOutEverywhere }', expect: mentionsNothingOfB, endsSessions: true }],
  'Mutation.changePassword': () => [
    {
      name: 'without knowing the current password',
      query: 'mutation($i: ChangePasswordInput!) { changePassword(input: $i) }',
      variables: { i: { currentPassword: 'not-the-current-password', newPassword: 'violet-harbour-tram-seven' } },
      expect: FORBIDDEN,
    },
  ],
  'Mutation.createUser': (w) => [
    {
      name: 'in tenant B',
      query: 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }',
      variables: { i: { tenantId: w.b.tenantId, email: 'intruder@example.test', displayName: 'I', password: PASSWORD } },
      expect: FORBIDDEN,
    },
    {
      name: "in A but placed in B's department",
      query: 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }',
      variables: { i: { tenantId: w.a.tenantId, email: 'placed@example.test', displayName: 'P', password: PASSWORD, departmentId: w.b.departmentId } },
      expect: NOT_FOUND,
    },
  ],
  'Mutation.createTenant': () => [
    { name: 'any tenant', query: 'mutation { createTenant(input: {slug: "isolation-probe", name: "P"}) { id } }', expect: FORBIDDEN },
  ],
  'Mutation.suspendTenant': (w) => [
    { name: 'tenant B', query: 'mutation($i: SuspendTenantInput!) { suspendTenant(input: $i) { id } }', variables: { i: { id: w.b.tenantId, reason: 'probe' } }, expect: FORBIDDEN },
  ],
  'Mutation.reactivateTenant': (w) => [
    { name: 'tenant B', query: 'mutation($i: ReactivateTenantInput!) { reactivateTenant(input: $i) { id } }', variables: { i: { id: w.b.tenantId } }, expect: FORBIDDEN },
  ],
  'Mutation.createOrganization': (w) => [
    { name: 'in tenant B', query: 'mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', variables: { i: { name: 'Probe', tenantId: w.b.tenantId } }, expect: FORBIDDEN },
  ],
  'Mutation.renameOrganization': (w, attacker) => [
    {
      name: 'B organization',
      query: 'mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { id } }',
      variables: { i: { id: w.b.organizationId, name: 'Taken', expectedVersion: 1 } },
      expect: unlessLacking(attacker, 'organizations:write', NOT_FOUND),
    },
  ],
  'Mutation.archiveOrganization': (w, attacker) => [
    {
      name: 'B organization',
      query: 'mutation($i: ArchiveOrganizationInput!) { archiveOrganization(input: $i) { id } }',
      variables: { i: { id: w.b.organizationId } },
      expect: unlessLacking(attacker, 'organizations:write', NOT_FOUND),
    },
  ],
  'Mutation.createDepartment': (w, attacker) => [
    {
      name: 'in B organization',
      query: 'mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id } }',
      variables: { i: { organizationId: w.b.organizationId, name: 'Probe' } },
      expect: unlessLacking(attacker, 'organizations:write', NOT_FOUND),
    },
    {
      name: "in A's organization under B's department",
      query: 'mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id } }',
      variables: { i: { organizationId: w.a.organizationId, name: 'Probe', parentId: w.b.departmentId } },
      expect: attacker.writesOrganizations ? NOT_FOUND : FORBIDDEN,
    },
  ],
  'Mutation.moveDepartment': (w, attacker) => [
    {
      name: 'B department',
      query: 'mutation($i: MoveDepartmentInput!) { moveDepartment(input: $i) { id } }',
      variables: { i: { id: w.b.childDepartmentId, parentId: null } },
      expect: unlessLacking(attacker, 'organizations:write', NOT_FOUND),
    },
    {
      name: "A department under B's",
      query: 'mutation($i: MoveDepartmentInput!) { moveDepartment(input: $i) { id } }',
      variables: { i: { id: w.a.departmentId, parentId: w.b.departmentId } },
      expect: attacker.writesOrganizations ? NOT_FOUND : FORBIDDEN,
    },
  ],
  'Mutation.archiveDepartment': (w, attacker) => [
    {
      name: 'B department',
      query: 'mutation($i: ArchiveDepartmentInput!) { archiveDepartment(input: $i) { id } }',
      variables: { i: { id: w.b.departmentId } },
      expect: unlessLacking(attacker, 'organizations:write', NOT_FOUND),
    },
  ],
  'Query.apiKeys': (w, attacker) => [
    { name: 'by tenant id', query: 'query($t: ID) { apiKeys(tenantId: $t) { edges { node { id } } } }', variables: { t: w.b.tenantId }, expect: FORBIDDEN },
    {
      name: 'own list, with creators',
      query: '{ apiKeys(first: 100) { edges { node { id name tenant { id } createdBy { id email } } } } }',
      expect: unlessLacking(attacker, 'apikeys:read', mentionsNothingOfB),
    },
  ],
  'Mutation.createApiKey': () => [
    // Keys are made in the creator's own tenant; the only way up is a permission the creator lacks.
    { name: 'a key with platform:admin', query: 'mutation { createApiKey(input: { name: "probe", permissions: ["platform:admin"] }) { secret } }', expect: FORBIDDEN },
    { name: 'a key with tenants:write', query: 'mutation { createApiKey(input: { name: "probe", permissions: ["tenants:write"] }) { secret } }', expect: FORBIDDEN },
  ],
  'Mutation.revokeApiKey': (w, attacker) => [
    // Ids of B's objects stand in for B's keys (test/e2e/api-keys.e2e.test.ts revokes a real one of another tenant).
    { name: "B's tenant id", query: 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { id } }', variables: { i: { id: w.b.tenantId } }, expect: unlessLacking(attacker, 'apikeys:write', NOT_FOUND) },
    { name: "B's admin id", query: 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { id } }', variables: { i: { id: w.b.adminId } }, expect: unlessLacking(attacker, 'apikeys:write', NOT_FOUND) },
  ],
  'Query.effectiveConfiguration': (w) => [
    { name: 'by department id', query: 'query($d: ID) { effectiveConfiguration(key: "probe", departmentId: $d) { value } }', variables: { d: w.b.departmentId }, expect: NOT_FOUND },
    { name: 'by organization id', query: 'query($o: ID) { effectiveConfiguration(key: "probe", organizationId: $o) { value } }', variables: { o: w.b.organizationId }, expect: NOT_FOUND },
    { name: 'by tenant id', query: 'query($t: ID) { effectiveConfiguration(key: "probe", tenantId: $t) { value } }', variables: { t: w.b.tenantId }, expect: FORBIDDEN },
  ],
  'Query.configuration': (w) => [
    { name: 'B department', query: 'query($s: ConfigurationScopeInput!) { configuration(scope: $s, key: "probe") { value } }', variables: { s: { level: 'DEPARTMENT', id: w.b.departmentId } }, expect: NOT_FOUND },
    { name: 'B organization', query: 'query($s: ConfigurationScopeInput!) { configuration(scope: $s, key: "probe") { value } }', variables: { s: { level: 'ORGANIZATION', id: w.b.organizationId } }, expect: NOT_FOUND },
    { name: 'tenant B', query: 'query($s: ConfigurationScopeInput!) { configuration(scope: $s, key: "probe") { value } }', variables: { s: { level: 'TENANT', id: w.b.tenantId } }, expect: FORBIDDEN },
  ],
  'Mutation.updateUser': (w) => [
    { name: "rename B's admin", query: 'mutation($i: UpdateUserInput!) { updateUser(input: $i) { id } }', variables: { i: { id: w.b.adminId, displayName: 'pwned' } }, expect: NOT_FOUND },
    { name: "demote B's admin", query: 'mutation($i: UpdateUserInput!) { updateUser(input: $i) { id } }', variables: { i: { id: w.b.adminId, roles: ['member'] } }, expect: NOT_FOUND },
  ],
  'Mutation.suspendUser': (w) => [
    { name: "B's admin", query: 'mutation($i: SuspendUserInput!) { suspendUser(input: $i) { id } }', variables: { i: { id: w.b.adminId } }, expect: NOT_FOUND },
  ],
  'Mutation.reactivateUser': (w) => [
    { name: "B's admin", query: 'mutation($i: ReactivateUserInput!) { reactivateUser(input: $i) { id } }', variables: { i: { id: w.b.adminId } }, expect: NOT_FOUND },
  ],
  'Mutation.deleteUser': (w) => [
    { name: "B's admin", query: 'mutation($i: DeleteUserInput!) { deleteUser(input: $i) { id } }', variables: { i: { id: w.b.adminId } }, expect: NOT_FOUND },
  ],
  'Query.roles': (w, attacker) => [
    { name: 'by tenant id', query: 'query($t: ID) { roles(tenantId: $t) { edges { node { id } } } }', variables: { t: w.b.tenantId }, expect: FORBIDDEN },
    { name: 'own list', query: '{ roles(first: 100) { edges { node { id name } } } }', expect: unlessLacking(attacker, 'roles:read', mentionsNothingOfB) },
  ],
  'Query.builtInRoles': (_w, attacker) => [{ name: 'list', query: '{ builtInRoles { id permissions } }', expect: unlessLacking(attacker, 'roles:read', mentionsNothingOfB) }],
  'Mutation.createRole': (w) => [
    { name: 'in tenant B', query: 'mutation($i: CreateRoleInput!) { createRole(input: $i) { id } }', variables: { i: { tenantId: w.b.tenantId, name: 'planted', permissions: ['users:read'] } }, expect: FORBIDDEN },
  ],
  'Mutation.updateRole': (w, attacker) => [
    {
      name: "B's role",
      query: 'mutation($i: UpdateRoleInput!) { updateRole(input: $i) { id } }',
      variables: { i: { id: w.b.roleId, permissions: ['users:read'] } },
      expect: unlessLacking(attacker, 'roles:write', NOT_FOUND),
    },
  ],
  'Mutation.deleteRole': (w, attacker) => [
    { name: "B's role", query: 'mutation($i: DeleteRoleInput!) { deleteRole(input: $i) }', variables: { i: { id: w.b.roleId } }, expect: unlessLacking(attacker, 'roles:write', NOT_FOUND) },
  ],
  'Mutation.assignRole': (w, attacker) => [
    {
      name: "a role to B's admin",
      query: 'mutation($i: RoleAssignmentInput!) { assignRole(input: $i) { id } }',
      variables: { i: { userId: w.b.adminId, roleId: 'member', scope: { level: 'TENANT', id: w.b.tenantId } } },
      expect: unlessLacking(attacker, 'roles:write', NOT_FOUND),
    },
    {
      name: "B's role at B's organization",
      query: 'mutation($i: RoleAssignmentInput!) { assignRole(input: $i) { id } }',
      variables: { i: { userId: w.b.adminId, roleId: w.b.roleId, scope: { level: 'ORGANIZATION', id: w.b.organizationId } } },
      expect: unlessLacking(attacker, 'roles:write', NOT_FOUND),
    },
  ],
  'Mutation.revokeRole': (w, attacker) => [
    {
      name: "B's admin's role",
      query: 'mutation($i: RoleAssignmentInput!) { revokeRole(input: $i) }',
      variables: { i: { userId: w.b.adminId, roleId: 'tenant-admin', scope: { level: 'TENANT', id: w.b.tenantId } } },
      expect: unlessLacking(attacker, 'roles:write', NOT_FOUND),
    },
  ],
  'Mutation.rotateSigningKey': () => [
    // A platform-wide operation: no tenant user may touch identity's keys, whatever else they hold.
    { name: 'rotate the platform key', query: 'mutation { rotateSigningKey { kid } }', expect: FORBIDDEN },
  ],
  'Mutation.setConfiguration': (w, attacker) => [
    { name: 'B department', query: 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }', variables: { i: { scope: { level: 'DEPARTMENT', id: w.b.departmentId }, key: 'probe', value: 1 } }, expect: unlessLacking(attacker, 'config:write', NOT_FOUND) },
    { name: 'B organization', query: 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }', variables: { i: { scope: { level: 'ORGANIZATION', id: w.b.organizationId }, key: 'probe', value: 1 } }, expect: unlessLacking(attacker, 'config:write', NOT_FOUND) },
    { name: 'tenant B', query: 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }', variables: { i: { scope: { level: 'TENANT', id: w.b.tenantId }, key: 'probe', value: 1 } }, expect: FORBIDDEN },
    { name: 'GLOBAL', query: 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }', variables: { i: { scope: { level: 'GLOBAL' }, key: 'probe', value: 1 } }, expect: FORBIDDEN },
  ],
  'Mutation.deleteConfiguration': (w, attacker) => [
    { name: 'B department', query: 'mutation($i: DeleteConfigurationInput!) { deleteConfiguration(input: $i) }', variables: { i: { scope: { level: 'DEPARTMENT', id: w.b.departmentId }, key: 'probe' } }, expect: unlessLacking(attacker, 'config:write', NOT_FOUND) },
    { name: 'B organization', query: 'mutation($i: DeleteConfigurationInput!) { deleteConfiguration(input: $i) }', variables: { i: { scope: { level: 'ORGANIZATION', id: w.b.organizationId }, key: 'probe' } }, expect: unlessLacking(attacker, 'config:write', NOT_FOUND) },
    { name: 'tenant B', query: 'mutation($i: DeleteConfigurationInput!) { deleteConfiguration(input: $i) }', variables: { i: { scope: { level: 'TENANT', id: w.b.tenantId }, key: 'probe' } }, expect: FORBIDDEN },
  ],
};
