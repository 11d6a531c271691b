import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { returningRows } from '../../../infrastructure/database/returning-rows';
import type { ConfigurationEntry, ConfigurationLevel, ConfigurationSlot, JsonValue } from '../service/configuration';

interface ConfigurationRow {
  level: ConfigurationLevel;
  scope_id: string | null;
  tenant_id: string | null;
  key: string;
  value: JsonValue;
  version: number;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = 'level, scope_id, tenant_id, key, value, version, updated_at, updated_by';

const toEntry = (r: ConfigurationRow): ConfigurationEntry => ({
  level: r.level,
  scopeId: r.scope_id,
  tenantId: r.tenant_id,
  key: r.key,
  value: r.value,
  version: r.version,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/** All SQL for configuration entries. Every method is one statement, so one round trip. */
export class ConfigurationStore {
  constructor(private readonly db: ScopedDatabase) {}

  /** The entries stored at any of `slots` (absent slots simply have no row), in one statement. */
  async entriesAt(slots: readonly ConfigurationSlot[]): Promise<ConfigurationEntry[]> {
    const scoped = slots.filter((s) => s.scopeId !== null);
    const globalKeys = slots.filter((s) => s.scopeId === null).map((s) => s.key);
    // Two indexable halves: (level, scope_id, key) row matches, and GLOBAL rows, whose scope_id is NULL and never equal to anything.
    const rows: ConfigurationRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM configuration_entries
        WHERE (level, scope_id, key) IN (SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[]))
           OR (level = 'GLOBAL' AND scope_id IS NULL AND key = ANY($4::text[]))`,
      [scoped.map((s) => s.level), scoped.map((s) => s.scopeId), scoped.map((s) => s.key), globalKeys],
    );
    return rows.map(toEntry);
  }

  /**
   * Writes only if the slot is at `expectedVersion` (0: not set yet), in one statement; null when it is not,
   * so the caller can say what it found instead.
   */
  async writeIfAt(
    expectedVersion: number,
    entry: { id: string; slot: ConfigurationSlot; tenantId: string | null; json: string; updatedBy: string | null },
  ): Promise<ConfigurationEntry | null> {
    const rows = await this.db.run((manager) =>
      expectedVersion === 0
        ? returningRows<ConfigurationRow>(
            manager,
            `INSERT INTO configuration_entries (id, level, scope_id, tenant_id, key, value, version, updated_at, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, 1, now(), $7)
             ON CONFLICT (level, scope_id, key) DO NOTHING
             RETURNING ${COLUMNS}`,
            [entry.id, entry.slot.level, entry.slot.scopeId, entry.tenantId, entry.slot.key, entry.json, entry.updatedBy],
          )
        : returningRows<ConfigurationRow>(
            manager,
            `UPDATE configuration_entries SET value = $4::jsonb, version = version + 1, updated_at = now(), updated_by = $5
              WHERE level = $1 AND scope_id IS NOT DISTINCT FROM $2::uuid AND key = $3 AND version = $6
              RETURNING ${COLUMNS}`,
            [entry.slot.level, entry.slot.scopeId, entry.slot.key, entry.json, entry.updatedBy, expectedVersion],
          ),
    );
    return rows[0] ? toEntry(rows[0]) : null;
  }

  /** Inserts the value, or replaces it and bumps the version when the slot already has one. */
  async upsert(entry: { id: string; slot: ConfigurationSlot; tenantId: string | null; json: string; updatedBy: string | null }): Promise<ConfigurationEntry> {
    const rows = await this.db.run((manager) =>
      returningRows<ConfigurationRow>(
      manager,
      `INSERT INTO configuration_entries (id, level, scope_id, tenant_id, key, value, version, updated_at, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, 1, now(), $7)
       ON CONFLICT (level, scope_id, key) DO UPDATE
         SET value = EXCLUDED.value, version = configuration_entries.version + 1, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
       RETURNING ${COLUMNS}`,
      [entry.id, entry.slot.level, entry.slot.scopeId, entry.tenantId, entry.slot.key, entry.json, entry.updatedBy],
    ),
    );
    return toEntry(rows[0]!);
  }

  /** Deletes the entry at `slot` (only at `expectedVersion` when given); the deleted entry, or null when none was. */
  async delete(slot: ConfigurationSlot, expectedVersion: number | null = null): Promise<ConfigurationEntry | null> {
    const rows = await this.db.run((manager) =>
      returningRows<ConfigurationRow>(
      manager,
      `DELETE FROM configuration_entries
        WHERE level = $1 AND scope_id IS NOT DISTINCT FROM $2::uuid AND key = $3 AND ($4::int IS NULL OR version = $4)
        RETURNING ${COLUMNS}`,
      [slot.level, slot.scopeId, slot.key, expectedVersion],
    ),
    );
    return rows[0] ? toEntry(rows[0]) : null;
  }
}
