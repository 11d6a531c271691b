import { startDistributedPlatform, type RunningPlatform } from '../support/platform';
import { bearer, codesOf, graphql } from '../support/graphql-client';
import { createTenantWithAdmin, signInAsAdmin, type TenantWithAdmin } from '../support/scenario';
import { distributedAvailable } from '../support/modes';

const distributed = distributedAvailable();

(distributed ? describe : describe.skip)('the gateway when a subgraph is down (distributed mode)', () => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;

  beforeAll(async () => {
    platform = await startDistributedPlatform();
    const adminToken = await signInAsAdmin(platform.graphqlUrl);
    [acme, globex] = await Promise.all([createTenantWithAdmin(platform.graphqlUrl, adminToken), createTenantWithAdmin(platform.graphqlUrl, adminToken)]);
    // A restarted gateway knows no tenant's status; acme's is learnt again before tenancy goes down, globex's is not.
    platform = await platform.restart();
    expect((await graphql(platform.graphqlUrl, '{ me { email } }', {}, bearer(acme.admin.token))).status).toBe(200);
    const tenancy = platform.processes.find((p) => p.child.spawnargs.some((arg) => arg.endsWith('subgraphs/tenancy/main.js')));
    expect(await tenancy!.stop()).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('still answers the fields other subgraphs own, and names the missing one with SERVICE_UNAVAILABLE', async () => {
    const response = await graphql(platform.graphqlUrl, '{ me { email tenant { name } } }', {}, bearer(acme.admin.token));
    expect(response.data).toEqual({ me: { email: acme.admin.email, tenant: null } });
    expect(codesOf(response)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(response.errors?.[0]?.message).toBe('the tenancy service is not reachable; try again shortly');
    expect(JSON.stringify(response)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });

  it('refuses a user whose tenant status it cannot check with 503 SERVICE_UNAVAILABLE rather than let them through', async () => {
    const response = await graphql(platform.graphqlUrl, '{ me { email } }', {}, bearer(globex.admin.token));
    expect(response.status).toBe(503);
    expect(codesOf(response)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(response.data).toBeUndefined();
    expect(JSON.stringify(response)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });

  it('reports not ready, naming the unreachable subgraph', async () => {
    const response = await fetch(`${platform.baseUrl}/health/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'not ready', checks: { tenancy: 'unreachable', identity: 'ok' } });
  });
});
