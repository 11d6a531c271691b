import { decodeProtectedHeader } from 'jose';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../../infrastructure/database/data-source';
import { TenantDatabase } from '../../../infrastructure/database/scoped-database';
import { loggerOver } from '../../../infrastructure/logging/logger';
import { createTestDatabases, TEST_POSTGRES_URL, type TestDatabases } from '../../../test/support/infrastructure';
import { distributedAvailable } from '../../../test/support/modes';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS, IdentityStore } from '../store/identity-store';
import { RoleStore } from '../store/role-store';
import { SigningKeyStore } from '../store/signing-key-store';
import { KeyEncryption } from './key-encryption';
import { TokenIssuer } from './token-issuer';
import type { User } from './user';

const TTL_SECONDS = 60;
const DAY_MS = 24 * 60 * 60 * 1000;

const user: User = {
  id: '0190f000-0000-7000-8000-000000000001',
  tenantId: null,
  organizationId: null,
  departmentId: null,
  email: 'root@lattice.test',
  displayName: 'Root',
  status: 'ACTIVE',
  roles: ['platform-admin'],
  version: 1,
  createdAt: new Date(),
};

// Real PostgreSQL, as the distributed suites use (global setup probes it and announces a skip).
(distributedAvailable() ? describe : describe.skip)('signing keys across identity replicas', () => {
  let databases: TestDatabases<'identity'>;
  let dataSource: DataSource;
  let database: TenantDatabase;
  const encryption = new KeyEncryption('a-test-context-secret-of-at-least-32-characters');

  const replica = (maxAgeMs = 30 * DAY_MS) =>
    new TokenIssuer(
      new IdentityStore(database.asPlatform('test')),
      new SigningKeyStore(database.asPlatform('test')),
      encryption,
      TTL_SECONDS,
      { leadMs: 60_000, maxAgeMs },
      new RoleStore(database.asPlatform('test')),
    );

  beforeAll(async () => {
    databases = await createTestDatabases(TEST_POSTGRES_URL, ['identity']);
    const logger = loggerOver({ write: () => undefined });
    dataSource = await openDatabase({ name: 'identity', url: databases.urls.identity, poolSize: 4, logger, entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS });
    database = new TenantDatabase(dataSource, logger);
    await dataSource.query(`INSERT INTO users (id, tenant_id, email, email_normalized, display_name, password_hash, status, roles, version, created_at, updated_at)
      VALUES ($1, NULL, 'root@lattice.test', 'root@lattice.test', 'Root', 'x', 'ACTIVE', '{platform-admin}', 1, now(), now())`, [user.id]);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await databases?.drop();
  });

  const keyCount = async () => (await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM signing_keys`))[0]!.n;

  it('creates exactly one first key when several replicas start at once, and they all sign with it', async () => {
    const replicas = [replica(), replica(), replica()];
    await Promise.all(replicas.map((r) => r.start()));
    expect(await keyCount()).toBe(1);
    const kids = await Promise.all(replicas.map(async (r) => decodeProtectedHeader((await r.issue(user)).accessToken).kid));
    expect(new Set(kids).size).toBe(1);
  });

  it('rotates on schedule once, however many replicas find the key due at the same moment', async () => {
    const before = await keyCount();
    // Nothing is due while the newest key is younger than the maximum age.
    expect(await replica().rotateIfDue()).toBeNull();
    expect(await keyCount()).toBe(before);
    // Age the key past a one-second maximum: every replica finds it due, and the lock lets one rotate.
    const sameMoment = [replica(1000), replica(1000), replica(1000)];
    await dataSource.query(`UPDATE signing_keys SET created_at = created_at - interval '1 hour'`);
    const results = await Promise.all(sameMoment.map((r) => r.rotateIfDue()));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await keyCount()).toBe(before + 1);
  });

  it('keeps a retired key in JWKS for one token lifetime plus a minute after it retires, then drops it', async () => {
    const issuer = replica();
    await issuer.start();
    const rotated = await issuer.rotate();
    const published = async () => (await issuer.jwks()).keys.map((k) => k.kid);
    expect(await published()).toEqual(expect.arrayContaining([rotated.kid, ...rotated.retiring]));
    // Pretend the retirement happened just inside, then just outside, the window.
    await dataSource.query(`UPDATE signing_keys SET retired_at = now() - make_interval(secs => $1) WHERE kid = ANY($2)`, [TTL_SECONDS + 50, rotated.retiring]);
    expect(await published()).toEqual(expect.arrayContaining(rotated.retiring));
    await dataSource.query(`UPDATE signing_keys SET retired_at = now() - make_interval(secs => $1) WHERE kid = ANY($2)`, [TTL_SECONDS + 70, rotated.retiring]);
    const after = await published();
    expect(after).toContain(rotated.kid);
    for (const kid of rotated.retiring) expect(after).not.toContain(kid);
  });
});
