import { errors } from '../errors/error-codes';
import type { Principal } from '../context/request-context';

/**
 * The one registry of permission strings. Roles (built-in or a tenant's custom ones) are named sets of these,
 * access tokens and API keys carry them, and the gateway enforces them as federation scopes.
 */
export const PERMISSIONS = {
  usersRead: 'users:read',
  /** Create, update, suspend and delete users. */
  usersWrite: 'users:write',
  rolesRead: 'roles:read',
  /** Define custom roles and assign or revoke roles. */
  rolesWrite: 'roles:write',
  tenantsRead: 'tenants:read',
  /** Create, suspend and reactivate tenants: platform only. */
  tenantsWrite: 'tenants:write',
  organizationsRead: 'organizations:read',
  /** Organizations and departments: create, rename, move, archive. */
  organizationsWrite: 'organizations:write',
  configRead: 'config:read',
  configWrite: 'config:write',
  auditRead: 'audit:read',
  apiKeysRead: 'apikeys:read',
  apiKeysWrite: 'apikeys:write',
  /** Reach every tenant (and GLOBAL configuration): the platform operator's permission. */
  platformAdmin: 'platform:admin',
  /** The schema registry (schema/registry): read subgraph versions and the supergraph. */
  schemaRead: 'schema:read',
  /** Run a schema check: composition, changes, the operations clients run, lint. */
  schemaCheck: 'schema:check',
  /** Publish a subgraph version, which becomes the running gateways' supergraph. */
  schemaPublish: 'schema:publish',
} as const;

export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(PERMISSIONS);

/** Permissions only the platform may hold: a tenant's custom role or API key can never carry them. */
export const PLATFORM_ONLY_PERMISSIONS: readonly Permission[] = [PERMISSIONS.platformAdmin, PERMISSIONS.tenantsWrite];

/**
 * The schema registry's permissions: the platform's, never a tenant's (a tenant admin does not hold them, and no
 * tenant role may carry them), but unlike PLATFORM_ONLY_PERMISSIONS a platform admin may put one on an API key,
 * so a team's CI can check or publish with exactly that.
 */
export const SCHEMA_PERMISSIONS: readonly Permission[] = [PERMISSIONS.schemaRead, PERMISSIONS.schemaCheck, PERMISSIONS.schemaPublish];

/** What no tenant's role (built-in or custom) can hold. */
export const PLATFORM_PERMISSIONS: readonly Permission[] = [...PLATFORM_ONLY_PERMISSIONS, ...SCHEMA_PERMISSIONS];

export function isPermission(value: string): value is Permission {
  return (ALL_PERMISSIONS as readonly string[]).includes(value);
}

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

/** Platform admins reach every tenant. */
export function reachesEveryTenant(principal: Principal): boolean {
  return hasPermission(principal, PERMISSIONS.platformAdmin);
}

/**
 * May the caller act on data of `tenantId`? Their own tenant needs `permission`; any other tenant (or platform
 * scope) needs platform:admin. The answer never depends on whether the target exists, so it leaks nothing.
 */
export function requireTenantAccess(principal: Principal, tenantId: string | null, permission: Permission): void {
  requireSignedIn(principal);
  if (reachesEveryTenant(principal)) return;
  if (tenantId !== null && principal.tenantId === tenantId && hasPermission(principal, permission)) return;
  throw errors.forbidden(
    tenantId !== null && principal.tenantId !== tenantId
      ? 'cross-tenant access is not allowed: you can only reach your own tenant'
      : `missing permission ${permission}`,
  );
}
