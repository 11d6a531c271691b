import { In, type DataSource, type Repository } from 'typeorm';
import { isUniqueViolation } from '../../../infrastructure/database/postgres-errors';
import { TenantEntity } from './tenant.entity';
import { CreateTenants1732500000000 } from './migrations/1732500000000-create-tenants';

export const TENANCY_ENTITIES = [TenantEntity];
export const TENANCY_MIGRATIONS = [CreateTenants1732500000000];

export class DuplicateSlugError extends Error {}

/** All SQL the tenancy subgraph runs against its tenants table. */
export class TenantStore {
  private readonly tenants: Repository<TenantEntity>;

  constructor(dataSource: DataSource) {
    this.tenants = dataSource.getRepository(TenantEntity);
  }

  findByIds(ids: readonly string[]): Promise<TenantEntity[]> {
    return this.tenants.findBy({ id: In([...ids]) });
  }

  findBySlug(slug: string): Promise<TenantEntity | null> {
    return this.tenants.findOneBy({ slug });
  }

  /** Keyset page ordered by id (UUIDv7, so creation order); `onlyId` narrows it to one tenant. */
  list(options: { afterId: string | null; limit: number; onlyId?: string }): Promise<TenantEntity[]> {
    const query = this.tenants.createQueryBuilder('t').orderBy('t.id', 'ASC').take(options.limit);
    if (options.afterId) query.andWhere('t.id > :afterId', { afterId: options.afterId });
    if (options.onlyId) query.andWhere('t.id = :onlyId', { onlyId: options.onlyId });
    return query.getMany();
  }

  async insert(tenant: TenantEntity): Promise<void> {
    try {
      await this.tenants.insert(tenant);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateSlugError();
      throw error;
    }
  }

  async ping(): Promise<void> {
    await this.tenants.query('SELECT 1');
  }
}
