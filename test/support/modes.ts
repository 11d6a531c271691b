import type { PlatformMode } from './platform';

/** The modes an end-to-end suite runs in: always embedded; distributed when global setup found PostgreSQL and Redis. */
export function platformModes(): PlatformMode[] {
  return process.env.LATTICE_TEST_DISTRIBUTED === 'available' ? ['embedded', 'distributed'] : ['embedded'];
}
