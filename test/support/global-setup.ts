import { ensureTestAppLogin, TEST_REDIS_URL, testInfrastructure } from './infrastructure';

/**
 * Decides once, before any worker starts, whether the distributed suite can run (real PostgreSQL and Redis
 * reachable). Workers inherit the answer through the environment. CI sets LATTICE_REQUIRE_DISTRIBUTED=1 so a
 * missing server fails the run instead of skipping half of it.
 */
// Jest loads globalSetup through its default export.
// eslint-disable-next-line no-restricted-syntax
export default async function globalSetup(): Promise<void> {
  const infra = await testInfrastructure();
  process.env.LATTICE_TEST_REDIS = infra.redisReachable ? 'available' : 'unavailable';
  if (!infra.redisReachable) process.stdout.write(`\nRedis-backed suites SKIPPED: no Redis at ${TEST_REDIS_URL}.\n`);
  if (infra.available) {
    await ensureTestAppLogin(infra.postgresUrl);
    process.env.LATTICE_TEST_DISTRIBUTED = 'available';
    return;
  }
  if (process.env.LATTICE_REQUIRE_DISTRIBUTED === '1') {
    throw new Error(`LATTICE_REQUIRE_DISTRIBUTED=1 but the distributed suite cannot run: ${infra.reason}`);
  }
  process.env.LATTICE_TEST_DISTRIBUTED = infra.reason;
  process.stdout.write(`\nDistributed-mode suites SKIPPED: ${infra.reason}. Embedded mode still runs.\n`);
}
