import type { DataSource } from 'typeorm';
import { GENESIS_HASH, linkRecords, walkChain } from '../service/audit-chain';
import {
  assertPageLimit,
  chainKeyOf,
  groupByChain,
  isUuid,
  normalizeBatch,
  parseEventIdCursor,
  queryableTenant,
  tenantOfChainKey,
} from './audit-input';
import type { AuditFilter, AuditRecord, AuditRecordInput, AuditStore, ChainVerification } from './audit-store';
import {
  advanceHeads,
  chainPages,
  COLUMNS,
  insertRecords,
  parameters,
  queryRecords,
  readHead,
  tenantCondition,
  toHead,
  toRecord,
  type AuditRow,
  type HeadRow,
} from './postgres-audit-sql';

/**
 * The audit trail in PostgreSQL (table audit_records, chain heads in audit_chain_heads). Appends lock the chain
 * heads of the batch's tenants (SELECT … FOR UPDATE, in tenant-key order so two replicas never deadlock) and insert
 * the whole batch with one multi-row statement; the unique (tenant_id, sequence) index backs the lock.
 */
export class PostgresAuditStore implements AuditStore {
  /** The DataSource belongs to the caller (the database module), which also closes it. */
  constructor(private readonly dataSource: DataSource) {}

  async append(records: readonly AuditRecordInput[]): Promise<AuditRecord[]> {
    const batch = normalizeBatch(records);
    if (batch.length === 0) return [];
    const chains = groupByChain(batch);
    const keys = chains.map(([key]) => key);
    // Heads are created in their own short statement so the transaction below only ever locks existing rows.
    await this.dataSource.query(
      `INSERT INTO audit_chain_heads (tenant_key, last_sequence, last_hash, anchor_sequence, anchor_hash)
       SELECT key, 0, $2, 0, $2 FROM unnest($1::uuid[]) AS key ORDER BY key
       ON CONFLICT (tenant_key) DO NOTHING`,
      [keys, GENESIS_HASH],
    );
    return this.dataSource.transaction(async (manager) => {
      const headRows = await manager.query<HeadRow[]>(
        `SELECT tenant_key, last_sequence, last_hash, anchor_sequence, anchor_hash FROM audit_chain_heads
          WHERE tenant_key = ANY($1::uuid[]) ORDER BY tenant_key FOR UPDATE`,
        [keys],
      );
      const heads = new Map(headRows.map((row) => [row.tenant_key, toHead(row)]));
      // Read after the locks: a replica that appended these events before us has committed by now.
      const existing = await manager.query<Array<{ event_id: string }>>(
        `SELECT event_id FROM audit_records WHERE event_id = ANY($1::uuid[])`,
        [batch.map((record) => record.eventId)],
      );
      const stored = new Set(existing.map((row) => row.event_id));
      const linked: AuditRecord[] = [];
      const recordedAt = new Date();
      for (const [key, chain] of chains) {
        const fresh = chain.filter((record) => !stored.has(record.eventId));
        if (fresh.length === 0) continue;
        const head = heads.get(key);
        if (!head) throw new Error(`audit append: the chain head of ${key} vanished while locked`);
        linked.push(...linkRecords(head.last, fresh, recordedAt));
      }
      if (linked.length === 0) return [];
      await insertRecords(manager, linked);
      await advanceHeads(manager, linked);
      return linked;
    });
  }

  async list(filter: AuditFilter, after: string | null, limit: number): Promise<AuditRecord[]> {
    assertPageLimit(limit);
    const cursor = parseEventIdCursor(after);
    const tenantId = queryableTenant(filter.tenantId);
    if (tenantId === undefined || limit === 0) return [];
    const { values, param } = parameters();
    const where = [tenantCondition(tenantId, param)];
    if (filter.types && filter.types.length > 0) where.push(`type = ANY(${param(filter.types)}::text[])`);
    if (filter.aggregateId !== undefined) where.push(`aggregate_id = ${param(filter.aggregateId)}`);
    if (filter.actorId !== undefined) where.push(`actor_id = ${param(filter.actorId)}`);
    if (filter.from) where.push(`occurred_at >= ${param(filter.from.toISOString())}::timestamptz`);
    if (filter.to) where.push(`occurred_at <= ${param(filter.to.toISOString())}::timestamptz`);
    if (cursor !== null) where.push(`event_id < ${param(cursor)}::uuid`);
    const rows = await this.dataSource.query<AuditRow[]>(
      `SELECT ${COLUMNS} FROM audit_records WHERE ${where.join(' AND ')} ORDER BY event_id DESC LIMIT ${param(limit)}`,
      values,
    );
    return rows.map(toRecord);
  }

  async findByIds(ids: readonly string[]): Promise<AuditRecord[]> {
    const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    if (wanted.length === 0) return [];
    const rows = await this.dataSource.query<AuditRow[]>(`SELECT ${COLUMNS} FROM audit_records WHERE event_id = ANY($1::uuid[])`, [wanted]);
    const byId = new Map(rows.map((row) => [row.event_id, toRecord(row)]));
    return wanted.flatMap((id) => byId.get(id) ?? []);
  }

  async verifyChain(tenantId: string | null): Promise<ChainVerification> {
    const tenant = queryableTenant(tenantId);
    if (tenant === undefined) return { ok: true, brokenAt: null, checked: 0 };
    // One snapshot for the whole walk, so appends and purges running meanwhile cannot look like breaks.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const head = await readHead(manager, tenant, false);
      const walk = await walkChain(head.anchor, chainPages(manager, tenant, head.anchor.sequence, head.last.sequence));
      if (walk.brokenAt) return { ok: false, brokenAt: walk.brokenAt, checked: walk.checked };
      // Appends and purges move the head in the same transaction as the rows, so nothing may lie outside it.
      const [stray] = await queryRecords(
        manager,
        tenant,
        (param) => `(sequence <= ${param(head.anchor.sequence)} OR sequence > ${param(head.last.sequence)}) ORDER BY sequence LIMIT 1`,
      );
      if (stray) return { ok: false, brokenAt: stray, checked: walk.checked + 1 };
      const complete = walk.reached.sequence === head.last.sequence && walk.reached.hash === head.last.hash;
      return { ok: complete, brokenAt: null, checked: walk.checked };
    });
  }

  async purge(tenantId: string | null, before: Date): Promise<{ removed: number }> {
    const tenant = queryableTenant(tenantId);
    if (tenant === undefined) return { removed: 0 };
    return this.dataSource.transaction(async (manager) => {
      const head = await readHead(manager, tenant, true);
      const kept = parameters();
      const [firstKept] = await manager.query<Array<{ sequence: string | null }>>(
        `SELECT min(sequence) AS sequence FROM audit_records
          WHERE ${tenantCondition(tenant, kept.param)} AND occurred_at >= ${kept.param(before.toISOString())}::timestamptz`,
        kept.values,
      );
      const cut = firstKept?.sequence == null ? head.last.sequence : Number(firstKept.sequence) - 1;
      if (cut <= head.anchor.sequence) return { removed: 0 };
      const walk = await walkChain(head.anchor, chainPages(manager, tenant, head.anchor.sequence, cut));
      if (walk.brokenAt || walk.reached.sequence !== cut) {
        const where = walk.brokenAt ? `at sequence ${walk.brokenAt.sequence} (event ${walk.brokenAt.eventId})` : `after sequence ${walk.reached.sequence} (records missing)`;
        throw new Error(`audit purge of ${tenant ?? 'the platform chain'}: refused, the chain is broken ${where}; purging would erase the evidence`);
      }
      const gone = parameters();
      const [deleted] = await manager.query<Array<{ removed: number }>>(
        `WITH gone AS (DELETE FROM audit_records WHERE ${tenantCondition(tenant, gone.param)} AND sequence <= ${gone.param(cut)} RETURNING 1)
         SELECT count(*)::int AS removed FROM gone`,
        gone.values,
      );
      await manager.query(`UPDATE audit_chain_heads SET anchor_sequence = $2, anchor_hash = $3 WHERE tenant_key = $1`, [
        chainKeyOf(tenant),
        cut,
        walk.reached.hash,
      ]);
      return { removed: deleted?.removed ?? 0 };
    });
  }

  async tenantsWithRecords(): Promise<(string | null)[]> {
    const rows = await this.dataSource.query<Array<{ tenant_key: string }>>(
      `SELECT tenant_key FROM audit_chain_heads WHERE last_sequence > anchor_sequence ORDER BY tenant_key`,
    );
    return rows.map((row) => tenantOfChainKey(row.tenant_key));
  }

  async close(): Promise<void> {}
}
