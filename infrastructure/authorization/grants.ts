import type { Principal } from '../context/request-context';
import { PERMISSIONS, type Permission } from './permissions';

export type GrantLevel = 'TENANT' | 'ORGANIZATION' | 'DEPARTMENT';

/** Permissions a user holds at one scope through a role assignment; access tokens carry them as `grants`. */
export interface ScopedGrant {
  level: GrantLevel;
  /** The tenant, organization or department id. */
  id: string;
  permissions: string[];
}

/** What an object sits in: its tenant, and for narrower objects their organization and department ancestry. */
export interface GrantTarget {
  tenantId: string | null;
  organizationId?: string | null;
  /** The department and all its ancestors, when the object is or belongs to a department. */
  departmentPath?: readonly string[];
}

function contains(grant: ScopedGrant, target: GrantTarget): boolean {
  if (grant.level === 'TENANT') return grant.id === target.tenantId;
  if (grant.level === 'ORGANIZATION') return target.organizationId === grant.id;
  return target.departmentPath?.includes(grant.id) ?? false;
}

/**
 * Does the principal hold `permission` on an object at `target`? Tenant-wide permissions (built-in roles, tenant
 * grants) cover their tenant; a grant at an organization or department covers only what lies inside it.
 * `platform:admin` covers everything.
 */
export function hasPermissionAt(principal: Principal, permission: Permission, target: GrantTarget): boolean {
  if (principal.permissions.includes(PERMISSIONS.platformAdmin)) return true;
  if (target.tenantId === null || principal.tenantId !== target.tenantId) return false;
  if (principal.permissions.includes(permission)) return true;
  return (principal.grants ?? []).some((grant) => grant.permissions.includes(permission) && contains(grant, target));
}

/** The grants that give `permission` below tenant level: the units a scoped holder may act in. */
export function scopedGrantsFor(principal: Principal, permission: Permission): ScopedGrant[] {
  return (principal.grants ?? []).filter((grant) => grant.level !== 'TENANT' && grant.permissions.includes(permission));
}

/**
 * Every permission the principal holds anywhere: what the gateway checks `@requiresScopes` against (it cannot
 * know which object a field touches; subgraphs check that with hasPermissionAt).
 */
export function effectivePermissions(principal: Principal): Set<string> {
  const all = new Set<string>(principal.permissions);
  for (const grant of principal.grants ?? []) for (const permission of grant.permissions) all.add(permission);
  return all;
}
