import { randomUUID } from 'node:crypto';
import { startDistributedPlatform, startPlatform, type RunningPlatform } from '../support/platform';
import { platformModes, distributedAvailable } from '../support/modes';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { createTenantWithAdmin, PASSWORD, SIGN_IN, signInAsAdmin, type TenantWithAdmin } from '../support/scenario';

const SUSPEND = `mutation Suspend($input: SuspendTenantInput!) { suspendTenant(input: $input) { id slug status } }`;
const REACTIVATE = `mutation Reactivate($input: ReactivateTenantInput!) { reactivateTenant(input: $input) { id slug status } }`;
const ME = '{ me { email } }';
const TENANT_STATUS = 'query($id: ID) { tenant(id: $id) { status } }';

/**
 * How long a suspension may take to reach another gateway replica: one Redis pub/sub hop, normally a few
 * milliseconds. The gateway that served the mutation refuses the very next request without waiting.
 */
const PROPAGATION_BOUND_MS = 2_000;

async function until(request: () => Promise<GraphQLResponse>, done: (response: GraphQLResponse) => boolean): Promise<GraphQLResponse> {
  const deadline = Date.now() + PROPAGATION_BOUND_MS;
  for (;;) {
    const response = await request();
    if (done(response) || Date.now() > deadline) return response;
    await new Promise((r) => setTimeout(r, 25));
  }
}

function expectSuspendedRefusal(response: GraphQLResponse, slug: string): void {
  expect(response.status).toBe(403);
  expect(response.data).toBeUndefined();
  expect(response.errors).toEqual([
    { message: expect.stringContaining(`"${slug}" is suspended`), extensions: { code: 'TENANT_SUSPENDED', requestId: expect.any(String) } },
  ]);
}

describe.each(platformModes())('tenant suspension (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let url: string;
  let adminToken: string;
  let bystander: TenantWithAdmin;

  const suspend = (id: string, token = adminToken, reason = 'unpaid invoices') => graphql(url, SUSPEND, { input: { id, reason } }, bearer(token));
  const reactivate = (id: string, token = adminToken) => graphql(url, REACTIVATE, { input: { id } }, bearer(token));

  beforeAll(async () => {
    platform = await startPlatform(mode);
    url = platform.graphqlUrl;
    adminToken = await signInAsAdmin(url);
    bystander = await createTenantWithAdmin(url, adminToken);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it("refuses the suspended tenant's users at the gateway with 403 TENANT_SUSPENDED as soon as suspendTenant returns", async () => {
    const acme = await createTenantWithAdmin(url, adminToken);
    expect((await graphql(url, ME, {}, bearer(acme.admin.token))).data).toEqual({ me: { email: acme.admin.email } });

    const suspended = await suspend(acme.tenant.id);
    expect(suspended.errors).toBeUndefined();
    expect(suspended.data).toEqual({ suspendTenant: { id: acme.tenant.id, slug: acme.tenant.slug, status: 'SUSPENDED' } });

    expectSuspendedRefusal(await graphql(url, ME, {}, bearer(acme.admin.token)), acme.tenant.slug);
    // Refused before planning: even a query no subgraph would answer gets the same 403.
    expectSuspendedRefusal(await graphql(url, '{ __typename }', {}, bearer(acme.admin.token)), acme.tenant.slug);
  });

  it('leaves other tenants and the platform admin unaffected', async () => {
    const acme = await createTenantWithAdmin(url, adminToken);
    await suspend(acme.tenant.id);
    const other = await graphql(url, ME, {}, bearer(bystander.admin.token));
    expect(other.status).toBe(200);
    expect(other.data).toEqual({ me: { email: bystander.admin.email } });
    const status = await graphql(url, TENANT_STATUS, { id: acme.tenant.id }, bearer(adminToken));
    expect(status.data).toEqual({ tenant: { status: 'SUSPENDED' } });
  });

  it('refuses sign-in for a suspended tenant with TENANT_SUSPENDED, but only once the password is right', async () => {
    const acme = await createTenantWithAdmin(url, adminToken);
    await suspend(acme.tenant.id);
    const rightPassword = await graphql(url, SIGN_IN, { input: { email: acme.admin.email, password: PASSWORD, tenantSlug: acme.tenant.slug } });
    expect(codesOf(rightPassword)).toEqual(['TENANT_SUSPENDED']);
    expect(rightPassword.data).toBeNull();
    // A wrong password says nothing about the tenant: the same answer as an unknown account.
    const wrongPassword = await graphql(url, SIGN_IN, { input: { email: acme.admin.email, password: 'not-the-password', tenantSlug: acme.tenant.slug } });
    const unknownAccount = await graphql(url, SIGN_IN, { input: { email: 'nobody@example.test', password: PASSWORD, tenantSlug: acme.tenant.slug } });
    expect(codesOf(wrongPassword)).toEqual(['UNAUTHENTICATED']);
    expect(wrongPassword.errors?.[0]?.message).toBe(unknownAccount.errors?.[0]?.message);
    expect(JSON.stringify(wrongPassword)).not.toContain('suspend');
  });

  it('restores access, with the token the user already holds, once the tenant is reactivated', async () => {
    const acme = await createTenantWithAdmin(url, adminToken);
    await suspend(acme.tenant.id);
    expectSuspendedRefusal(await graphql(url, ME, {}, bearer(acme.admin.token)), acme.tenant.slug);

    const reactivated = await reactivate(acme.tenant.id);
    expect(reactivated.data).toEqual({ reactivateTenant: { id: acme.tenant.id, slug: acme.tenant.slug, status: 'ACTIVE' } });
    const me = await graphql(url, ME, {}, bearer(acme.admin.token));
    expect(me.status).toBe(200);
    expect(me.data).toEqual({ me: { email: acme.admin.email } });
    const signedIn = await graphql(url, SIGN_IN, { input: { email: acme.admin.email, password: PASSWORD, tenantSlug: acme.tenant.slug } });
    expect(signedIn.errors).toBeUndefined();
  });

  it('refuses a tenant admin suspending any tenant with FORBIDDEN and leaves it active', async () => {
    const acme = await createTenantWithAdmin(url, adminToken);
    for (const target of [acme.tenant.id, bystander.tenant.id]) {
      expect(codesOf(await suspend(target, acme.admin.token))).toEqual(['FORBIDDEN']);
      expect((await graphql(url, TENANT_STATUS, { id: target }, bearer(adminToken))).data).toEqual({ tenant: { status: 'ACTIVE' } });
    }
    expect(codesOf(await reactivate(acme.tenant.id, acme.admin.token))).toEqual(['FORBIDDEN']);
    expect((await graphql(url, ME, {}, bearer(acme.admin.token))).data).toEqual({ me: { email: acme.admin.email } });
  });

  it('answers NOT_FOUND for a tenant that does not exist', async () => {
    const unknown = randomUUID();
    expect(codesOf(await suspend(unknown))).toEqual(['NOT_FOUND']);
    expect(codesOf(await reactivate(unknown))).toEqual(['NOT_FOUND']);
  });

  it('answers BAD_USER_INPUT for a tenant id that is not an id, before any database call', async () => {
    expect(codesOf(await suspend('not-a-tenant-id'))).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an empty or over-long reason with BAD_USER_INPUT that does not echo it', async () => {
    const acme = await createTenantWithAdmin(url, adminToken);
    const empty = await suspend(acme.tenant.id, adminToken, '   ');
    expect(codesOf(empty)).toEqual(['BAD_USER_INPUT']);
    const long = `secret-${'x'.repeat(600)}`;
    const tooLong = await suspend(acme.tenant.id, adminToken, long);
    expect(codesOf(tooLong)).toEqual(['BAD_USER_INPUT']);
    expect(tooLong.errors?.[0]?.message).toMatch(/^input\.reason: must be 1 to 500 characters/);
    expect(JSON.stringify(tooLong)).not.toContain('secret-');
    expect((await graphql(url, TENANT_STATUS, { id: acme.tenant.id }, bearer(adminToken))).data).toEqual({ tenant: { status: 'ACTIVE' } });
  });

  it('treats suspending a suspended tenant as done: same answer, one event in the audit trail', async () => {
    const acme = await createTenantWithAdmin(url, adminToken);
    const [first, second] = [await suspend(acme.tenant.id), await suspend(acme.tenant.id, adminToken, 'another reason')];
    expect(second.errors).toBeUndefined();
    expect(second.data).toEqual(first.data);
    // Concurrent suspensions of an active tenant also publish exactly one event: the UPDATE is conditional.
    await reactivate(acme.tenant.id);
    const racing = await Promise.all(Array.from({ length: 5 }, () => suspend(acme.tenant.id)));
    expect(racing.map((r) => r.errors)).toEqual(Array(5).fill(undefined));

    const AUDIT = 'query($t: ID) { auditEvents(tenantId: $t, first: 100) { edges { node { type } } } }';
    const count = (types: string[], type: string) => types.filter((t) => t === type).length;
    let types: string[] = [];
    for (let i = 0; i < 50 && count(types, 'tenancy.tenant.suspended') < 2; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const trail = await graphql<{ auditEvents: { edges: { node: { type: string } }[] } }>(url, AUDIT, { t: acme.tenant.id }, bearer(adminToken));
      types = trail.data?.auditEvents.edges.map((e) => e.node.type) ?? [];
    }
    // Let any stray duplicate arrive before counting.
    await new Promise((r) => setTimeout(r, 300));
    const trail = await graphql<{ auditEvents: { edges: { node: { type: string } }[] } }>(url, AUDIT, { t: acme.tenant.id }, bearer(adminToken));
    types = trail.data?.auditEvents.edges.map((e) => e.node.type) ?? [];
    expect({ suspended: count(types, 'tenancy.tenant.suspended'), reactivated: count(types, 'tenancy.tenant.reactivated') }).toEqual({ suspended: 2, reactivated: 1 });
  });
});

const distributed = distributedAvailable();

(distributed ? describe : describe.skip)('tenant suspension across two gateway replicas sharing Redis (distributed mode)', () => {
  let platform: RunningPlatform;
  let first: string;
  let second: string;
  let adminToken: string;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ extraGateways: 1 });
    [first, second] = [platform.graphqlUrl, platform.extraGateways![0]!];
    adminToken = await signInAsAdmin(first);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it(`carries a suspension made through one gateway to the other within ${PROPAGATION_BOUND_MS} ms, and a reactivation back`, async () => {
    const acme = await createTenantWithAdmin(first, adminToken);
    const me = (gateway: string) => graphql(gateway, ME, {}, bearer(acme.admin.token));
    // Both replicas have now seen the tenant as ACTIVE and would answer from memory.
    for (const gateway of [first, second]) expect((await me(gateway)).data).toEqual({ me: { email: acme.admin.email } });

    expect((await graphql(first, SUSPEND, { input: { id: acme.tenant.id, reason: 'fraud review' } }, bearer(adminToken))).errors).toBeUndefined();
    const suspendedAt = Date.now();
    expectSuspendedRefusal(await me(first), acme.tenant.slug);
    expectSuspendedRefusal(await until(() => me(second), (r) => r.status === 403), acme.tenant.slug);
    const suspensionReachedSecond = Date.now() - suspendedAt;

    expect((await graphql(second, REACTIVATE, { input: { id: acme.tenant.id } }, bearer(adminToken))).errors).toBeUndefined();
    expect((await me(second)).data).toEqual({ me: { email: acme.admin.email } });
    const reactivatedAt = Date.now();
    const restored = await until(() => me(first), (r) => r.status === 200);
    expect(restored.status).toBe(200);
    expect(restored.data).toEqual({ me: { email: acme.admin.email } });
    // Reported, not asserted beyond the bound: timings belong to benchmarks.
    console.log(`suspension reached the other gateway after ${suspensionReachedSecond} ms, reactivation after ${Date.now() - reactivatedAt} ms`);
  });
});
