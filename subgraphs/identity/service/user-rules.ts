import { errors } from '../../../infrastructure/errors/error-codes';
import { isRoleName, PLATFORM_ROLES, TENANT_ROLES, type RoleName } from './roles';

export const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
export const DISPLAY_NAME_MAX_LENGTH = 100;

/** Pure input rules for a new user; each failure names the field and what would be accepted. */
export function normalizeEmail(field: string, email: string): { email: string; normalized: string } {
  const trimmed = email.trim();
  if (trimmed.length > 254 || !EMAIL_PATTERN.test(trimmed)) {
    throw errors.badInput(field, `must be an e-mail address like name@example.com (got ${JSON.stringify(email.slice(0, 80))})`);
  }
  return { email: trimmed, normalized: trimmed.toLowerCase() };
}

export function validateDisplayName(field: string, displayName: string): string {
  const trimmed = displayName.trim();
  if (trimmed.length < 1 || trimmed.length > DISPLAY_NAME_MAX_LENGTH) {
    throw errors.badInput(field, `must be 1 to ${DISPLAY_NAME_MAX_LENGTH} characters after trimming (got ${trimmed.length})`);
  }
  return trimmed;
}

/** Tenant users hold tenant roles; platform users hold platform roles. Defaults to `member` in a tenant. */
export function validateRoles(field: string, roles: readonly string[] | null | undefined, platformUser: boolean): RoleName[] {
  const allowed = platformUser ? PLATFORM_ROLES : TENANT_ROLES;
  const requested = roles && roles.length > 0 ? [...new Set(roles)] : platformUser ? ['platform-admin'] : ['member'];
  for (const role of requested) {
    if (!isRoleName(role) || !allowed.includes(role)) {
      throw errors.badInput(
        field,
        `${JSON.stringify(role)} is not a role a ${platformUser ? 'platform' : 'tenant'} user can hold; use one of ${allowed.join(', ')}`,
      );
    }
  }
  return requested as RoleName[];
}

const FILTER_STATUSES = ['ACTIVE', 'SUSPENDED', 'DEACTIVATED', 'DELETED'] as const;
export const USER_SEARCH_MAX_LENGTH = 100;

/** A users list filter, trimmed; an empty search is no search. */
export function validateUserFilter(
  field: string,
  filter: { status?: string | null; organizationId?: string | null; departmentId?: string | null; search?: string | null } | null | undefined,
): { status?: (typeof FILTER_STATUSES)[number] | null; organizationId?: string | null; departmentId?: string | null; search?: string | null } {
  if (!filter) return {};
  const status = filter.status ?? null;
  if (status !== null && !(FILTER_STATUSES as readonly string[]).includes(status)) throw errors.badInput(`${field}.status`, `must be one of ${FILTER_STATUSES.join(', ')}`);
  const search = filter.search?.trim() ?? '';
  if (search.length > USER_SEARCH_MAX_LENGTH) throw errors.badInput(`${field}.search`, `must be at most ${USER_SEARCH_MAX_LENGTH} characters (got ${search.length})`);
  return {
    status: status as (typeof FILTER_STATUSES)[number] | null,
    organizationId: filter.organizationId ?? null,
    departmentId: filter.departmentId ?? null,
    search: search === '' ? null : search,
  };
}
