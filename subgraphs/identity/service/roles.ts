import { PERMISSIONS, type Permission } from '../../../infrastructure/authorization/permissions';

/** The built-in roles and the fixed permission set each grants. Custom roles come with the identity-and-access work. */
export const BUILT_IN_ROLES = {
  'platform-admin': [
    PERMISSIONS.tenantCreate,
    PERMISSIONS.tenantManage,
    PERMISSIONS.tenantRead,
    PERMISSIONS.tenantReadAny,
    PERMISSIONS.userRead,
    PERMISSIONS.userReadAny,
    PERMISSIONS.userCreate,
    PERMISSIONS.userCreateAny,
    PERMISSIONS.auditRead,
    PERMISSIONS.auditReadAny,
    PERMISSIONS.organizationRead,
    PERMISSIONS.organizationReadAny,
    PERMISSIONS.organizationWrite,
    PERMISSIONS.organizationWriteAny,
    PERMISSIONS.configRead,
    PERMISSIONS.configWrite,
    PERMISSIONS.configWriteAny,
  ],
  'tenant-admin': [
    PERMISSIONS.tenantRead,
    PERMISSIONS.userRead,
    PERMISSIONS.userCreate,
    PERMISSIONS.auditRead,
    PERMISSIONS.organizationRead,
    PERMISSIONS.organizationWrite,
    PERMISSIONS.configRead,
    PERMISSIONS.configWrite,
  ],
  // Scoped admins: the same permissions as a tenant admin has for users, narrowed by UserService to their
  // organization, or to their department's subtree.
  'organization-admin': [PERMISSIONS.tenantRead, PERMISSIONS.userRead, PERMISSIONS.userCreate, PERMISSIONS.organizationRead, PERMISSIONS.configRead],
  'department-admin': [PERMISSIONS.tenantRead, PERMISSIONS.userRead, PERMISSIONS.userCreate, PERMISSIONS.organizationRead, PERMISSIONS.configRead],
  member: [PERMISSIONS.tenantRead, PERMISSIONS.userRead, PERMISSIONS.organizationRead, PERMISSIONS.configRead],
} as const satisfies Record<string, readonly Permission[]>;

export type RoleName = keyof typeof BUILT_IN_ROLES;
export const ROLE_NAMES = Object.keys(BUILT_IN_ROLES) as RoleName[];
/** Roles that only make sense inside a tenant, and the one that only makes sense on the platform. */
export const TENANT_ROLES: readonly RoleName[] = ['tenant-admin', 'organization-admin', 'department-admin', 'member'];
export const PLATFORM_ROLES: readonly RoleName[] = ['platform-admin'];

export function isRoleName(role: string): role is RoleName {
  return Object.prototype.hasOwnProperty.call(BUILT_IN_ROLES, role);
}

/** The union of the roles' permissions, sorted so tokens are stable. */
export function permissionsOf(roles: readonly string[]): Permission[] {
  const granted = new Set<Permission>();
  for (const role of roles) if (isRoleName(role)) for (const p of BUILT_IN_ROLES[role]) granted.add(p);
  return [...granted].sort();
}
