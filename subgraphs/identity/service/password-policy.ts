import { errors } from '../../../infrastructure/errors/error-codes';
import { COMMON_PASSWORDS } from './common-passwords';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';

/** Fewer distinct characters than this ("aaaaaaaaaaaa", "abababababab") is a pattern, not a password. */
const MIN_DISTINCT_CHARACTERS = 4;

/** Why a password is refused, or null when it is acceptable. Pure: never mentions the password itself. */
export function passwordPolicyProblem(password: string, email: string | null): string | null {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    return `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters (got ${password.length})`;
  }
  const lowered = password.toLowerCase();
  if (email !== null) {
    const address = email.trim().toLowerCase();
    const localPart = address.split('@')[0] ?? address;
    if (lowered === address || lowered === localPart) return 'must not be the e-mail address or its part before the @';
  }
  if (COMMON_PASSWORDS.has(lowered)) return 'is one of the most commonly used passwords; choose a longer phrase of unrelated words';
  if (new Set(lowered).size < MIN_DISTINCT_CHARACTERS) return `must use at least ${MIN_DISTINCT_CHARACTERS} different characters`;
  return null;
}

/**
 * The password policy for every new password (createUser, changePassword, the seeded platform admin):
 * 12–128 characters, not a well-known password, not the account's e-mail. BAD_USER_INPUT on `field`; the
 * message never echoes the password.
 */
export function checkPasswordPolicy(field: string, password: string, email: string | null): void {
  const problem = passwordPolicyProblem(password, email);
  if (problem !== null) throw errors.badInput(field, problem);
}
