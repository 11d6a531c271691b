import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresAuditStore } from '../../subgraphs/audit/store/postgres-audit-store';

/** An event as both the outboxes (event_store) and the audit trail (audit_records) keep it. */
export interface LedgerEvent {
  event_id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  tenant_id: string | null;
  request_id: string | null;
  data: Record<string, unknown>;
}

export interface AuditLedgerRow extends LedgerEvent {
  /** bigint, as node-postgres returns it. */
  sequence: string;
  recorded_at: Date;
  occurred_at: Date;
}

const EVENT_FIELDS = 'event_id, type, aggregate_type, aggregate_id, aggregate_version, tenant_id, request_id, data';

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every event identity and tenancy committed: their event stores are the source of truth (read as the owner, so row-level security does not filter). */
/** Every event the platform's outboxes hold: identity's, tenancy's and the schema registry's (its publishes). */
export async function readOutboxes(urls: { identity: string; tenancy: string; registry?: string }): Promise<LedgerEvent[]> {
  const read = (url: string) => withClient(url, async (client) => (await client.query<LedgerEvent>(`SELECT ${EVENT_FIELDS} FROM event_store ORDER BY position`)).rows);
  const databases = [urls.identity, urls.tenancy, ...(urls.registry ? [urls.registry] : [])];
  return (await Promise.all(databases.map(read))).flat();
}

export function readAuditRecords(url: string): Promise<AuditLedgerRow[]> {
  return withClient(url, async (client) => (await client.query<AuditLedgerRow>(`SELECT ${EVENT_FIELDS}, sequence, recorded_at, occurred_at FROM audit_records ORDER BY tenant_id, sequence`)).rows);
}

export interface RecoveryTrace {
  waitedMs: number;
  outboxEvents: number;
  auditRecords: number;
  /** False when the audit count never settled at the outboxes' count before the timeout. */
  settled: boolean;
}

/**
 * Polls until the audit trail stops growing at (or beyond) the outboxes' event count, or `timeoutMs` passes. It only
 * waits: whatever audit holds at the end is what the assertions judge.
 */
export async function waitForAuditToSettle(urls: { identity: string; tenancy: string; audit: string }, timeoutMs: number): Promise<RecoveryTrace> {
  const started = Date.now();
  const clients = [urls.identity, urls.tenancy, urls.audit].map((url) => new Client({ connectionString: url }));
  await Promise.all(clients.map((c) => c.connect()));
  const [identity, tenancy, audit] = clients as [Client, Client, Client];
  const count = async (client: Client, table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
  try {
    let last = { outboxEvents: -1, auditRecords: -1 };
    let stableSince = Date.now();
    for (;;) {
      const now = {
        outboxEvents: (await count(identity, 'event_store')) + (await count(tenancy, 'event_store')),
        auditRecords: await count(audit, 'audit_records'),
      };
      if (now.outboxEvents !== last.outboxEvents || now.auditRecords !== last.auditRecords) stableSince = Date.now();
      last = now;
      const settled = now.auditRecords >= now.outboxEvents && Date.now() - stableSince >= 2_000;
      if (settled || Date.now() - started > timeoutMs) return { waitedMs: Date.now() - started, ...now, settled };
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** Each chain (tenant id, or null for the platform's) as PostgresAuditStore.verifyChain judges it. */
export async function verifyChains(auditUrl: string, tenants: readonly (string | null)[]): Promise<Map<string | null, boolean>> {
  const dataSource = await new DataSource({ type: 'postgres', url: auditUrl, logging: false, extra: { max: 2 } }).initialize();
  try {
    const store = new PostgresAuditStore(dataSource);
    const verified = new Map<string | null, boolean>();
    for (const tenant of tenants) verified.set(tenant, (await store.verifyChain(tenant)).ok);
    return verified;
  } finally {
    await dataSource.destroy();
  }
}

/** Within each chain in sequence order, every aggregate's versions must strictly increase; returns the places they do not. */
export function outOfOrder(records: readonly AuditLedgerRow[]): string[] {
  const byChain = new Map<string, AuditLedgerRow[]>();
  for (const record of records) {
    const chain = record.tenant_id ?? 'platform';
    const rows = byChain.get(chain) ?? [];
    rows.push(record);
    byChain.set(chain, rows);
  }
  const problems: string[] = [];
  for (const [chain, rows] of byChain) {
    const latest = new Map<string, AuditLedgerRow>();
    for (const row of [...rows].sort((a, b) => Number(a.sequence) - Number(b.sequence))) {
      const aggregate = `${row.aggregate_type} ${row.aggregate_id}`;
      const before = latest.get(aggregate);
      if (before && row.aggregate_version <= before.aggregate_version) {
        const at = (r: AuditLedgerRow) =>
          `v${r.aggregate_version} (${r.type}, event ${r.event_id}, occurred ${r.occurred_at.toISOString()}) at sequence ${r.sequence} recorded ${r.recorded_at.toISOString()}`;
        problems.push(`${chain}: ${aggregate} ${at(row)} after ${at(before)}`);
      }
      latest.set(aggregate, row);
    }
  }
  return problems;
}
