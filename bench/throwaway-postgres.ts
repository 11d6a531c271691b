import { Client } from 'pg';
import { createTestDatabases, TEST_POSTGRES_URL, type TestDatabases } from '../test/support/infrastructure';

export type ThrowawayPostgres<N extends string> = { available: true; databases: TestDatabases<N> } | { available: false; reason: string };

/**
 * Fresh databases on the machine's PostgreSQL (LATTICE_TEST_POSTGRES_URL, as the tests use), or why there are none,
 * so a scenario can fall back to PGlite and say so. The caller drops them.
 */
export async function throwawayPostgres<N extends string>(names: readonly N[]): Promise<ThrowawayPostgres<N>> {
  const probe = new Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  try {
    await probe.connect();
  } catch (error) {
    return { available: false, reason: `no PostgreSQL at ${TEST_POSTGRES_URL.replace(/\/\/[^/@]*@/, '//***@')} (${error instanceof Error ? error.message : String(error)})` };
  } finally {
    await probe.end().catch(() => undefined);
  }
  return { available: true, databases: await createTestDatabases(TEST_POSTGRES_URL, names) };
}
