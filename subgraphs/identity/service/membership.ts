import { scopedGrantsFor } from '../../../infrastructure/authorization/grants';
import { hasPermission, PERMISSIONS, type Permission } from '../../../infrastructure/authorization/permissions';
import type { Principal } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { UserScope } from '../store/identity-store';
import type { RoleName } from './roles';
import type { TenantDirectory } from './tenant-directory';

export interface Placement {
  organizationId: string | null;
  departmentId: string | null;
}

/**
 * Which of its tenant's users a caller administers. Tenant admins (and readers without an admin role) cover the
 * tenant; an organization admin only their organization; a department admin only their department's subtree.
 */
export async function administeredScope(principal: Principal, directory: TenantDirectory, permission: Permission = PERMISSIONS.usersRead): Promise<UserScope> {
  if (!hasPermission(principal, permission)) {
    // No tenant-wide permission: only what roles assigned at organizations and departments reach.
    const grants = scopedGrantsFor(principal, permission);
    const departments = await Promise.all(grants.filter((g) => g.level === 'DEPARTMENT').map((g) => directory.departmentSubtree(g.id)));
    return { kind: 'units', organizationIds: grants.filter((g) => g.level === 'ORGANIZATION').map((g) => g.id), departmentIds: [...new Set(departments.flat())] };
  }
  const scoped = !principal.roles.includes('tenant-admin') && !hasPermission(principal, PERMISSIONS.platformAdmin);
  if (scoped && principal.roles.includes('organization-admin')) {
    return principal.organizationId ? { kind: 'organization', organizationId: principal.organizationId } : { kind: 'departments', departmentIds: [] };
  }
  if (scoped && principal.roles.includes('department-admin')) {
    return { kind: 'departments', departmentIds: principal.departmentId ? await directory.departmentSubtree(principal.departmentId) : [] };
  }
  return { kind: 'tenant' };
}

/**
 * Where a new user goes inside `tenantId`. The organization and department must be live and in that tenant;
 * one from elsewhere is NOT_FOUND (it is not yours to name). A department fixes the organization.
 */
export async function resolvePlacement(
  tenantId: string | null,
  input: { organizationId?: string | null; departmentId?: string | null },
  directory: TenantDirectory,
): Promise<Placement> {
  if (!input.organizationId && !input.departmentId) return { organizationId: null, departmentId: null };
  if (tenantId === null) throw errors.badInput('input.organizationId', 'platform users belong to no organization or department');
  if (input.departmentId) {
    const department = await directory.findDepartment(input.departmentId);
    if (!department || department.tenantId !== tenantId) throw errors.notFound('department', input.departmentId);
    if (input.organizationId && input.organizationId !== department.organizationId) {
      throw errors.badInput('input.departmentId', 'the department belongs to another organization than input.organizationId');
    }
    if (department.status !== 'ACTIVE') throw errors.badInput('input.departmentId', 'the department is archived');
    return { organizationId: department.organizationId, departmentId: department.id };
  }
  const organization = await directory.findOrganization(input.organizationId!);
  if (!organization || organization.tenantId !== tenantId) throw errors.notFound('organization', input.organizationId!);
  if (organization.status !== 'ACTIVE') throw errors.badInput('input.organizationId', 'the organization is archived');
  return { organizationId: organization.id, departmentId: null };
}

/** Scoped admin roles need the unit they administer. */
export function checkRolePlacement(roles: readonly RoleName[], placement: Placement): void {
  if (roles.includes('organization-admin') && !placement.organizationId) {
    throw errors.badInput('input.roles', 'organization-admin needs input.organizationId');
  }
  if (roles.includes('department-admin') && !placement.departmentId) {
    throw errors.badInput('input.roles', 'department-admin needs input.departmentId');
  }
}

/** A scoped admin may only place users inside their scope, and grant no role above their own. */
export function checkWithinScope(scope: UserScope, roles: readonly RoleName[], placement: Placement): void {
  if (scope.kind === 'tenant') return;
  if (!isInside(scope, placement)) {
    throw errors.forbidden(`you can only place users inside the ${scope.kind === 'organization' ? 'organization' : scope.kind === 'units' ? 'organizations and departments' : 'department subtree'} you administer`);
  }
  // Roles assigned below tenant level never reach the built-in admin roles.
  const grantable: readonly RoleName[] = scope.kind === 'organization' ? ['member', 'department-admin'] : ['member'];
  const excess = roles.filter((role) => !grantable.includes(role));
  if (excess.length > 0) throw errors.forbidden(`you cannot grant ${excess.join(', ')}`);
}

/** Is a user placed at `placement` inside what `scope` covers? */
export function isInside(scope: UserScope, placement: Placement): boolean {
  switch (scope.kind) {
    case 'tenant':
      return true;
    case 'organization':
      return placement.organizationId === scope.organizationId;
    case 'departments':
      return placement.departmentId !== null && scope.departmentIds.includes(placement.departmentId);
    case 'units':
      return (
        (placement.organizationId !== null && scope.organizationIds.includes(placement.organizationId)) ||
        (placement.departmentId !== null && scope.departmentIds.includes(placement.departmentId))
      );
  }
}
