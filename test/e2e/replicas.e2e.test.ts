import { Client } from 'pg';
import { IDENTITY_MIGRATIONS } from '../../subgraphs/identity/store/identity-store';
import { startDistributedPlatform, type RunningPlatform } from '../support/platform';
import { bearer, graphql } from '../support/graphql-client';
import { signIn, signInAsAdmin, createTenantWithAdmin, PASSWORD } from '../support/scenario';
import { distributedAvailable } from '../support/modes';

const distributed = distributedAvailable();

(distributed ? describe : describe.skip)('several identity replicas on one database (distributed mode)', () => {
  let platform: RunningPlatform;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ extraIdentityReplicas: 2 });
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('migrate once, create one signing key and one platform admin when started at the same moment', async () => {
    const client = new Client({ connectionString: platform.databaseUrls!.identity });
    await client.connect();
    try {
      const keys = await client.query('SELECT count(*)::int AS n FROM signing_keys');
      const admins = await client.query(`SELECT count(*)::int AS n FROM users WHERE 'platform-admin' = ANY(roles)`);
      const migrations = await client.query<{ name: string }>('SELECT name FROM lattice_migrations ORDER BY id');
      expect({ keys: keys.rows[0].n, admins: admins.rows[0].n }).toEqual({ keys: 1, admins: 1 });
      // Each migration recorded exactly once, in order, however many replicas raced to apply it.
      expect(migrations.rows.map((r) => r.name)).toEqual(IDENTITY_MIGRATIONS.map((m) => new m().name));
    } finally {
      await client.end();
    }
  });

  it('publish the same JWKS from every replica, so the gateway accepts tokens whichever replica issued them', async () => {
    const [first, ...others] = await Promise.all(
      [platform.subgraphs.identity, ...platform.identityReplicas!].map(async (base) => (await fetch(`${base}/.well-known/jwks.json`)).json()),
    );
    for (const other of others) expect(other).toEqual(first);
    const admin = await signInAsAdmin(platform.graphqlUrl);
    const acme = await createTenantWithAdmin(platform.graphqlUrl, admin);
    const token = await signIn(platform.graphqlUrl, acme.admin.email, PASSWORD, acme.tenant.slug);
    expect((await graphql(platform.graphqlUrl, '{ me { email } }', {}, bearer(token))).data).toEqual({ me: { email: acme.admin.email } });
  });
});
