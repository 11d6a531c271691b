import type { EntitySchema } from 'typeorm';
import { CreateAuditRecords1732500000000 } from './migrations/1732500000000-create-audit-records';
import { ChainAuditRecords1732600000000 } from './migrations/1732600000000-chain-audit-records';
import { AuditAppRole1766000000000 } from './migrations/1766000000000-audit-app-role';

/** The PostgreSQL audit store works in SQL (multi-row inserts under row locks), so it maps no entities. */
export const AUDIT_ENTITIES: EntitySchema[] = [];
export const AUDIT_MIGRATIONS = [CreateAuditRecords1732500000000, ChainAuditRecords1732600000000, AuditAppRole1766000000000];
