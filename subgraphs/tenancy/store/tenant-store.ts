import { In, type EntityManager } from 'typeorm';
import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { isUniqueViolation } from '../../../infrastructure/database/postgres-errors';
import { ConfigurationEntryEntity } from './configuration-entry.entity';
import { DepartmentEntity } from './department.entity';
import { CreateHierarchy1732700000000 } from './migrations/1732700000000-create-hierarchy';
import { CreateConfiguration1732800000000 } from './migrations/1732800000000-create-configuration';
import { OrganizationEntity } from './organization.entity';
import { TenantEntity, type TenantStatusValue } from './tenant.entity';
import { CreateTenants1732500000000 } from './migrations/1732500000000-create-tenants';
import { TenantSuspension1732600000000 } from './migrations/1732600000000-tenant-suspension';
import { TenancyRowLevelSecurity1732900000000 } from './migrations/1732900000000-row-level-security';
import { TenancyEventStore1733100000000 } from './migrations/1733100000000-event-store';
import { TenancyEventTraceContext1765000000000 } from './migrations/1765000000000-event-trace-context';

export const TENANCY_ENTITIES = [TenantEntity, OrganizationEntity, DepartmentEntity, ConfigurationEntryEntity];
export const TENANCY_MIGRATIONS = [
  CreateTenants1732500000000, TenantSuspension1732600000000, CreateHierarchy1732700000000, CreateConfiguration1732800000000,
  TenancyRowLevelSecurity1732900000000, TenancyEventStore1733100000000, TenancyEventTraceContext1765000000000,
];

export class DuplicateSlugError extends Error {}

const tenantsOf = (manager: EntityManager) => manager.getRepository(TenantEntity);

/** All SQL the tenancy subgraph runs against its tenants table, in the row scope it was given. */
export class TenantStore {
  constructor(private readonly db: ScopedDatabase) {}

  findByIds(ids: readonly string[]): Promise<TenantEntity[]> {
    return this.db.run((m) => tenantsOf(m).findBy({ id: In([...ids]) }));
  }

  findBySlug(slug: string): Promise<TenantEntity | null> {
    return this.db.run((m) => tenantsOf(m).findOneBy({ slug }));
  }

  /** Keyset page ordered by id (UUIDv7, so creation order); `onlyId` narrows it to one tenant. */
  list(options: { afterId: string | null; limit: number; onlyId?: string }): Promise<TenantEntity[]> {
    return this.db.run((m) => {
      const query = tenantsOf(m).createQueryBuilder('t').orderBy('t.id', 'ASC').take(options.limit);
      if (options.afterId) query.andWhere('t.id > :afterId', { afterId: options.afterId });
      if (options.onlyId) query.andWhere('t.id = :onlyId', { onlyId: options.onlyId });
      return query.getMany();
    });
  }

  async insert(tenant: TenantEntity): Promise<void> {
    try {
      await this.db.run((m) => tenantsOf(m).insert(tenant));
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateSlugError();
      throw error;
    }
  }

  /**
   * Moves a tenant into `status` with one conditional UPDATE, so of several concurrent requests exactly one
   * changes the row (and publishes its event). Null when the tenant is unknown or already in that status.
   */
  async transitionStatus(id: string, change: { status: TenantStatusValue; reason: string | null; at: Date }): Promise<TenantEntity | null> {
    const result = await this.db.run((m) =>
      tenantsOf(m)
      .createQueryBuilder()
      .update(TenantEntity)
      .set({
        status: change.status,
        version: () => 'version + 1',
        updatedAt: change.at,
        suspendedReason: change.status === 'SUSPENDED' ? change.reason : null,
        suspendedAt: change.status === 'SUSPENDED' ? change.at : null,
      })
      .where('id = :id AND status <> :status', { id, status: change.status })
      .returning('*')
      .execute(),
    );
    const row = (result.raw as TenantRow[])[0];
    return row ? fromRow(row) : null;
  }

}

/** A `tenants` row as RETURNING hands it back: column names, not entity properties. */
interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatusValue;
  version: number;
  created_at: Date;
  updated_at: Date;
  suspended_reason: string | null;
  suspended_at: Date | null;
}

function fromRow(row: TenantRow): TenantEntity {
  return Object.assign(new TenantEntity(), {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    suspendedReason: row.suspended_reason,
    suspendedAt: row.suspended_at,
  });
}
