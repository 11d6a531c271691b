import { In, IsNull, Not, type EntityManager } from 'typeorm';
import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { isUniqueViolation } from '../../../infrastructure/database/postgres-errors';
import { CreateIdentity1732500000000 } from './migrations/1732500000000-create-identity';
import { UserMembership1732700000000 } from './migrations/1732700000000-user-membership';
import { IdentityRowLevelSecurity1732900000000 } from './migrations/1732900000000-row-level-security';
import { ApiKeys1733000000001 } from './migrations/1733000000001-api-keys';
import { SigningKeyRotation1733000000002 } from './migrations/1733000000002-signing-key-rotation';
import { UserLifecycle1733000000003 } from './migrations/1733000000003-user-lifecycle';
import { CustomRoles1733000000004 } from './migrations/1733000000004-custom-roles';
import { PlatformApiKeys1733200000000 } from './migrations/1733200000000-platform-api-keys';
import { SessionsAndThrottling1733000000000 } from './migrations/1733000000000-sessions-and-throttling';
import { IdentityEventStore1733100000000 } from './migrations/1733100000000-event-store';
import { IdentityEventTraceContext1765000000000 } from './migrations/1765000000000-event-trace-context';
import { ApiKeyEntity } from './api-key.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SigningKeyEntity } from './signing-key.entity';
import { UserEntity, type UserStatusValue } from './user.entity';

export const IDENTITY_ENTITIES = [UserEntity, SigningKeyEntity, RefreshTokenEntity, ApiKeyEntity];
// In timestamp order: the order they run in and are recorded.
export const IDENTITY_MIGRATIONS = [
  CreateIdentity1732500000000,
  UserMembership1732700000000,
  IdentityRowLevelSecurity1732900000000,
  SessionsAndThrottling1733000000000,
  ApiKeys1733000000001,
  SigningKeyRotation1733000000002,
  UserLifecycle1733000000003,
  CustomRoles1733000000004,
  IdentityEventStore1733100000000,
  PlatformApiKeys1733200000000,
  IdentityEventTraceContext1765000000000,
];

export class DuplicateEmailError extends Error {}

/** Which of a tenant's users a list covers. */
export type UserScope =
  | { kind: 'tenant' }
  | { kind: 'organization'; organizationId: string }
  | { kind: 'departments'; departmentIds: string[] }
  /** Through roles assigned at organizations and departments (subtrees already expanded). */
  | { kind: 'units'; organizationIds: string[]; departmentIds: string[] };

/** Narrows a user list; absent fields do not filter. Without a status, deleted users are left out. */
export interface UserFilter {
  status?: UserStatusValue | null;
  organizationId?: string | null;
  departmentId?: string | null;
  /** Case-insensitive substring of the e-mail or display name. */
  search?: string | null;
}

/** What updateUser may change. */
export interface UserChanges {
  displayName?: string;
  organizationId?: string | null;
  departmentId?: string | null;
  roles?: string[];
}

/** LIKE pattern for a literal substring. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const usersOf = (manager: EntityManager) => manager.getRepository(UserEntity);

/**
 * SQL for users and refresh tokens, in the row scope it was given: a tenant scope sees that tenant's users and
 * refresh tokens only; platform users need platform scope (row-level security enforces both). Signing keys have
 * their own store (signing-key-store.ts).
 */
export class IdentityStore {
  constructor(private readonly db: ScopedDatabase) {}

  findUsersByIds(ids: readonly string[]): Promise<UserEntity[]> {
    return this.db.run((m) => usersOf(m).findBy({ id: In([...ids]) }));
  }

  findUserByEmail(tenantId: string | null, emailNormalized: string): Promise<UserEntity | null> {
    return this.db.run((m) => usersOf(m).findOneBy({ tenantId: tenantId ?? IsNull(), emailNormalized, status: Not('DELETED') }));
  }

  /**
   * Keyset page of one tenant's users (or platform users when tenantId is null), ordered by id, optionally
   * narrowed to one organization or to a set of departments.
   */
  listUsers(tenantId: string | null, afterId: string | null, limit: number, within: UserScope = { kind: 'tenant' }, filter: UserFilter = {}): Promise<UserEntity[]> {
    return this.db.run((m) => {
      // Ordered by id (UUIDv7: creation order), which is unique, so the keyset cursor is stable under inserts.
      const query = usersOf(m).createQueryBuilder('u').orderBy('u.id', 'ASC').take(limit);
      if (tenantId === null) query.where('u.tenant_id IS NULL');
      else query.where('u.tenant_id = :tenantId', { tenantId });
      if (within.kind === 'organization') query.andWhere('u.organization_id = :organizationId', { organizationId: within.organizationId });
      if (within.kind === 'departments') query.andWhere('u.department_id = ANY(:departmentIds)', { departmentIds: within.departmentIds });
      if (within.kind === 'units') {
        query.andWhere('(u.organization_id = ANY(:unitOrganizations) OR u.department_id = ANY(:unitDepartments))', {
          unitOrganizations: within.organizationIds,
          unitDepartments: within.departmentIds,
        });
      }
      if (filter.status) query.andWhere('u.status = :status', { status: filter.status });
      else query.andWhere(`u.status <> 'DELETED'`);
      if (filter.organizationId) query.andWhere('u.organization_id = :filterOrganization', { filterOrganization: filter.organizationId });
      if (filter.departmentId) query.andWhere('u.department_id = :filterDepartment', { filterDepartment: filter.departmentId });
      if (filter.search) {
        query.andWhere(`(u.email_normalized LIKE :pattern ESCAPE '\\' OR lower(u.display_name) LIKE :pattern ESCAPE '\\')`, { pattern: containing(filter.search.toLowerCase()) });
      }
      if (afterId) query.andWhere('u.id > :afterId', { afterId });
      return query.getMany();
    });
  }

  /**
   * Applies `changes` to a user that is not deleted, at `expectedVersion` when given, bumping the version.
   * Null when no row matched (gone, deleted, or at another version: the caller tells which).
   */
  async updateUser(id: string, changes: UserChanges, expectedVersion: number | null): Promise<UserEntity | null> {
    return this.db.run(async (m) => {
      const result = await usersOf(m)
        .createQueryBuilder()
        .update(UserEntity)
        .set({ ...changes, version: () => 'version + 1', updatedAt: new Date() })
        .where(`id = :id AND status <> 'DELETED' AND (CAST(:expected AS int) IS NULL OR version = :expected)`, { id, expected: expectedVersion })
        .execute();
      return result.affected ? usersOf(m).findOneBy({ id }) : null;
    });
  }

  /**
   * Moves a user from one of `from` into `to` with one conditional UPDATE, so of concurrent requests exactly one
   * changes it. Leaving for DELETED stamps deleted_at. Null when the user was in none of `from`.
   */
  async transitionStatus(id: string, from: readonly UserStatusValue[], to: UserStatusValue): Promise<UserEntity | null> {
    return this.db.run(async (m) => {
      const [rows] = await m.query<[{ id: string }[], number]>(
        `UPDATE users SET status = $2, version = version + 1, updated_at = now(), deleted_at = CASE WHEN $2 = 'DELETED' THEN now() END
          WHERE id = $1 AND status = ANY($3) RETURNING id`,
        [id, to, from],
      );
      return rows.length > 0 ? usersOf(m).findOneBy({ id }) : null;
    });
  }

  /** Revokes every live session (refresh-token family) of the user; the number of tokens revoked. */
  async revokeAllSessions(userId: string): Promise<number> {
    const [, count] = await this.db.query<[unknown[], number]>(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
    return count;
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

  async insertRefreshToken(token: RefreshTokenEntity): Promise<void> {
    await this.db.run((m) => m.getRepository(RefreshTokenEntity).insert(token));
  }
}
