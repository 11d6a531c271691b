/** PostgreSQL's SQLSTATE for a unique-constraint violation. */
const UNIQUE_VIOLATION = '23505';

/** True when TypeORM wraps a unique-constraint violation: the caller turns it into its domain's CONFLICT. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { driverError?: { code?: string } } | null)?.driverError?.code === UNIQUE_VIOLATION;
}
