import type { PlatformMode } from './platform';

/** Global setup found real PostgreSQL and Redis (see global-setup.ts), so distributed-mode suites run. */
export function distributedAvailable(): boolean {
  return process.env.LATTICE_TEST_DISTRIBUTED === 'available';
}

/** The modes an end-to-end suite runs in: always embedded; distributed when global setup found PostgreSQL and Redis. */
export function platformModes(): PlatformMode[] {
  return distributedAvailable() ? ['embedded', 'distributed'] : ['embedded'];
}
