import { randomUUID } from 'node:crypto';
import { startDistributedPlatform, startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { bearer, graphql } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signInAsAdmin, unique, USERS, type TenantWithAdmin } from '../support/scenario';
import { mostRevealingMode } from '../support/modes';

interface Sent {
  status: number;
  replayed: string | null;
  body: { data?: { createUser?: { id: string; email: string } } | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** createUser sent with an Idempotency-Key, as a client retrying after a lost answer would send it. */
async function createUser(url: string, token: string, key: string, email: string, tenantId: string): Promise<Sent> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key, ...bearer(token) },
    body: JSON.stringify({ query: CREATE_USER, variables: { input: { tenantId, email, displayName: 'Once', password: PASSWORD, roles: ['member'] } } }),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as Sent['body'] };
}

// Distributed when it can: two replicas on one Redis (the in-process store passes the same contract suite).
describe.each(mostRevealingMode())('idempotent mutations (%s)', (mode) => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;
  /** GraphQL URLs of every gateway: two replicas sharing one Redis in distributed mode. */
  let gateways: string[];

  beforeAll(async () => {
    platform = mode === 'embedded' ? await startEmbeddedPlatform() : await startDistributedPlatform({ extraGateways: 1 });
    gateways = [platform.graphqlUrl, ...(platform.extraGateways ?? [])];
    acme = await createTenantWithAdmin(platform.graphqlUrl, await signInAsAdmin(platform.graphqlUrl));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  const usersNamed = async (email: string) => {
    const listed = await graphql<{ users: { edges: { node: { email: string } }[] } }>(platform.graphqlUrl, USERS, { first: 100 }, bearer(acme.admin.token));
    return listed.data!.users.edges.filter((e) => e.node.email === email).length;
  };

  it('runs a mutation once per key: the retry replays the stored answer, marked Idempotent-Replayed', async () => {
    const key = randomUUID();
    const email = `${unique('once')}@example.test`;
    const first = await createUser(platform.graphqlUrl, acme.admin.token, key, email, acme.tenant.id);
    expect(first.status).toBe(200);
    expect(first.replayed).toBeNull();
    expect(first.body.data?.createUser?.email).toBe(email);
    const retry = await createUser(gateways[gateways.length - 1]!, acme.admin.token, key, email, acme.tenant.id);
    expect(retry.status).toBe(200);
    expect(retry.replayed).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await usersNamed(email)).toBe(1);
    console.info(`[${mode}] idempotent retry: ${first.status} then ${retry.status} replayed=${retry.replayed} on ${gateways.length === 1 ? 'the same gateway' : 'the other replica'}; 1 user created`);
  });

  it('refuses the same key with a different request as CONFLICT, and runs nothing', async () => {
    const key = randomUUID();
    const email = `${unique('first')}@example.test`;
    expect((await createUser(platform.graphqlUrl, acme.admin.token, key, email, acme.tenant.id)).status).toBe(200);
    const other = `${unique('other')}@example.test`;
    const reused = await createUser(platform.graphqlUrl, acme.admin.token, key, other, acme.tenant.id);
    expect(reused.status).toBe(409);
    expect(reused.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(reused.body.data).toBeUndefined();
    expect(await usersNamed(other)).toBe(0);
    console.info(`[${mode}] key reused for another body: ${reused.status} ${String(reused.body.errors?.[0]?.extensions?.code)}: ${reused.body.errors?.[0]?.message}`);
  });

  it('runs one of several concurrent duplicates and gives the others its answer', async () => {
    const key = randomUUID();
    const email = `${unique('race')}@example.test`;
    const sent = await Promise.all(Array.from({ length: 6 }, (_, i) => createUser(gateways[i % gateways.length]!, acme.admin.token, key, email, acme.tenant.id)));
    expect(sent.map((s) => s.status)).toEqual(Array(6).fill(200));
    expect(new Set(sent.map((s) => JSON.stringify(s.body))).size).toBe(1);
    expect(sent.filter((s) => s.replayed === 'true')).toHaveLength(5);
    expect(await usersNamed(email)).toBe(1);
  });
});
