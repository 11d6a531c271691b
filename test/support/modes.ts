import type { PlatformMode } from './platform';

/** Global setup found real PostgreSQL and Redis (see global-setup.ts), so distributed-mode suites run. */
export function distributedAvailable(): boolean {
  return process.env.LATTICE_TEST_DISTRIBUTED === 'available';
}

/** The modes an end-to-end suite runs in: always embedded; distributed when global setup found PostgreSQL and Redis. */
export function platformModes(): PlatformMode[] {
  return distributedAvailable() ? ['embedded', 'distributed'] : ['embedded'];
}

/**
 * One mode for a suite whose subject works the same way in both: distributed when it can run (the one with several
 * processes and Redis), else embedded. Keeps CI's run short; the embedded path is covered by the suite's unit tests.
 */
export function mostRevealingMode(): PlatformMode[] {
  return distributedAvailable() ? ['distributed'] : ['embedded'];
}
