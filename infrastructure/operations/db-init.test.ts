import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { AUDIT_MIGRATIONS } from '../../subgraphs/audit/store/postgres-audit-schema';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from '../../subgraphs/identity/store/identity-store';
import { TEST_POSTGRES_URL } from '../../test/support/infrastructure';
import { distributedAvailable } from '../../test/support/modes';
import { parseDatabaseInitConfig } from '../config/config';
import { openDatabase } from '../database/data-source';
import { verifierAccepts } from '../database/scram-verifier';
import { loggerOver } from '../logging/logger';
import { runDatabaseInit } from './db-init';

const silent = loggerOver({ write: () => undefined });
const suite = distributedAvailable() ? describe : describe.skip;

/**
 * `npm run db:init` against the real PostgreSQL server, with names of this run's own (roles are cluster-wide, so the
 * owner and service logins and the database prefix are unique per run; lattice_app is shared, as in production).
 */
suite('npm run db:init', () => {
  const run = randomBytes(4).toString('hex');
  const owner = `dbinit_${run}_owner`;
  const service = `dbinit_${run}_service`;
  const prefix = `dbinit_${run}`;
  const databases = ['identity', 'tenancy', 'audit', 'registry'].map((s) => `${prefix}_${s}`);
  const ownerPassword = `owner-${randomBytes(8).toString('hex')}!`;
  const servicePassword = `service-${randomBytes(8).toString('hex')}#`;

  let admin: Client;
  const env = (overrides: Record<string, string | undefined> = {}) => ({
    LATTICE_DB_ADMIN_URL: TEST_POSTGRES_URL,
    LATTICE_DB_OWNER: owner,
    LATTICE_DB_SERVICE_LOGIN: service,
    LATTICE_DB_PREFIX: prefix,
    LATTICE_DB_OWNER_PASSWORD: ownerPassword,
    LATTICE_SERVICE_DB_PASSWORD: servicePassword,
    ...overrides,
  });
  async function dbInit(args: string[] = [], overrides: Record<string, string | undefined> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runDatabaseInit(args, {
      settings: () => parseDatabaseInitConfig(env(overrides)),
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    return { code, stdout, stderr };
  }
  const urlOf = (login: string, database: string) => {
    const url = new URL(TEST_POSTGRES_URL);
    url.username = login;
    url.password = '';
    url.pathname = `/${database}`;
    return url.toString();
  };
  async function roles(names: string[]) {
    const { rows } = await admin.query<{ name: string; login: boolean; superuser: boolean; bypass: boolean; app: boolean; verifier: string | null }>(
      `SELECT r.rolname AS name, r.rolcanlogin AS login, r.rolsuper AS superuser, r.rolbypassrls AS bypass,
              pg_has_role(r.oid, 'lattice_app', 'MEMBER') AS app, a.rolpassword AS verifier
         FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid WHERE r.rolname = ANY($1::text[]) ORDER BY r.rolname`,
      [names],
    );
    return rows;
  }
  async function owners() {
    const { rows } = await admin.query<{ name: string; owner: string }>(
      `SELECT datname AS name, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname LIKE $1 ORDER BY datname`,
      [`${prefix}_%`],
    );
    return rows;
  }

  beforeAll(async () => {
    admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
  });

  afterAll(async () => {
    for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const role of [owner, service, `${service}_super`]) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it('refuses to start without the passwords of logins it must create, and creates nothing', async () => {
    const result = await dbInit([], { LATTICE_DB_OWNER_PASSWORD: undefined });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was changed');
    expect(result.stderr).toContain('LATTICE_DB_OWNER_PASSWORD is not set');
    expect(await roles([owner, service])).toEqual([]);
    expect(await owners()).toEqual([]);
  });

  it('on a cluster without them, creates both logins and the four databases, and prints the URLs without a password', async () => {
    const result = await dbInit();
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Done: 6 of 7 created or changed.'); // lattice_app is already in place on this server

    const [ownerRole, serviceRole] = await roles([owner, service]);
    for (const role of [ownerRole, serviceRole]) expect(role).toMatchObject({ login: true, superuser: false, bypass: false, app: true });
    expect(await owners()).toEqual(databases.slice().sort().map((name) => ({ name, owner })));

    expect(result.stdout).toContain(`IDENTITY_DATABASE_APP_URL=postgres://${service}:<LATTICE_SERVICE_DB_PASSWORD>@`);
    expect(result.stdout).toContain(`AUDIT_DATABASE_URL=postgres://${owner}:<LATTICE_DB_OWNER_PASSWORD>@`);
    expect(result.stdout).not.toContain(ownerPassword);
    expect(result.stdout).not.toContain(servicePassword);
  });

  it('stores SCRAM verifiers that PostgreSQL checks the configured passwords against', async () => {
    const [ownerRole, serviceRole] = await roles([owner, service]);
    expect(ownerRole?.verifier).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(verifierAccepts(ownerRole!.verifier, ownerPassword)).toBe(true);
    expect(verifierAccepts(serviceRole!.verifier, servicePassword)).toBe(true);
    expect(verifierAccepts(serviceRole!.verifier, ownerPassword)).toBe(false);

    // The same computation against a verifier PostgreSQL made itself.
    const probe = `${service}_probe`;
    await admin.query(`SET password_encryption = 'scram-sha-256'`);
    await admin.query(`CREATE ROLE ${probe} PASSWORD 'probe-password-1'`);
    try {
      const { rows: [made] } = await admin.query<{ verifier: string }>(`SELECT rolpassword AS verifier FROM pg_authid WHERE rolname = $1`, [probe]);
      expect(verifierAccepts(made!.verifier, 'probe-password-1')).toBe(true);
      expect(verifierAccepts(made!.verifier, 'probe-password-2')).toBe(false);
    } finally {
      await admin.query(`DROP ROLE ${probe}`);
    }
  });

  it('run again, changes nothing; with a new service password, sets only that', async () => {
    const again = await dbInit();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to change: every role and database was already in place.');

    const rotated = `rotated-${randomBytes(8).toString('hex')}`;
    const rotation = await dbInit([], { LATTICE_SERVICE_DB_PASSWORD: rotated });
    expect(rotation.code).toBe(0);
    expect(rotation.stdout).toContain(`login ${service}: changed (password set from LATTICE_SERVICE_DB_PASSWORD)`);
    expect(rotation.stdout).toContain('Done: 1 of 7 created or changed.');
    const [, serviceRole] = await roles([owner, service]);
    expect(verifierAccepts(serviceRole!.verifier, rotated)).toBe(true);
  });

  it("lets the services' migrations run as the owner login and the services run as the service login", async () => {
    const identity = await openDatabase({
      name: 'identity',
      url: urlOf(owner, `${prefix}_identity`),
      appUrl: urlOf(service, `${prefix}_identity`),
      poolSize: 2,
      logger: silent,
      entities: IDENTITY_ENTITIES,
      migrations: IDENTITY_MIGRATIONS,
    });
    const audit = await openDatabase({
      name: 'audit',
      url: urlOf(owner, `${prefix}_audit`),
      appUrl: urlOf(service, `${prefix}_audit`),
      poolSize: 2,
      logger: silent,
      entities: [],
      migrations: AUDIT_MIGRATIONS,
    });
    try {
      const [me] = await identity.query<{ login: string }[]>(`SELECT current_user AS login`);
      expect(me?.login).toBe(service);
      // Audit's login appends and reads, but may not rewrite the record.
      await expect(audit.query(`SELECT count(*) FROM audit_records`)).resolves.toEqual([{ count: '0' }]);
      await expect(audit.query(`UPDATE audit_records SET type = 'x'`)).rejects.toThrow(/permission denied/);
      await expect(audit.query(`TRUNCATE audit_records`)).rejects.toThrow(/permission denied|must be owner/);
    } finally {
      await identity.destroy();
      await audit.destroy();
    }
  });

  it('refuses a service login that is a superuser, naming the fix, before any change', async () => {
    const superService = `${service}_super`;
    await admin.query(`CREATE ROLE ${superService} LOGIN SUPERUSER`);
    const before = await owners();
    const result = await dbInit([], { LATTICE_DB_SERVICE_LOGIN: superService, LATTICE_DB_PREFIX: `${prefix}x` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was changed');
    expect(result.stderr).toContain(`ALTER ROLE ${superService} NOSUPERUSER NOBYPASSRLS`);
    expect(await owners()).toEqual(before);
    const { rows } = await admin.query(`SELECT 1 FROM pg_database WHERE datname LIKE $1`, [`${prefix}x_%`]);
    expect(rows).toEqual([]);
  });

  it('hands a database made by another role to the owner only with --take-ownership, tables included', async () => {
    const registry = `${prefix}_registry`;
    await admin.query(`DROP DATABASE ${registry} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${registry}`); // owned by the administrator, as the old compose init script did
    const inside = new Client({ connectionString: urlOf(new URL(TEST_POSTGRES_URL).username, registry) });
    await inside.connect();
    await inside.query(`CREATE TABLE schema_versions (id serial PRIMARY KEY)`);

    const refused = await dbInit();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`database ${registry} belongs to`);
    expect(refused.stderr).toContain('--take-ownership');

    const taken = await dbInit(['--take-ownership']);
    expect(taken.code).toBe(0);
    expect(taken.stdout).toContain(`database ${registry}: changed (taken over from`);
    expect((await owners()).find((d) => d.name === registry)?.owner).toBe(owner);
    const { rows: [table] } = await inside.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'schema_versions'`);
    expect(table?.owner).toBe(owner);
    await inside.end();
  });

  it('says which variable is wrong for a malformed value, without echoing a password', async () => {
    const result = await dbInit([], { LATTICE_SERVICE_DB_PASSWORD: 'short pw' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('LATTICE_SERVICE_DB_PASSWORD: must be 12 to 128 printable ASCII characters');
    expect(result.stderr).not.toContain('short pw');
  });
});
