import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../infrastructure/database/data-source';
import { APP_ROLE } from '../../infrastructure/database/row-level-security';
import { TenantDatabase, type ScopedDatabase } from '../../infrastructure/database/scoped-database';
import { uuid7 } from '../../infrastructure/events/uuid7';
import { loggerOver } from '../../infrastructure/logging/logger';
import type { LogFields } from '../../infrastructure/logging/logger';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS, IdentityStore } from '../../subgraphs/identity/store/identity-store';
import type { UserEntity } from '../../subgraphs/identity/store/user.entity';
import type { ConfigurationSlot } from '../../subgraphs/tenancy/service/configuration';
import { ConfigurationStore } from '../../subgraphs/tenancy/store/configuration-store';
import { HierarchyStore, MissingRowError } from '../../subgraphs/tenancy/store/hierarchy-store';
import { TENANCY_ENTITIES, TENANCY_MIGRATIONS, TenantStore } from '../../subgraphs/tenancy/store/tenant-store';
import type { TenantEntity } from '../../subgraphs/tenancy/store/tenant.entity';
import { startEmbeddedDatabase, type EmbeddedDatabaseProcess } from '../support/embedded-database';
import { appLoginUrl, createTestDatabases, TEST_APP_LOGIN, TEST_POSTGRES_URL, type TestDatabases } from '../support/infrastructure';
import { distributedAvailable } from '../support/modes';

/**
 * The second isolation layer: with the tenant filter left out of a query on purpose, PostgreSQL row-level security
 * alone keeps other tenants' rows out. It runs against both databases the product runs on: real PostgreSQL, where
 * the service logs in as an unprivileged member of lattice_app, and PGlite (the embedded mode), whose only user is a
 * superuser, so every unit of work drops to lattice_app with SET LOCAL ROLE.
 */

interface Subgraph {
  dataSource: DataSource;
  database: TenantDatabase;
  /** A connection as the database owner, for fixtures and for looking behind the policies. */
  owner: Client;
  ownerUrl: string;
}

interface Backend {
  name: string;
  available: boolean;
  /** Whether the service's own login is unprivileged (real PostgreSQL with an app URL) or a superuser (PGlite). */
  unprivilegedLogin: boolean;
  open(): Promise<{ identity: Subgraph; tenancy: Subgraph; close(): Promise<void> }>;
}

const logs: { message: string; fields: LogFields }[] = [];
const logger = loggerOver({ write: (_level, message, fields) => logs.push({ message, fields }) });

async function openSubgraph(kind: 'identity' | 'tenancy', ownerUrl: string, appUrl: string | undefined): Promise<Subgraph> {
  const dataSource = await openDatabase({
    name: kind,
    url: ownerUrl,
    appUrl,
    poolSize: 2,
    logger,
    entities: kind === 'identity' ? IDENTITY_ENTITIES : TENANCY_ENTITIES,
    migrations: kind === 'identity' ? IDENTITY_MIGRATIONS : TENANCY_MIGRATIONS,
  });
  const owner = new Client({ connectionString: ownerUrl });
  await owner.connect();
  return { dataSource, database: new TenantDatabase(dataSource, logger), owner, ownerUrl };
}

const closeSubgraph = async (s: Subgraph | undefined) => {
  await s?.owner.end();
  await s?.dataSource.destroy();
};

const BACKENDS: Backend[] = [
  {
    name: 'PostgreSQL 15',
    // Needs the real server the distributed suites use (global setup probes it and announces a skip).
    available: distributedAvailable(),
    unprivilegedLogin: true,
    async open() {
      const databases: TestDatabases<'identity' | 'tenancy'> = await createTestDatabases(TEST_POSTGRES_URL, ['identity', 'tenancy']);
      const identity = await openSubgraph('identity', databases.urls.identity, appLoginUrl(databases.urls.identity));
      const tenancy = await openSubgraph('tenancy', databases.urls.tenancy, appLoginUrl(databases.urls.tenancy));
      return {
        identity,
        tenancy,
        async close() {
          await Promise.all([closeSubgraph(identity), closeSubgraph(tenancy)]);
          await databases.drop();
        },
      };
    },
  },
  {
    name: 'PGlite (embedded mode)',
    available: true,
    unprivilegedLogin: false,
    async open() {
      const servers: EmbeddedDatabaseProcess[] = await Promise.all([startEmbeddedDatabase(), startEmbeddedDatabase()]);
      const [identityServer, tenancyServer] = servers as [EmbeddedDatabaseProcess, EmbeddedDatabaseProcess];
      const identity = await openSubgraph('identity', identityServer.url, undefined);
      const tenancy = await openSubgraph('tenancy', tenancyServer.url, undefined);
      return {
        identity,
        tenancy,
        async close() {
          await Promise.all([closeSubgraph(identity), closeSubgraph(tenancy)]);
          await Promise.all(servers.map((s) => s.stop()));
        },
      };
    },
  },
];

const tenant = (name: string): TenantEntity => {
  const id = uuid7();
  const now = new Date();
  return { id, slug: `${name}-${id.slice(-8)}`, name, status: 'ACTIVE', version: 1, createdAt: now, updatedAt: now, suspendedReason: null, suspendedAt: null };
};

const user = (tenantId: string | null, email: string): UserEntity => {
  const now = new Date();
  return {
    id: uuid7(),
    tenantId,
    organizationId: null,
    departmentId: null,
    email,
    emailNormalized: email,
    displayName: email,
    passwordHash: 'not-a-real-hash',
    status: 'ACTIVE',
    roles: ['member'],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
};

describe.each(BACKENDS)('row-level security on $name', (backend) => {
  const suite = backend.available ? describe : describe.skip;

  suite('with two tenants stored side by side', () => {
    let identity: Subgraph;
    let tenancy: Subgraph;
    let opened: Awaited<ReturnType<Backend['open']>> | undefined;
    const a = tenant('alpha');
    const b = tenant('beta');
    const orgA = uuid7();
    const orgB = uuid7();
    const deptA = uuid7();
    const deptB = uuid7();
    const userA = user(a.id, 'ann@alpha.test');
    const userB = user(b.id, 'bob@beta.test');
    const platformUser = user(null, 'root@lattice.test');
    const slotOf = (level: 'TENANT' | 'ORGANIZATION', scopeId: string): ConfigurationSlot => ({ level, scopeId, key: 'feature.flags' });
    const globalSlot: ConfigurationSlot = { level: 'GLOBAL', scopeId: null, key: 'feature.flags' };
    const allSlots = [slotOf('TENANT', a.id), slotOf('TENANT', b.id), slotOf('ORGANIZATION', orgA), slotOf('ORGANIZATION', orgB), globalSlot];

    const inTenant = (s: Subgraph, id: string): ScopedDatabase => s.database.forTenant(id);

    beforeAll(async () => {
      opened = await backend.open();
      ({ identity, tenancy } = opened);
      // Fixtures go in through the same stores, in the audited platform scope.
      const platform = tenancy.database.asPlatform('test fixtures');
      const tenants = new TenantStore(platform);
      const hierarchy = new HierarchyStore(platform);
      const configuration = new ConfigurationStore(platform);
      for (const [t, org, dept] of [
        [a, orgA, deptA],
        [b, orgB, deptB],
      ] as const) {
        await tenants.insert(t);
        await hierarchy.insertOrganization({ id: org, tenantId: t.id, name: `${t.name} org`, status: 'ACTIVE', version: 1, createdAt: new Date() });
        await hierarchy.insertDepartment({
          id: dept,
          tenantId: t.id,
          organizationId: org,
          parentId: null,
          path: [],
          name: `${t.name} dept`,
          status: 'ACTIVE',
          version: 1,
          createdAt: new Date(),
        });
        for (const slot of [slotOf('TENANT', t.id), slotOf('ORGANIZATION', org)]) {
          await configuration.upsert({ id: uuid7(), slot, tenantId: t.id, json: JSON.stringify(`${t.name} secret`), updatedBy: null });
        }
      }
      await configuration.upsert({ id: uuid7(), slot: globalSlot, tenantId: null, json: '"global"', updatedBy: null });
      const users = new IdentityStore(identity.database.asPlatform('test fixtures'));
      for (const u of [userA, userB, platformUser]) await users.insertUser(u);
      for (const u of [userA, userB]) {
        await identity.owner.query(
          `INSERT INTO refresh_tokens (id, user_id, tenant_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $1, $4, now() + interval '1 day')`,
          [uuid7(), u.id, u.tenantId, `hash-${u.id}`],
        );
      }
      await identity.owner.query(`INSERT INTO signing_keys (kid, algorithm, public_jwk, private_jwk_encrypted, activates_at) VALUES ('k1', 'EdDSA', '{}', 'sealed', now())`);
    }, 120_000);

    afterAll(async () => {
      await opened?.close();
    });

    it('forces row-level security, with a policy, on every table that holds a tenant column', async () => {
      for (const s of [identity, tenancy]) {
        const { rows } = await s.owner.query<{ table: string; enabled: boolean; forced: boolean; policies: number }>(
          `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                  (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'
              AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))`,
        );
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(row).toMatchObject({ enabled: true, forced: true, policies: expect.any(Number) });
        expect(rows.every((row) => row.policies > 0)).toBe(true);
      }
      const tables = async (s: Subgraph) =>
        (await s.owner.query<{ t: string }>(`SELECT relname AS t FROM pg_class WHERE relforcerowsecurity ORDER BY 1`)).rows.map((r) => r.t);
      const eventStore = ['event_snapshots', 'event_store', 'outbox_relay_lease'];
      const sorted = (names: string[]) => [...names].sort();
      expect(await tables(identity)).toEqual(sorted(['api_keys', ...eventStore, 'refresh_tokens', 'role_assignments', 'roles', 'sign_in_attempts', 'signing_keys', 'users']));
      expect(await tables(tenancy)).toEqual(sorted(['configuration_entries', 'departments', ...eventStore, 'organizations', 'tenants']));
    });

    it('returns only the scope tenant’s rows from store methods that take no tenant filter', async () => {
      expect((await new TenantStore(inTenant(tenancy, a.id)).findByIds([a.id, b.id])).map((t) => t.id)).toEqual([a.id]);
      expect((await new TenantStore(inTenant(tenancy, a.id)).list({ afterId: null, limit: 10 })).map((t) => t.id)).toEqual([a.id]);
      expect((await new TenantStore(inTenant(tenancy, a.id)).findBySlug(b.slug))).toBeNull();
      const hierarchy = new HierarchyStore(inTenant(tenancy, a.id));
      expect((await hierarchy.organizationsByIds([orgA, orgB])).map((o) => o.id)).toEqual([orgA]);
      expect((await hierarchy.departmentsByIds([deptA, deptB])).map((d) => d.id)).toEqual([deptA]);
      expect((await new IdentityStore(inTenant(identity, a.id)).findUsersByIds([userA.id, userB.id, platformUser.id])).map((u) => u.id)).toEqual([userA.id]);
      const entries = await new ConfigurationStore(inTenant(tenancy, a.id)).entriesAt(allSlots);
      expect(entries.map((e) => e.value).sort()).toEqual(['alpha secret', 'alpha secret', 'global']);
    });

    it('returns only the scope tenant’s rows from a query with no WHERE clause at all', async () => {
      for (const table of ['tenants', 'organizations', 'departments', 'configuration_entries']) {
        const rows = await inTenant(tenancy, b.id).query<{ tenant: string | null }[]>(`SELECT ${table === 'tenants' ? 'id' : 'tenant_id'} AS tenant FROM ${table}`);
        expect(rows.length).toBeGreaterThan(0);
        // Configuration also shows the GLOBAL rows every tenant inherits (no tenant).
        expect(new Set(rows.map((r) => r.tenant))).toEqual(new Set(table === 'configuration_entries' ? [b.id, null] : [b.id]));
      }
      for (const table of ['users', 'refresh_tokens']) {
        const rows = await inTenant(identity, b.id).query<{ tenant: string }[]>(`SELECT tenant_id AS tenant FROM ${table}`);
        expect(rows).toEqual([{ tenant: b.id }]);
      }
      expect(await inTenant(identity, b.id).query(`SELECT id FROM users`)).toEqual([{ id: userB.id }]);
    });

    it('lets no write reach or create another tenant’s rows, and leaves them unchanged', async () => {
      const before = await tenancy.owner.query(`SELECT id, name, version FROM organizations ORDER BY id`);
      const scoped = inTenant(tenancy, a.id);
      expect(await scoped.query(`UPDATE organizations SET name = 'pwned' WHERE id = $1 RETURNING id`, [orgB])).toEqual([[], 0]);
      expect(await scoped.query(`DELETE FROM departments WHERE id = $1 RETURNING id`, [deptB])).toEqual([[], 0]);
      await expect(new HierarchyStore(scoped).renameOrganization(orgB, 'pwned', 1)).rejects.toBeInstanceOf(MissingRowError);
      await expect(
        scoped.query(`INSERT INTO organizations (id, tenant_id, name, version, created_at, updated_at) VALUES ($1, $2, 'planted', 1, now(), now())`, [uuid7(), b.id]),
      ).rejects.toThrow(/row-level security/);
      // Moving one of its own rows into the other tenant is refused the same way.
      await expect(scoped.query(`UPDATE organizations SET tenant_id = $2 WHERE id = $1`, [orgA, b.id])).rejects.toThrow(/row-level security/);
      const configuration = new ConfigurationStore(scoped);
      await expect(configuration.upsert({ id: uuid7(), slot: slotOf('TENANT', b.id), tenantId: b.id, json: '"x"', updatedBy: null })).rejects.toThrow(/row-level security/);
      // GLOBAL rows are readable by every tenant but written only in platform scope.
      await expect(configuration.upsert({ id: uuid7(), slot: globalSlot, tenantId: null, json: '"x"', updatedBy: null })).rejects.toThrow(/row-level security/);
      expect(await configuration.delete(globalSlot)).toBeNull();
      expect(await tenancy.owner.query(`SELECT id, name, version FROM organizations ORDER BY id`)).toEqual(before);
      const { rows } = await tenancy.owner.query<{ value: string }>(`SELECT value FROM configuration_entries WHERE level = 'GLOBAL'`);
      expect(rows).toEqual([{ value: 'global' }]);
    });

    it('shows no tenant’s rows to a unit of work without a tenant, and signing keys only to platform scope', async () => {
      const none = tenancy.database.unscoped();
      expect(await none.query(`SELECT id FROM tenants`)).toEqual([]);
      expect(await none.query(`SELECT id FROM organizations`)).toEqual([]);
      expect(await identity.database.unscoped().query(`SELECT id FROM users`)).toEqual([]);
      expect(await inTenant(identity, a.id).query(`SELECT kid FROM signing_keys`)).toEqual([]);
      expect(await identity.database.asPlatform('test: read keys').query(`SELECT kid FROM signing_keys`)).toEqual([{ kid: 'k1' }]);
      // Platform users belong to no tenant: a tenant scope never sees them.
      expect(await new IdentityStore(inTenant(identity, a.id)).findUserByEmail(null, platformUser.emailNormalized)).toBeNull();
    });

    it('logs every platform-scope unit of work with its reason', async () => {
      logs.length = 0;
      await tenancy.database.asPlatform('test: count tenants', { requestId: 'req-1', principal: { kind: 'USER', subject: 'u-9', tenantId: null, roles: [], permissions: [] } }).query(
        `SELECT count(*) FROM tenants`,
      );
      expect(logs).toEqual([
        { message: 'platform-scope database access', fields: { reason: 'test: count tenants', requestId: 'req-1', principal: 'USER:u-9' } },
      ]);
    });

    it('keeps the scope inside its transaction: the pooled connection afterwards carries no tenant and no app role', async () => {
      await inTenant(tenancy, a.id).query(`SELECT 1`);
      await Promise.all(
        [0, 1].map(async () => {
          const [row] = await tenancy.dataSource.query<{ tenant: string | null; role: string }[]>(
            `SELECT current_setting('lattice.tenant_id', true) AS tenant, current_user AS role`,
          );
          expect(row?.tenant ?? '').toBe('');
          expect(row?.role).not.toBe(APP_ROLE);
        }),
      );
    });

    it('refuses to join an open unit of work of another tenant instead of running in the wrong scope', async () => {
      await expect(inTenant(tenancy, a.id).run(() => inTenant(tenancy, b.id).query(`SELECT 1`))).rejects.toThrow(/cannot join/);
    });

    if (backend.unprivilegedLogin) {
      it('runs the service as a login that is neither superuser nor owner, and even outside a unit of work sees no tenant rows', async () => {
        const [login] = await tenancy.dataSource.query<{ role: string; superuser: boolean }[]>(
          `SELECT current_user AS role, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`,
        );
        expect(login).toEqual({ role: TEST_APP_LOGIN, superuser: false });
        expect(await tenancy.dataSource.query(`SELECT id FROM organizations`)).toEqual([]);
      });

      it('refuses to start when the app URL logs in as a superuser', async () => {
        const ownerUrl = tenancy.ownerUrl;
        await expect(
          openDatabase({ name: 'tenancy', url: ownerUrl, appUrl: ownerUrl, appUrlVariable: 'TENANCY_DATABASE_APP_URL', poolSize: 2, logger, entities: TENANCY_ENTITIES, migrations: TENANCY_MIGRATIONS }),
        ).rejects.toThrow(/TENANCY_DATABASE_APP_URL: the login role "postgres" is a superuser/);
      });
    }
  });
});
