import type { IdProbe } from './id-probes';

export interface MalformedIdCase {
  /** A value the argument must refuse. */
  malformed: string;
  /** What the refusal says the argument must be: `argument "…" of Query.x must be <mustBe>…`. */
  mustBe: string;
  /** Values that are not UUIDs but are right here: they must get past the check (whatever the service then answers). */
  legitimate?: readonly string[];
  /** Probes for an id on a field below the root, which `rootFieldIdProbes` cannot generate. */
  probes?: readonly IdProbe[];
}

/** Tenants, organizations, departments, users, API keys, custom roles, events: PostgreSQL uuid columns. */
const UUID: MalformedIdCase = { malformed: 'not-a-uuid', mustBe: 'a UUID' };
/** A custom role's UUID, or a built-in role's name (`RoleService.roleView`). */
const ROLE_ID: MalformedIdCase = { malformed: 'not-a-role', mustBe: 'a UUID or a built-in role name', legitimate: ['member', 'tenant-admin'] };
/** Who caused an event: a user or API key UUID, or a service's name for SYSTEM actors (audit's actor_id is text). */
const ACTOR_ID: MalformedIdCase = { malformed: 'not an actor!', mustBe: 'a user or API key UUID, or the name of a Lattice service', legitimate: ['identity'] };
/** What an event is about: a UUID, or a configuration slot (`slotId`), as audit's records hold it. */
const AGGREGATE_ID: MalformedIdCase = {
  malformed: 'not an aggregate!',
  mustBe: 'an aggregate id: a UUID, or a configuration slot',
  legitimate: ['TENANT:01a21000-0000-7000-8000-00000000abcd:billing.plan'],
};

/**
 * One entry per ID argument and ID input field of the supergraph, by schema coordinate: the suite fails when one is
 * missing (a new id nobody decided the format of) or stale. Requests are generated from the supergraph.
 */
export const MALFORMED_ID_CASES: Record<string, MalformedIdCase> = {
  'ArchiveDepartmentInput.id': UUID,
  'ArchiveOrganizationInput.id': UUID,
  'AuditEventFilter.actorId': ACTOR_ID,
  'AuditEventSubscriptionFilter.aggregateId': AGGREGATE_ID,
  'ConfigurationScopeInput.id': UUID,
  'CreateDepartmentInput.organizationId': UUID,
  'CreateDepartmentInput.parentId': UUID,
  'CreateOrganizationInput.tenantId': UUID,
  'CreateRoleInput.tenantId': UUID,
  'CreateUserInput.departmentId': UUID,
  'CreateUserInput.organizationId': UUID,
  'CreateUserInput.tenantId': UUID,
  'DeleteRoleInput.id': ROLE_ID,
  'DeleteUserInput.id': UUID,
  'MoveDepartmentInput.id': UUID,
  'MoveDepartmentInput.parentId': UUID,
  'Query.apiKeys(tenantId:)': UUID,
  'Query.auditEvent(id:)': UUID,
  'Query.auditEvents(tenantId:)': UUID,
  'Query.department(id:)': UUID,
  'Query.departments(organizationId:)': UUID,
  'Query.effectiveConfiguration(departmentId:)': UUID,
  'Query.effectiveConfiguration(organizationId:)': UUID,
  'Query.effectiveConfiguration(tenantId:)': UUID,
  'Query.organization(id:)': UUID,
  'Query.organizations(tenantId:)': UUID,
  'Query.roles(tenantId:)': UUID,
  'Query.tenant(id:)': UUID,
  'Query.user(id:)': UUID,
  'Query.users(tenantId:)': UUID,
  'Query.verifyAuditChain(tenantId:)': UUID,
  'ReactivateTenantInput.id': UUID,
  'ReactivateUserInput.id': UUID,
  'RenameOrganizationInput.id': UUID,
  'RevokeApiKeyInput.id': UUID,
  'RoleAssignmentInput.roleId': ROLE_ID,
  'RoleAssignmentInput.userId': UUID,
  'RoleScopeInput.id': UUID,
  'SuspendTenantInput.id': UUID,
  'Subscription.departmentChanged(id:)': UUID,
  'Subscription.organizationChanged(id:)': UUID,
  'Subscription.tenantChanged(id:)': UUID,
  'Subscription.userChanged(id:)': UUID,
  'SuspendUserInput.id': UUID,
  'UpdateRoleInput.id': ROLE_ID,
  'UpdateUserInput.departmentId': UUID,
  'UpdateUserInput.id': UUID,
  'UpdateUserInput.organizationId': UUID,
  'UsersFilter.departmentId': UUID,
  'UsersFilter.organizationId': UUID,
};
