import type { DataSource, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditRecordEntity } from './audit-record.entity';
import { CreateAuditRecords1732500000000 } from './migrations/1732500000000-create-audit-records';

export const AUDIT_ENTITIES = [AuditRecordEntity];
export const AUDIT_MIGRATIONS = [CreateAuditRecords1732500000000];

/** The PostgreSQL audit store. The MongoDB store and the shared contract suite come with the events issue. */
export class AuditStore {
  private readonly records: Repository<AuditRecordEntity>;

  constructor(dataSource: DataSource) {
    this.records = dataSource.getRepository(AuditRecordEntity);
  }

  /** Idempotent by event id: a redelivered event does not create a second record. */
  // The cast only widens jsonb `data` to TypeORM's partial-entity type; the row is complete.
  async append(record: AuditRecordEntity): Promise<void> {
    await this.records.createQueryBuilder().insert().values(record as QueryDeepPartialEntity<AuditRecordEntity>).orIgnore().execute();
  }

  /** Newest first (event ids are UUIDv7, so id order is time order); tenantId null means platform-scope records. */
  list(tenantId: string | null, beforeId: string | null, limit: number): Promise<AuditRecordEntity[]> {
    const query = this.records.createQueryBuilder('r').orderBy('r.event_id', 'DESC').take(limit);
    if (tenantId === null) query.where('r.tenant_id IS NULL');
    else query.where('r.tenant_id = :tenantId', { tenantId });
    if (beforeId) query.andWhere('r.event_id < :beforeId', { beforeId });
    return query.getMany();
  }
}
