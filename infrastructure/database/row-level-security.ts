import type { QueryRunner } from 'typeorm';

/**
 * Row-level security, the second wall between tenants. Every unit of work runs as APP_ROLE, a role that owns
 * nothing and bypasses nothing, with the tenant it acts for in transaction-local settings; the policies below
 * compare each row's tenant with them. A query that forgets its tenant filter therefore still sees only its own
 * tenant's rows, and a write can neither reach nor create another tenant's row.
 */
export const APP_ROLE = 'lattice_app';

/** Transaction-local settings the policies read (`set_config(name, value, true)`). */
export const TENANT_SETTING = 'lattice.tenant_id';
export const SCOPE_SETTING = 'lattice.scope';

/** The acting tenant, or NULL when none is set (a unit of work with no tenant sees no tenant's rows). */
const CURRENT_TENANT = `nullif(current_setting('${TENANT_SETTING}', true), '')::uuid`;
/** Platform-scope work, entered only through the audited `asPlatform` path. */
const PLATFORM_SCOPE = `coalesce(current_setting('${SCOPE_SETTING}', true), '') = 'platform'`;

/**
 * Creates APP_ROLE unless it exists. Roles are cluster-wide, so migrations of several databases may race here:
 * the loser's duplicate_object is the outcome it wanted anyway.
 */
export async function ensureAppRole(q: Pick<QueryRunner, 'query'>): Promise<void> {
  await q.query(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
}

/** Lets APP_ROLE read and write this database's tables (present and future), but not the migrations table. */
export async function grantAppRole(q: QueryRunner, migrationsTable: string): Promise<void> {
  await ensureAppRole(q);
  await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
  await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE}`);
  await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`);
  await q.query(`REVOKE ALL ON ${migrationsTable} FROM ${APP_ROLE}`);
}

export interface TenantIsolation {
  /** The column holding the owning tenant (`id` for the tenants table itself). */
  column: string;
  /** Rows whose tenant is NULL are shared: every tenant may read them, only platform scope may write them. */
  sharedWhenNull?: boolean;
}

/** Turns row-level security on, forced even for the table's owner, with the tenant policy. */
export async function isolateByTenant(q: QueryRunner, table: string, isolation: TenantIsolation): Promise<void> {
  const own = `(${isolation.column} = ${CURRENT_TENANT} OR ${PLATFORM_SCOPE})`;
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await q.query(`CREATE POLICY tenant_isolation ON ${table} USING ${own} WITH CHECK ${own}`);
  if (isolation.sharedWhenNull) {
    // Permissive policies add up: reads also see the shared rows; writes still need tenant_isolation.
    await q.query(`CREATE POLICY shared_rows_readable ON ${table} FOR SELECT USING (${isolation.column} IS NULL)`);
  }
}

/** For tables that belong to no tenant but only platform-scope work may touch (e.g. signing keys). */
export async function restrictToPlatform(q: QueryRunner, table: string): Promise<void> {
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await q.query(`CREATE POLICY platform_only ON ${table} USING (${PLATFORM_SCOPE}) WITH CHECK (${PLATFORM_SCOPE})`);
}

/** Undoes isolateByTenant / restrictToPlatform (for a migration's down()). */
export async function removeIsolation(q: QueryRunner, table: string): Promise<void> {
  await q.query(`DROP POLICY IF EXISTS tenant_isolation ON ${table}`);
  await q.query(`DROP POLICY IF EXISTS shared_rows_readable ON ${table}`);
  await q.query(`DROP POLICY IF EXISTS platform_only ON ${table}`);
  await q.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
}
