import { In, IsNull, type EntityManager } from 'typeorm';
import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { ApiKeyEntity } from './api-key.entity';

const keysOf = (manager: EntityManager) => manager.getRepository(ApiKeyEntity);

/**
 * SQL for API keys, in the row scope it was given: a tenant scope sees only that tenant's keys (row-level
 * security); verification and use reports come from the gateway and run in platform scope.
 */
export class ApiKeyStore {
  constructor(private readonly db: ScopedDatabase) {}

  async insert(key: ApiKeyEntity): Promise<void> {
    await this.db.run((m) => keysOf(m).insert(key));
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.db.run((m) => keysOf(m).findOneBy({ id }));
  }

  findByIds(ids: readonly string[]): Promise<ApiKeyEntity[]> {
    return this.db.run((m) => keysOf(m).findBy({ id: In([...ids]) }));
  }

  /** Keyset page of one tenant's keys, ordered by id (UUIDv7, so creation order). */
  /** A tenant's keys, or (null) the platform's own. */
  list(tenantId: string | null, afterId: string | null, limit: number): Promise<ApiKeyEntity[]> {
    return this.db.run((m) => {
      const query = (tenantId === null ? keysOf(m).createQueryBuilder('k').where('k.tenant_id IS NULL') : keysOf(m).createQueryBuilder('k').where('k.tenant_id = :tenantId', { tenantId }))
        .orderBy('k.id', 'ASC')
        .take(limit);
      if (afterId) query.andWhere('k.id > :afterId', { afterId });
      return query.getMany();
    });
  }

  /**
   * Revokes the key unless it already was. `changed` says whether this call did it, so exactly one of several
   * concurrent revocations publishes the event. Null when there is no such key in `tenantId` (null: any tenant)
   * or it is not visible in this scope.
   */
  revoke(id: string, at: Date, tenantId: string | null): Promise<{ key: ApiKeyEntity; changed: boolean } | null> {
    return this.db.run(async (m) => {
      const where = tenantId === null ? { id } : { id, tenantId };
      const result = await keysOf(m).update({ ...where, revokedAt: IsNull() }, { revokedAt: at, version: () => 'version + 1' });
      const key = await keysOf(m).findOneBy(where);
      return key ? { key, changed: (result.affected ?? 0) > 0 } : null;
    });
  }

  /**
   * One statement for a whole report. A use older than the stored one changes nothing (reports from several
   * gateways may arrive out of order), and none is dated after now (a gateway's clock may run ahead).
   */
  async recordUses(uses: readonly { id: string; at: Date }[]): Promise<void> {
    if (uses.length === 0) return;
    await this.db.query(
      `UPDATE api_keys AS k SET last_used_at = LEAST(u.at, now())
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
        WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < LEAST(u.at, now()))`,
      [uses.map((u) => u.id), uses.map((u) => u.at.toISOString())],
    );
  }
}
