import { randomBytes } from 'node:crypto';
import type { LatticeConfig } from '../../../infrastructure/config/config';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { IdentityStore } from '../store/identity-store';
import { DuplicateEmailError } from '../store/identity-store';
import { checkPasswordPolicy } from './password-policy';
import { hashPassword } from './passwords';
import { normalizeEmail } from './user-rules';

export const DEFAULT_ADMIN_EMAIL = 'admin@lattice.local';

/**
 * On first start, creates the platform admin from LATTICE_ADMIN_EMAIL / LATTICE_ADMIN_PASSWORD. The embedded
 * platform invents a password when none is given and prints it once on stdout: the only secret ever printed,
 * deliberately outside the logger. A distributed identity service refuses to start without the variables.
 */
export async function seedPlatformAdmin(
  store: IdentityStore,
  config: LatticeConfig,
  logger: Logger,
  announce: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  if ((await store.countPlatformAdmins()) > 0) return;
  const embedded = config.role === 'platform';
  if (!embedded && (!config.admin.email || !config.admin.password)) {
    throw new Error('no platform admin exists yet: set LATTICE_ADMIN_EMAIL and LATTICE_ADMIN_PASSWORD for the first start');
  }
  const { email, normalized } = normalizeEmail('LATTICE_ADMIN_EMAIL', config.admin.email ?? DEFAULT_ADMIN_EMAIL);
  const generated = config.admin.password === undefined;
  const password = config.admin.password ?? randomBytes(18).toString('base64url');
  // A configured password meets the same policy as any other: the first start refuses a weak one, naming the variable only.
  if (!generated) checkPasswordPolicy('LATTICE_ADMIN_PASSWORD', password, email);
  const now = new Date();
  try {
    await store.insertUser({
      id: uuid7(),
      tenantId: null,
      organizationId: null,
      departmentId: null,
      email,
      emailNormalized: normalized,
      displayName: 'Platform Admin',
      passwordHash: await hashPassword(password),
      status: 'ACTIVE',
      roles: ['platform-admin'],
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    // Another replica seeded it first.
    if (error instanceof DuplicateEmailError) return;
    throw error;
  }
  logger.info('platform admin created', { email });
  if (generated) {
    announce(
      `\n  Lattice platform admin created\n    e-mail:   ${email}\n    password: ${password}\n  This password is shown once. Sign in and keep it safe.\n\n`,
    );
  }
}
