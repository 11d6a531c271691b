import { ALL_PERMISSIONS, PERMISSIONS, PLATFORM_PERMISSIONS, type Permission } from '../../../infrastructure/authorization/permissions';

/** The built-in roles and the fixed permission set each grants. Custom roles come with the identity-and-access work. */
export const BUILT_IN_ROLES = {
  'platform-admin': ALL_PERMISSIONS,
  'tenant-admin': ALL_PERMISSIONS.filter((p) => !PLATFORM_PERMISSIONS.includes(p)),
  // Scoped admins: the same permissions as a tenant admin has for users, narrowed by UserService to their
  // organization, or to their department's subtree.
  'organization-admin': [PERMISSIONS.tenantsRead, PERMISSIONS.usersRead, PERMISSIONS.usersWrite, PERMISSIONS.organizationsRead, PERMISSIONS.configRead],
  'department-admin': [PERMISSIONS.tenantsRead, PERMISSIONS.usersRead, PERMISSIONS.usersWrite, PERMISSIONS.organizationsRead, PERMISSIONS.configRead],
  member: [PERMISSIONS.tenantsRead, PERMISSIONS.usersRead, PERMISSIONS.organizationsRead, PERMISSIONS.configRead],
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
