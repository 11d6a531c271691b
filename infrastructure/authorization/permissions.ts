import { errors } from '../errors/error-codes';
import type { Principal } from '../context/request-context';

/** Every permission string the platform checks. Roles (owned by identity) are named sets of these. */
export const PERMISSIONS = {
  tenantCreate: 'tenant:create',
  /** Suspend and reactivate tenants. */
  tenantManage: 'tenant:manage',
  tenantRead: 'tenant:read',
  tenantReadAny: 'tenant:read:any',
  userRead: 'user:read',
  userReadAny: 'user:read:any',
  userCreate: 'user:create',
  userCreateAny: 'user:create:any',
  auditRead: 'audit:read',
  auditReadAny: 'audit:read:any',
  organizationRead: 'organization:read',
  organizationReadAny: 'organization:read:any',
  organizationWrite: 'organization:write',
  organizationWriteAny: 'organization:write:any',
  /** Scoped configuration: read effective values in your tenant; write them there; write GLOBAL ones and any tenant's. */
  configRead: 'config:read',
  configWrite: 'config:write',
  configWriteAny: 'config:write:any',
} as const;

export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return principal.permissions.includes(permission);
}

/** The caller must be signed in: anonymous requests are UNAUTHENTICATED, not FORBIDDEN. */
export function requireSignedIn(principal: Principal): asserts principal is Principal & { subject: string } {
  if (principal.kind === 'ANONYMOUS' || principal.subject === null) throw errors.unauthenticated();
}

export function requirePermission(principal: Principal, permission: Permission): void {
  requireSignedIn(principal);
  if (!hasPermission(principal, permission)) throw errors.forbidden(`missing permission ${permission}`);
}

/**
 * May the caller act on data of `tenantId`? Their own tenant needs `permission`; any other tenant (or platform
 * scope) needs its `:any` variant. The answer never depends on whether the target exists, so it leaks nothing.
 */
export function requireTenantAccess(principal: Principal, tenantId: string | null, permission: Permission, anyPermission: Permission): void {
  requireSignedIn(principal);
  if (hasPermission(principal, anyPermission)) return;
  if (tenantId !== null && principal.tenantId === tenantId && hasPermission(principal, permission)) return;
  throw errors.forbidden(
    tenantId !== null && principal.tenantId !== tenantId
      ? 'cross-tenant access is not allowed: you can only reach your own tenant'
      : `missing permission ${permission}`,
  );
}
