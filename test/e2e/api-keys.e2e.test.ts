import { randomBytes, randomUUID } from 'node:crypto';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import type { Principal } from '../../infrastructure/context/request-context';
import { startDistributedPlatform, startPlatform, type RunningPlatform } from '../support/platform';
import { distributedAvailable, platformModes } from '../support/modes';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, emailsOf, PASSWORD, signIn, signInAsAdmin, unique, USERS, type TenantWithAdmin } from '../support/scenario';

const CREATE_API_KEY = `mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id name permissions last4 createdAt expiresAt revokedAt lastUsedAt createdBy { id email } tenant { id } } }
}`;
const API_KEYS = `query ApiKeys($first: Int, $after: String, $tenantId: ID) {
  apiKeys(first: $first, after: $after, tenantId: $tenantId) {
    edges { cursor node { id name permissions last4 createdAt expiresAt revokedAt lastUsedAt createdBy { id } tenant { id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REVOKE_API_KEY = `mutation RevokeApiKey($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { id revokedAt } }`;
const SUSPEND = `mutation Suspend($input: SuspendTenantInput!) { suspendTenant(input: $input) { id status } }`;
const API_KEY_FORMAT = /^lat_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/;

interface ApiKeyNode {
  id: string;
  name: string;
  permissions: string[];
  last4: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdBy: { id: string; email?: string } | null;
  tenant: { id: string };
}
type Created = {
  createApiKey: { secret: string; apiKey: ApiKeyNode };
};
type Listed = {
  apiKeys: { edges: { cursor: string; node: ApiKeyNode }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

/** Polls a request until `done`, for at most `boundMs`; returns the last answer either way. */
async function until<T>(request: () => Promise<GraphQLResponse<T>>, done: (response: GraphQLResponse<T>) => boolean, boundMs: number): Promise<GraphQLResponse<T>> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const response = await request();
    if (done(response) || Date.now() > deadline) return response;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A well-formed key that was never issued. */
const unknownKey = () => `lat_${randomBytes(16).toString('hex')}_${randomBytes(32).toString('base64url')}`;

function expectUnauthenticated(response: GraphQLResponse, message: RegExp): void {
  expect(response.status).toBe(401);
  expect(response.data).toBeUndefined();
  expect(response.errors).toEqual([{ message: expect.stringMatching(message), extensions: { code: 'UNAUTHENTICATED', requestId: expect.any(String) } }]);
}

describe.each(platformModes())('API keys (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let url: string;
  let adminToken: string;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;

  const as = (token: string) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => graphql<T>(url, query, variables, bearer(token));
  const createKey = (token: string, input: Record<string, unknown>) => as(token)<Created>(CREATE_API_KEY, { input: { name: unique('key'), ...input } });
  /** Creates a key as `token`'s user and returns its secret and id, failing loudly otherwise. */
  const issue = async (token: string, permissions: string[], extra: Record<string, unknown> = {}) => {
    const created = await createKey(token, { permissions, ...extra });
    if (!created.data?.createApiKey) throw new Error(`createApiKey failed: ${JSON.stringify(created.errors)}`);
    return { secret: created.data.createApiKey.secret, id: created.data.createApiKey.apiKey.id };
  };
  const keysOf = async (token: string): Promise<ApiKeyNode[]> => {
    const listed = await as(token)<Listed>(API_KEYS, { first: 100 });
    if (!listed.data) throw new Error(`apiKeys failed: ${JSON.stringify(listed.errors)}`);
    return listed.data.apiKeys.edges.map((e) => e.node);
  };

  beforeAll(async () => {
    platform = await startPlatform(mode);
    url = platform.graphqlUrl;
    adminToken = await signInAsAdmin(url);
    [acme, globex] = await Promise.all([createTenantWithAdmin(url, adminToken), createTenantWithAdmin(url, adminToken)]);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('shows the key once, as lat_…, and never again: the list and the schema hold no secret', async () => {
    const name = unique('ci deploy');
    const created = await createKey(acme.admin.token, { name, permissions: ['users:read'] });
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data!.createApiKey;
    expect(secret).toMatch(API_KEY_FORMAT);
    expect(apiKey).toEqual({
      id: expect.any(String),
      name,
      permissions: ['users:read'],
      last4: secret.slice(-4),
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      revokedAt: null,
      lastUsedAt: null,
      createdBy: { id: acme.admin.id, email: acme.admin.email },
      tenant: { id: acme.tenant.id },
    });
    // Ninety days unless asked otherwise.
    const lifetimeDays = (Date.parse(apiKey.expiresAt) - Date.parse(apiKey.createdAt)) / 86_400_000;
    expect(Math.round(lifetimeDays)).toBe(90);

    const listed = await as(acme.admin.token)<Listed>(API_KEYS, { first: 100 });
    expect(listed.data!.apiKeys.edges.map((e) => e.node)).toContainEqual({ ...apiKey, createdBy: { id: acme.admin.id } });
    expect(JSON.stringify(listed)).not.toContain(secret.slice(-43));
    const type = await as(acme.admin.token)<{ __type: { fields: { name: string }[] } }>('{ __type(name: "ApiKey") { fields { name } } }');
    expect(type.data!.__type.fields.map((f) => f.name).filter((f) => /secret|hash/i.test(f))).toEqual([]);
  });

  it('lets a key do what its permissions allow, in its own tenant only, and refuses the rest with FORBIDDEN', async () => {
    const { secret } = await issue(acme.admin.token, ['users:read']);
    const asKey = as(secret);
    const users = await asKey(USERS, { first: 100 });
    expect(users.errors).toBeUndefined();
    expect(emailsOf(users as GraphQLResponse<{ users: { edges: { node: { email: string } }[] } }>)).toContain(acme.admin.email);
    expect(JSON.stringify(users.data)).not.toContain(globex.tenant.id);

    const createUser = await asKey(CREATE_USER, { input: { tenantId: acme.tenant.id, email: `${unique('k')}@example.test`, displayName: 'K', password: PASSWORD } });
    expect(codesOf(createUser)).toEqual(['FORBIDDEN']);
    expect(codesOf(await asKey(API_KEYS, { first: 10 }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await asKey(USERS, { tenantId: globex.tenant.id }))).toEqual(['FORBIDDEN']);
    expect(emailsOf(await as(acme.admin.token)(USERS, { first: 100 })).filter((email) => email.startsWith('k-'))).toEqual([]);
  });

  it('refuses a permission the creator lacks with FORBIDDEN naming it, bad input with BAD_USER_INPUT, and stores nothing', async () => {
    const name = unique('refused');
    for (const permission of ['platform:admin', 'tenants:write']) {
      const refused = await createKey(acme.admin.token, { name, permissions: ['users:read', permission] });
      expect(codesOf(refused)).toEqual(['FORBIDDEN']);
      expect(refused.errors![0]!.message).toContain(permission);
      expect(refused.data).toBeNull();
    }
    const badInputs = [
      { permissions: ['users:delete'] },
      { permissions: [] },
      { permissions: ['users:read'], expiresAt: new Date(Date.now() - 60_000).toISOString() },
      { permissions: ['users:read'], expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() },
      { permissions: ['users:read'], name: '   ' },
    ];
    for (const input of badInputs) expect(codesOf(await createKey(acme.admin.token, { name, ...input }))).toEqual(['BAD_USER_INPUT']);

    // A member holds no apikeys:write; a key holding it still cannot mint keys.
    const memberEmail = `${unique('member')}@example.test`;
    await as(acme.admin.token)(CREATE_USER, { input: { tenantId: acme.tenant.id, email: memberEmail, displayName: 'M', password: PASSWORD } });
    const member = await signIn(url, memberEmail, PASSWORD, acme.tenant.slug);
    expect(codesOf(await createKey(member, { name, permissions: ['users:read'] }))).toEqual(['FORBIDDEN']);
    const { secret: writer } = await issue(acme.admin.token, ['apikeys:write']);
    expect(codesOf(await createKey(writer, { name, permissions: ['apikeys:write'] }))).toEqual(['FORBIDDEN']);
    // A platform user's key belongs to no tenant: it may carry the schema registry's permissions, never a tenant's data.
    expect(codesOf(await createKey(adminToken, { name, permissions: ['users:read'] }))).toEqual(['BAD_USER_INPUT']);

    expect((await keysOf(acme.admin.token)).filter((k) => k.name === name)).toEqual([]);
  });

  it("keeps tenants apart: a key sees only its tenant's keys, and another tenant's key id is NOT_FOUND exactly like an unknown one", async () => {
    const acmeKey = await issue(acme.admin.token, ['users:read']);
    const globexKey = await issue(globex.admin.token, ['apikeys:read', 'apikeys:write', 'users:read']);
    const seenByGlobex = await as(globexKey.secret)<Listed>(API_KEYS, { first: 100 });
    expect(seenByGlobex.errors).toBeUndefined();
    const ids = seenByGlobex.data!.apiKeys.edges.map((e) => e.node.id);
    expect(ids).toContain(globexKey.id);
    expect(ids).not.toContain(acmeKey.id);
    expect(seenByGlobex.data!.apiKeys.edges.every((e) => e.node.tenant.id === globex.tenant.id)).toBe(true);
    expect(codesOf(await as(globexKey.secret)(API_KEYS, { tenantId: acme.tenant.id }))).toEqual(['FORBIDDEN']);

    const foreign = await as(acme.admin.token)(REVOKE_API_KEY, { input: { id: globexKey.id } });
    const unknown = await as(acme.admin.token)(REVOKE_API_KEY, { input: { id: '01a21000-0000-7000-8000-00000000abcd' } });
    expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
    const blank = (r: GraphQLResponse) => r.errors?.map((e) => e.message.replace(/"[^"]*"/g, '"…"'));
    expect(blank(foreign)).toEqual(blank(unknown));
    // The globex key was not touched, and globex's own key cannot revoke acme's either.
    expect(codesOf(await as(globexKey.secret)(REVOKE_API_KEY, { input: { id: acmeKey.id } }))).toEqual(['NOT_FOUND']);
    expect((await as(globexKey.secret)(USERS, { first: 1 })).status).toBe(200);
    expect((await as(acmeKey.secret)(USERS, { first: 1 })).status).toBe(200);
  });

  it('refuses a revoked key with UNAUTHENTICATED from the next request on, and revoking it again changes nothing', async () => {
    const { secret, id } = await issue(acme.admin.token, ['users:read']);
    expect((await as(secret)(USERS, { first: 1 })).errors).toBeUndefined();
    const revoked = await as(acme.admin.token)<{ revokeApiKey: { id: string; revokedAt: string } }>(REVOKE_API_KEY, { input: { id } });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeApiKey).toEqual({ id, revokedAt: expect.any(String) });
    expectUnauthenticated(await as(secret)(USERS, { first: 1 }), /revoked/);
    const again = await as(acme.admin.token)(REVOKE_API_KEY, { input: { id } });
    expect(again.data).toEqual(revoked.data);
    expect((await keysOf(acme.admin.token)).find((k) => k.id === id)?.revokedAt).toBe(revoked.data!.revokeApiKey.revokedAt);
  });

  it('refuses a key once it has expired, even though this gateway had it cached', async () => {
    const { secret } = await issue(acme.admin.token, ['users:read'], { expiresAt: new Date(Date.now() + 4_000).toISOString() });
    expect((await as(secret)(USERS, { first: 1 })).status).toBe(200);
    const expired = await until(() => as(secret)(USERS, { first: 1 }), (r) => r.status !== 200, 20_000);
    expectUnauthenticated(expired, /expired/);
  });

  it('refuses malformed, unknown and altered lat_ keys with UNAUTHENTICATED', async () => {
    const { secret } = await issue(acme.admin.token, ['users:read']);
    const altered = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const key of ['lat_', 'lat_garbage', unknownKey(), altered, `${secret}x`]) {
      expectUnauthenticated(await as(key)(USERS, { first: 1 }), /API key is not valid/);
    }
    expect((await as(secret)(USERS, { first: 1 })).status).toBe(200);
  });

  it('records lastUsedAt shortly after use, from batched reports rather than a write per request', async () => {
    const { secret, id } = await issue(acme.admin.token, ['users:read']);
    const before = Date.now();
    for (let i = 0; i < 3; i++) expect((await as(secret)(USERS, { first: 1 })).status).toBe(200);
    const lastUsed = async () => (await keysOf(acme.admin.token)).find((k) => k.id === id)?.lastUsedAt ?? null;
    let seen: string | null = null;
    // Gateways report every 5 s; allow a few intervals.
    for (const deadline = Date.now() + 20_000; seen === null && Date.now() < deadline; ) {
      seen = await lastUsed();
      if (seen === null) await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).not.toBeNull();
    expect(Date.parse(seen!)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it("refuses a suspended tenant's key with TENANT_SUSPENDED, like its users", async () => {
    const initech = await createTenantWithAdmin(url, adminToken);
    const { secret } = await issue(initech.admin.token, ['users:read']);
    expect((await as(secret)(USERS, { first: 1 })).status).toBe(200);
    expect((await as(adminToken)(SUSPEND, { input: { id: initech.tenant.id, reason: 'api key test' } })).errors).toBeUndefined();
    const refused = await as(secret)(USERS, { first: 1 });
    expect(refused.status).toBe(403);
    expect(codesOf(refused)).toEqual(['TENANT_SUSPENDED']);
  });

  it("keeps identity's key check off the public API: only a context signed for a SYSTEM caller gets an answer", async () => {
    const { secret } = await issue(acme.admin.token, ['users:read']);
    const body = JSON.stringify({ key: secret });
    // Not served by the gateway, and not a field of the supergraph.
    expect((await fetch(`${platform.baseUrl}/internal/api-keys/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(404);
    const verify = (principal: Principal | null) =>
      fetch(`${platform.subgraphs.identity}/internal/api-keys/verify`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(principal ? { [CONTEXT_HEADER]: signContext({ principal, requestId: randomUUID(), ipAddress: null, userAgent: null }, platform.contextSecret) } : {}),
        },
        body,
      });
    const tenantAdmin: Principal = { kind: 'USER', subject: acme.admin.id, tenantId: acme.tenant.id, roles: ['tenant-admin'], permissions: ['apikeys:read', 'apikeys:write'] };
    for (const caller of [null, tenantAdmin]) {
      const refused = await verify(caller);
      expect(refused.status).toBe(401);
      expect(JSON.stringify(await refused.json())).not.toContain(acme.tenant.id);
    }
    const system = await verify({ kind: 'SYSTEM', subject: 'gateway', tenantId: null, roles: [], permissions: [] });
    expect(system.status).toBe(200);
    expect(await system.json()).toMatchObject({ valid: true, apiKey: { tenantId: acme.tenant.id, permissions: ['users:read'] } });
  });

  it('records identity.apikey.created and identity.apikey.revoked in the audit trail, without the key', async () => {
    const { secret, id } = await issue(acme.admin.token, ['users:read']);
    await as(acme.admin.token)(REVOKE_API_KEY, { input: { id } });
    const AUDIT = 'query($t: ID) { auditEvents(tenantId: $t, first: 100) { edges { node { type aggregateId data } } } }';
    type Trail = { auditEvents: { edges: { node: { type: string; aggregateId: string; data: Record<string, unknown> } }[] } };
    const trail = await until(
      () => as(adminToken)<Trail>(AUDIT, { t: acme.tenant.id }),
      (r) => (r.data?.auditEvents.edges.filter((e) => e.node.aggregateId === id).length ?? 0) >= 2,
      10_000,
    );
    const events = trail.data!.auditEvents.edges.map((e) => e.node).filter((e) => e.aggregateId === id);
    expect(events.map((e) => e.type).sort()).toEqual(['identity.apikey.created', 'identity.apikey.revoked']);
    expect(events.find((e) => e.type === 'identity.apikey.created')!.data).toMatchObject({ permissions: ['users:read'], createdBy: acme.admin.id });
    const text = JSON.stringify(events);
    expect(text).not.toContain(secret.slice(-43));
    expect(text).not.toMatch(/hash/i);
  });
});

(distributedAvailable() ? describe : describe.skip)('API key revocation across two gateway replicas sharing Redis (distributed mode)', () => {
  /** One Redis pub/sub hop, normally a few milliseconds; the cache TTL (60 s) is only the backstop. */
  const PROPAGATION_BOUND_MS = 2_000;
  let platform: RunningPlatform;
  let first: string;
  let second: string;
  let acme: TenantWithAdmin;

  beforeAll(async () => {
    platform = await startDistributedPlatform({ extraGateways: 1 });
    [first, second] = [platform.graphqlUrl, platform.extraGateways![0]!];
    acme = await createTenantWithAdmin(first, await signInAsAdmin(first));
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it(`carries a revocation made through one gateway to the other within ${PROPAGATION_BOUND_MS} ms`, async () => {
    const created = await graphql<Created>(first, CREATE_API_KEY, { input: { name: 'replicated', permissions: ['users:read'] } }, bearer(acme.admin.token));
    const { secret, apiKey } = created.data!.createApiKey;
    const use = (gateway: string) => graphql(gateway, USERS, { first: 1 }, bearer(secret));
    // Both replicas now hold the key as valid and would answer from memory for a minute.
    for (const gateway of [first, second]) expect((await use(gateway)).status).toBe(200);

    expect((await graphql(first, REVOKE_API_KEY, { input: { id: apiKey.id } }, bearer(acme.admin.token))).errors).toBeUndefined();
    const revokedAt = Date.now();
    expectUnauthenticated(await use(first), /revoked/);
    expectUnauthenticated(await until(() => use(second), (r) => r.status === 401, PROPAGATION_BOUND_MS), /revoked/);
    console.log(`API key revocation reached the other gateway after ${Date.now() - revokedAt} ms`);
  });
});
