import { startDistributedPlatform, type RunningPlatform } from '../support/platform';
import { distributedAvailable } from '../support/modes';
import { bearer, graphql } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';

const ME = '{ me { id } }';
const SET = 'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { key value } }';

/** How soon a changed override must reach every gateway replica: one event over Redis, then one question to tenancy. */
const OVERRIDE_BOUND_MS = 1_000;

interface Answer {
  gateway: number;
  status: number;
  retryAfter: string | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

const distributed = distributedAvailable();

(distributed ? describe : describe.skip)('rate limits across gateway replicas (distributed mode)', () => {
  let platform: RunningPlatform;
  let gateways: string[];
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;
  /** The platform admin: the one who sets a tenant's gateway.rate_limit.* overrides. */
  let admin: string;

  /** One request over HTTP, with what a client reads of a refusal: the status and the Retry-After header. */
  const ask = async (gateway: number, token: string): Promise<Answer> => {
    const response = await fetch(gateways[gateway]!, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify({ query: ME }) });
    const body = (await response.json()) as Pick<Answer, 'errors'>;
    return { gateway, status: response.status, retryAfter: response.headers.get('retry-after'), ...body };
  };
  /** `count` requests sent at once, alternating between the two gateways, so they land in the same second. */
  const burstOf = (token: string, count: number) => Promise.all(Array.from({ length: count }, (_, i) => ask(i % 2, token)));
  const passed = (answers: readonly Answer[]) => answers.filter((a) => a.status === 200).length;

  const member = async (tenant: TenantWithAdmin) => {
    const email = `${unique('member')}@example.test`;
    const created = await graphql(gateways[0]!, CREATE_USER, { input: { tenantId: tenant.tenant.id, email, displayName: 'Member', password: PASSWORD } }, bearer(tenant.admin.token));
    if (created.errors) throw new Error(JSON.stringify(created.errors));
    return signIn(gateways[1]!, email, PASSWORD, tenant.tenant.slug);
  };

  beforeAll(async () => {
    // Every user (the platform admin and anonymous sign-ins too) has 5 a second, burst 10: setup stays under that.
    platform = await startDistributedPlatform({ extraGateways: 1, env: { LATTICE_RATE_LIMIT_USER_PER_SECOND: '5', LATTICE_RATE_LIMIT_USER_BURST: '10' } });
    gateways = [platform.graphqlUrl, ...platform.extraGateways!];
    admin = await signInAsAdmin(gateways[0]!);
    acme = await createTenantWithAdmin(gateways[0]!, admin);
    globex = await createTenantWithAdmin(gateways[1]!, admin);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('lets one user its burst of 10 through across both gateways, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const token = await member(acme);
    const answers = await burstOf(token, 20);
    // One budget in Redis for both replicas: each on its own would have let 10 through, 20 in all.
    expect(passed(answers)).toBe(10);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(10);
    for (const refusal of refused) {
      expect(refusal.status).toBe(429);
      expect(refusal.errors).toHaveLength(1);
      const extensions = refusal.errors![0]!.extensions!;
      expect(extensions).toMatchObject({ code: 'RATE_LIMITED', scope: 'user', limit: 5, burst: 10 });
      expect(Number.isInteger(extensions.retryAfterSeconds) && (extensions.retryAfterSeconds as number) >= 1).toBe(true);
      expect(refusal.retryAfter).toBe(String(extensions.retryAfterSeconds));
      expect(refusal.errors![0]!.message).toBe(`rate limit exceeded for this user: 5 requests per second (burst 10); retry after ${String(extensions.retryAfterSeconds)} s`);
    }
  });

  it("raises a tenant's user budget on every gateway within a second of a platform admin setting gateway.rate_limit.*, which the tenant's own admin may not", async () => {
    const token = await member(globex);
    // The defaults first; both replicas have now read globex's overrides (none yet) and would keep that for a minute.
    expect(passed(await burstOf(token, 12))).toBe(10);

    const byTenantAdmin = await graphql(gateways[0]!, SET, { i: { scope: { level: 'TENANT', id: globex.tenant.id }, key: 'gateway.rate_limit.user_burst', value: 1_000_000 } }, bearer(globex.admin.token));
    expect(byTenantAdmin.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const set = async (key: string, value: number) => {
      const response = await graphql(gateways[0]!, SET, { i: { scope: { level: 'TENANT', id: globex.tenant.id }, key, value } }, bearer(admin));
      if (response.errors) throw new Error(JSON.stringify(response.errors));
    };
    await set('gateway.rate_limit.user_per_second', 100);
    await set('gateway.rate_limit.user_burst', 200);
    const setAt = Date.now();

    // 12 at once is more than the default burst lets through; a probe refused before the change reaches a replica
    // spends from the same buckets, but far less than the new 200.
    let probe: Answer[];
    for (;;) {
      probe = await burstOf(token, 12);
      if (passed(probe) === 12 || Date.now() - setAt > OVERRIDE_BOUND_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(probe.map((a) => a.status)).toEqual(Array.from({ length: 12 }, () => 200));

    // Another tenant keeps the defaults.
    expect(passed(await burstOf(await member(acme), 12))).toBe(10);
  });
});
