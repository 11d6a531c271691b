import type { Logger } from '../../../infrastructure/logging/logger';
import type { AuditStore } from '../store/audit-store';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where a tenant's retention comes from: `audit.retention_days` in the configuration service (null: keep forever). */
export type RetentionDaysOf = (tenantId: string) => Promise<number | null>;

/**
 * Retention: for every tenant with records, removes the records older than its `audit.retention_days`. The store
 * removes only a prefix of the chain and keeps the hash at the cut as the chain's anchor, so what remains still
 * verifies. The platform chain (tenantId null) is kept.
 */
export class AuditRetention {
  constructor(
    private readonly store: AuditStore,
    private readonly retentionDaysOf: RetentionDaysOf,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One pass over every tenant; a tenant whose setting cannot be read is skipped this time, never purged by default. */
  async runOnce(): Promise<{ tenants: number; removed: number }> {
    let removed = 0;
    let tenants = 0;
    for (const tenantId of await this.store.tenantsWithRecords()) {
      if (tenantId === null) continue;
      let days: number | null;
      try {
        days = await this.retentionDaysOf(tenantId);
      } catch (error) {
        this.logger.warn('audit retention: could not read audit.retention_days; skipped this tenant', { tenantId, error });
        continue;
      }
      if (days === null) continue;
      const before = new Date(this.now().getTime() - days * DAY_MS);
      const result = await this.store.purge(tenantId, before);
      tenants += 1;
      removed += result.removed;
      if (result.removed > 0) this.logger.info('audit records past retention removed', { tenantId, days, removed: result.removed, before: before.toISOString() });
    }
    return { tenants, removed };
  }
}

/** A valid retention: a whole number of days, at least 1. Anything else is ignored (kept forever) and logged. */
export function parseRetentionDays(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 36_500) return value;
  return null;
}
