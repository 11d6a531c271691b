import { isPermission, PLATFORM_ONLY_PERMISSIONS, ALL_PERMISSIONS, type Permission } from '../../../infrastructure/authorization/permissions';
import { errors } from '../../../infrastructure/errors/error-codes';

export const API_KEY_NAME_MAX_LENGTH = 100;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Keys expire: 90 days unless the creator says otherwise, and never later than a year. */
export const API_KEY_DEFAULT_LIFETIME_MS = 90 * DAY_MS;
export const API_KEY_MAX_LIFETIME_MS = 365 * DAY_MS;

/** Pure input rules for a new API key; each failure names the field and what would be accepted. */
export function validateApiKeyName(field: string, name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > API_KEY_NAME_MAX_LENGTH) {
    throw errors.badInput(field, `must be 1 to ${API_KEY_NAME_MAX_LENGTH} characters after trimming (got ${trimmed.length})`);
  }
  return trimmed;
}

/**
 * The permissions a key may carry: registered ones (else BAD_USER_INPUT), each held by its creator (else
 * FORBIDDEN naming it: a key never outranks whoever made it), and never a platform-only one.
 */
export function checkApiKeyPermissions(field: string, requested: readonly string[], held: readonly string[]): Permission[] {
  const unique = [...new Set(requested)];
  if (unique.length === 0) throw errors.badInput(field, 'must name at least one permission');
  const unknown = unique.filter((p) => !isPermission(p));
  if (unknown.length > 0) {
    throw errors.badInput(field, `${unknown.map((p) => JSON.stringify(p.slice(0, 60))).join(', ')} ${unknown.length === 1 ? 'is not a permission' : 'are not permissions'}; use some of ${ALL_PERMISSIONS.join(', ')}`);
  }
  const notHeld = unique.filter((p) => !held.includes(p));
  if (notHeld.length > 0) throw errors.forbidden(`you cannot give an API key ${notHeld.join(', ')}: you do not hold ${notHeld.length === 1 ? 'it' : 'them'}`);
  const platformOnly = unique.filter((p) => PLATFORM_ONLY_PERMISSIONS.includes(p as Permission));
  if (platformOnly.length > 0) throw errors.badInput(field, `${platformOnly.join(', ')} can never be given to an API key`);
  return (unique as Permission[]).sort();
}

/** When the key stops working: in the future, at most a year away; 90 days when not given. */
export function resolveApiKeyExpiry(field: string, expiresAt: Date | null | undefined, now: Date): Date {
  if (expiresAt === null || expiresAt === undefined) return new Date(now.getTime() + API_KEY_DEFAULT_LIFETIME_MS);
  const at = expiresAt.getTime();
  if (Number.isNaN(at)) throw errors.badInput(field, 'must be a date-time like 2030-01-31T00:00:00Z');
  if (at <= now.getTime()) throw errors.badInput(field, `must be in the future (got ${expiresAt.toISOString()})`);
  if (at > now.getTime() + API_KEY_MAX_LIFETIME_MS) {
    throw errors.badInput(field, `must be at most 365 days from now, i.e. before ${new Date(now.getTime() + API_KEY_MAX_LIFETIME_MS).toISOString()}`);
  }
  return expiresAt;
}
