import { In, IsNull, type EntityManager } from 'typeorm';
import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { isUniqueViolation } from '../../../infrastructure/database/postgres-errors';
import { CreateIdentity1732500000000 } from './migrations/1732500000000-create-identity';
import { UserMembership1732700000000 } from './migrations/1732700000000-user-membership';
import { IdentityRowLevelSecurity1732900000000 } from './migrations/1732900000000-row-level-security';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SigningKeyEntity } from './signing-key.entity';
import { UserEntity } from './user.entity';

export const IDENTITY_ENTITIES = [UserEntity, SigningKeyEntity, RefreshTokenEntity];
export const IDENTITY_MIGRATIONS = [CreateIdentity1732500000000, UserMembership1732700000000, IdentityRowLevelSecurity1732900000000];

export class DuplicateEmailError extends Error {}

/** Which of a tenant's users a list covers. */
export type UserScope = { kind: 'tenant' } | { kind: 'organization'; organizationId: string } | { kind: 'departments'; departmentIds: string[] };

const usersOf = (manager: EntityManager) => manager.getRepository(UserEntity);
const keysOf = (manager: EntityManager) => manager.getRepository(SigningKeyEntity);

/**
 * All SQL the identity subgraph runs, in the row scope it was given: a tenant scope sees that tenant's users and
 * refresh tokens only; platform users and signing keys need platform scope (row-level security enforces both).
 */
export class IdentityStore {
  constructor(private readonly db: ScopedDatabase) {}

  findUsersByIds(ids: readonly string[]): Promise<UserEntity[]> {
    return this.db.run((m) => usersOf(m).findBy({ id: In([...ids]) }));
  }

  findUserByEmail(tenantId: string | null, emailNormalized: string): Promise<UserEntity | null> {
    return this.db.run((m) => usersOf(m).findOneBy({ tenantId: tenantId ?? IsNull(), emailNormalized }));
  }

  /**
   * Keyset page of one tenant's users (or platform users when tenantId is null), ordered by id, optionally
   * narrowed to one organization or to a set of departments.
   */
  listUsers(tenantId: string | null, afterId: string | null, limit: number, within: UserScope = { kind: 'tenant' }): Promise<UserEntity[]> {
    return this.db.run((m) => {
      const query = usersOf(m).createQueryBuilder('u').orderBy('u.id', 'ASC').take(limit);
      if (tenantId === null) query.where('u.tenant_id IS NULL');
      else query.where('u.tenant_id = :tenantId', { tenantId });
      if (within.kind === 'organization') query.andWhere('u.organization_id = :organizationId', { organizationId: within.organizationId });
      if (within.kind === 'departments') query.andWhere('u.department_id = ANY(:departmentIds)', { departmentIds: within.departmentIds });
      if (afterId) query.andWhere('u.id > :afterId', { afterId });
      return query.getMany();
    });
  }

  countPlatformAdmins(): Promise<number> {
    return this.db.run((m) =>
      usersOf(m)
        .createQueryBuilder('u')
        .where('u.tenant_id IS NULL')
        .andWhere(`'platform-admin' = ANY(u.roles)`)
        .getCount(),
    );
  }

  async insertUser(user: UserEntity): Promise<void> {
    try {
      await this.db.run((m) => usersOf(m).insert(user));
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError();
      throw error;
    }
  }

  activeSigningKey(): Promise<SigningKeyEntity | null> {
    return this.db.run((m) => keysOf(m).findOne({ where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } }));
  }

  /** Keys still published: the active one and those retired less than `graceMs` ago (their tokens may still be valid). */
  async publishedSigningKeys(graceMs: number): Promise<SigningKeyEntity[]> {
    return this.db.run((m) =>
      keysOf(m)
        .createQueryBuilder('k')
        .where('k.retired_at IS NULL OR k.retired_at > :since', { since: new Date(Date.now() - graceMs) })
        .orderBy('k.created_at', 'DESC')
        .getMany(),
    );
  }

  /** Inserts the key unless another replica won the race; either way returns the key that is active afterwards. */
  async insertSigningKeyIfNoneActive(key: SigningKeyEntity): Promise<SigningKeyEntity> {
    return this.db.run(async (manager) => {
      // Serialises first-start key creation across identity replicas sharing one database.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('lattice.signing_keys'))`);
      const existing = await manager.findOne(SigningKeyEntity, { where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
      if (existing) return existing;
      await manager.insert(SigningKeyEntity, key);
      return key;
    });
  }

  async insertRefreshToken(token: RefreshTokenEntity): Promise<void> {
    await this.db.run((m) => m.getRepository(RefreshTokenEntity).insert(token));
  }
}
