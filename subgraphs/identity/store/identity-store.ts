import { In, IsNull, type DataSource, type Repository } from 'typeorm';
import { isUniqueViolation } from '../../../infrastructure/database/postgres-errors';
import { CreateIdentity1732500000000 } from './migrations/1732500000000-create-identity';
import { UserMembership1732700000000 } from './migrations/1732700000000-user-membership';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SigningKeyEntity } from './signing-key.entity';
import { UserEntity } from './user.entity';

export const IDENTITY_ENTITIES = [UserEntity, SigningKeyEntity, RefreshTokenEntity];
export const IDENTITY_MIGRATIONS = [CreateIdentity1732500000000, UserMembership1732700000000];

export class DuplicateEmailError extends Error {}

/** Which of a tenant's users a list covers. */
export type UserScope = { kind: 'tenant' } | { kind: 'organization'; organizationId: string } | { kind: 'departments'; departmentIds: string[] };

/** All SQL the identity subgraph runs. */
export class IdentityStore {
  private readonly users: Repository<UserEntity>;
  private readonly keys: Repository<SigningKeyEntity>;
  private readonly refreshTokens: Repository<RefreshTokenEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.users = dataSource.getRepository(UserEntity);
    this.keys = dataSource.getRepository(SigningKeyEntity);
    this.refreshTokens = dataSource.getRepository(RefreshTokenEntity);
  }

  findUsersByIds(ids: readonly string[]): Promise<UserEntity[]> {
    return this.users.findBy({ id: In([...ids]) });
  }

  findUserByEmail(tenantId: string | null, emailNormalized: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ tenantId: tenantId ?? IsNull(), emailNormalized });
  }

  /**
   * Keyset page of one tenant's users (or platform users when tenantId is null), ordered by id, optionally
   * narrowed to one organization or to a set of departments.
   */
  listUsers(tenantId: string | null, afterId: string | null, limit: number, within: UserScope = { kind: 'tenant' }): Promise<UserEntity[]> {
    const query = this.users.createQueryBuilder('u').orderBy('u.id', 'ASC').take(limit);
    if (tenantId === null) query.where('u.tenant_id IS NULL');
    else query.where('u.tenant_id = :tenantId', { tenantId });
    if (within.kind === 'organization') query.andWhere('u.organization_id = :organizationId', { organizationId: within.organizationId });
    if (within.kind === 'departments') query.andWhere('u.department_id = ANY(:departmentIds)', { departmentIds: within.departmentIds });
    if (afterId) query.andWhere('u.id > :afterId', { afterId });
    return query.getMany();
  }

  countPlatformAdmins(): Promise<number> {
    return this.users
      .createQueryBuilder('u')
      .where('u.tenant_id IS NULL')
      .andWhere(`'platform-admin' = ANY(u.roles)`)
      .getCount();
  }

  async insertUser(user: UserEntity): Promise<void> {
    try {
      await this.users.insert(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateEmailError();
      throw error;
    }
  }

  activeSigningKey(): Promise<SigningKeyEntity | null> {
    return this.keys.findOne({ where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  /** Keys still published: the active one and those retired less than `graceMs` ago (their tokens may still be valid). */
  async publishedSigningKeys(graceMs: number): Promise<SigningKeyEntity[]> {
    return this.keys
      .createQueryBuilder('k')
      .where('k.retired_at IS NULL OR k.retired_at > :since', { since: new Date(Date.now() - graceMs) })
      .orderBy('k.created_at', 'DESC')
      .getMany();
  }

  /** Inserts the key unless another replica won the race; either way returns the key that is active afterwards. */
  async insertSigningKeyIfNoneActive(key: SigningKeyEntity): Promise<SigningKeyEntity> {
    return this.dataSource.transaction(async (manager) => {
      // Serialises first-start key creation across identity replicas sharing one database.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('lattice.signing_keys'))`);
      const existing = await manager.findOne(SigningKeyEntity, { where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
      if (existing) return existing;
      await manager.insert(SigningKeyEntity, key);
      return key;
    });
  }

  async insertRefreshToken(token: RefreshTokenEntity): Promise<void> {
    await this.refreshTokens.insert(token);
  }
}
