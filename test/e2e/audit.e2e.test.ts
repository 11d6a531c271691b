import { Client } from 'pg';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { platformModes } from '../support/modes';
import { startPlatform, type RunningPlatform } from '../support/platform';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';

interface AuditNode {
  id: string;
  type: string;
  aggregateId: string;
  aggregateVersion: number;
  hash: string;
  previousHash: string;
  sequence: number;
  requestId: string | null;
  userAgent: string | null;
  actor: { id: string; email: string } | null;
  tenant: { id: string } | null;
  data: Record<string, unknown>;
}

const AUDIT_EVENTS = `query($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    edges { node { id type aggregateId aggregateVersion hash previousHash sequence requestId userAgent actor { id email } tenant { id } data } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * The audit trail through the gateway: every committed change is recorded once, with who did it and through which
 * request, chained by hash; a tenant reads only its own; bad filters are BAD_USER_INPUT.
 */
describe.each(platformModes())('the audit trail (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let url: string;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;
  let memberToken: string;
  let memberId: string;

  const must = <T,>(response: GraphQLResponse<T>): T => {
    if (response.errors || !response.data) throw new Error(JSON.stringify(response.errors));
    return response.data;
  };
  const as = (token: string) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => graphql<T>(url, query, variables, bearer(token));

  /** Records arrive through the outbox, relay and stream: wait until the filter finds `count` of them. */
  async function eventsOf(token: string, filter: Record<string, unknown>, count: number): Promise<AuditNode[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const nodes = must(await as(token)<{ auditEvents: { edges: { node: AuditNode }[] } }>(AUDIT_EVENTS, { filter, first: 50 })).auditEvents.edges.map((e) => e.node);
      if (nodes.length >= count || Date.now() > deadline) return nodes;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    platform = await startPlatform(mode);
    url = platform.graphqlUrl;
    const admin = await signInAsAdmin(url);
    [acme, globex] = [await createTenantWithAdmin(url, admin), await createTenantWithAdmin(url, admin)];
    const email = `${unique('member')}@example.test`;
    memberId = must(
      await as(acme.admin.token)<{ createUser: { id: string } }>(CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'Member', password: PASSWORD, roles: ['member'] } }),
    ).createUser.id;
    memberToken = await signIn(url, email, PASSWORD, acme.tenant.slug);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('records each committed change once, newest first, with its actor, request and a hash linking it to the one before', async () => {
    const created = must(await as(acme.admin.token)<{ createOrganization: { id: string; version: number } }>('mutation { createOrganization(input: { name: "Research" }) { id version } }'))
      .createOrganization;
    must(await as(acme.admin.token)('mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { id } }', { i: { id: created.id, name: 'R&D', expectedVersion: created.version } }));
    const nodes = await eventsOf(acme.admin.token, { aggregateId: created.id }, 2);
    expect(nodes.map((n) => [n.type, n.aggregateVersion])).toEqual([
      ['tenancy.organization.renamed', 2],
      ['tenancy.organization.created', 1],
    ]);
    const [renamed, first] = nodes as [AuditNode, AuditNode];
    expect(renamed.actor).toEqual({ id: acme.admin.id, email: acme.admin.email });
    expect(renamed.tenant).toEqual({ id: acme.tenant.id });
    expect(renamed.requestId).toEqual(expect.any(String));
    expect(renamed.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(renamed.sequence).toBeGreaterThan(first.sequence);
    expect(renamed.data).toEqual({ name: 'R&D', status: 'ACTIVE' });
  });

  it('records nothing for a refused change', async () => {
    const name = unique('Twice');
    must(await as(acme.admin.token)('mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: name }));
    const again = await as(acme.admin.token)('mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: name });
    expect(codesOf(again)).toEqual(['CONFLICT']);
    // Events reach audit in commit order: once a change made after the refusal is recorded, a record of the refused one would be too.
    const marker = must(await as(acme.admin.token)<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "After the refusal" }) { id } }')).createOrganization;
    expect(await eventsOf(acme.admin.token, { aggregateId: marker.id }, 1)).toHaveLength(1);
    const nodes = (await eventsOf(acme.admin.token, { types: ['tenancy.organization.created'] }, 0)).filter((n) => n.data.name === name);
    expect(nodes).toHaveLength(1);
  });

  it("shows a tenant only its own records, and another tenant's id like an unknown one", async () => {
    const created = must(await as(acme.admin.token)<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "Private" }) { id } }')).createOrganization;
    expect(await eventsOf(acme.admin.token, { aggregateId: created.id }, 1)).toHaveLength(1);
    const fromGlobex = must(await as(globex.admin.token)<{ auditEvents: { edges: unknown[] } }>(AUDIT_EVENTS, { filter: { aggregateId: created.id } })).auditEvents.edges;
    expect(fromGlobex).toEqual([]);
    const otherTenant = await as(globex.admin.token)('query($t: ID) { auditEvents(tenantId: $t) { edges { node { id } } } }', { t: acme.tenant.id });
    expect(codesOf(otherTenant)).toEqual(['FORBIDDEN']);
  });

  it('filters by type, actor and time, and refuses an inverted range or an oversized page with BAD_USER_INPUT', async () => {
    const since = new Date().toISOString();
    must(await as(acme.admin.token)('mutation { createOrganization(input: { name: "Filtered" }) { id } }'));
    const byType = await eventsOf(acme.admin.token, { types: ['tenancy.organization.created'], actorId: acme.admin.id, from: since }, 1);
    expect(byType.map((n) => n.data.name)).toEqual(['Filtered']);
    expect(must(await as(acme.admin.token)<{ auditEvents: { edges: unknown[] } }>(AUDIT_EVENTS, { filter: { types: ['tenancy.organization.created'], to: '2000-01-01T00:00:00Z' } })).auditEvents.edges).toEqual([]);
    const inverted = await as(acme.admin.token)(AUDIT_EVENTS, { filter: { from: '2030-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' } });
    expect(codesOf(inverted)).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await as(acme.admin.token)(AUDIT_EVENTS, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
  });

  it("adds a user's audit trail to the User type, and keeps it from callers without audit:read", async () => {
    must(await as(acme.admin.token)('mutation($i: UpdateUserInput!) { updateUser(input: $i) { id } }', { i: { id: memberId, displayName: 'Renamed member' } }));
    const query = 'query { users(first: 50) { edges { node { id auditTrail(first: 10) { edges { node { type actor { id } } } } } } } }';
    type Users = { users: { edges: { node: { id: string; auditTrail: { edges: { node: { type: string } }[] } } }[] } };
    const deadline = Date.now() + 15_000;
    let types: string[] = [];
    while (Date.now() < deadline) {
      const member = must(await as(acme.admin.token)<Users>(query)).users.edges.find((e) => e.node.id === memberId);
      types = member?.node.auditTrail.edges.map((e) => e.node.type) ?? [];
      if (types.includes('identity.user.updated')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(types).toEqual(['identity.user.updated', 'identity.user.created']);
    expect(codesOf(await as(memberToken)('{ me { id auditTrail { edges { node { id } } } } }'))).toEqual(['FORBIDDEN']);
  });

  it('records refused operations and sign-in failures as security events', async () => {
    const refused = await as(memberToken)('mutation { createOrganization(input: { name: "Not allowed" }) { id } }');
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    await graphql(url, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: { email: acme.admin.email, password: 'wrong-password-entirely', tenantSlug: acme.tenant.slug } });
    const denied = await eventsOf(acme.admin.token, { types: ['security.access.denied'], actorId: memberId }, 1);
    expect(denied[0]?.data).toMatchObject({ principalKind: 'USER', denials: [{ path: 'createOrganization', reason: expect.stringContaining('organizations:write') }] });
    const failed = await eventsOf(acme.admin.token, { types: ['identity.signin.failed'] }, 1);
    expect(failed[0]?.data).toEqual({ userId: acme.admin.id, reason: 'incorrect-password' });
  });

  it('verifies the tenant’s hash chain, and finds a record edited directly in the database', async () => {
    const created = must(await as(acme.admin.token)<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "Evidence" }) { id } }')).createOrganization;
    const [record] = await eventsOf(acme.admin.token, { aggregateId: created.id }, 1);
    const verify = 'query { verifyAuditChain { ok checked brokenAt { id } } }';
    const intact = must(await as(acme.admin.token)<{ verifyAuditChain: { ok: boolean; checked: number; brokenAt: null } }>(verify)).verifyAuditChain;
    expect(intact.ok).toBe(true);
    expect(intact.checked).toBeGreaterThan(3);
    expect(codesOf(await as(globex.admin.token)('query($t: ID) { verifyAuditChain(tenantId: $t) { ok } }', { t: acme.tenant.id }))).toEqual(['FORBIDDEN']);
    if (mode !== 'distributed') return; // the embedded database lives inside the platform process
    const audit = new Client({ connectionString: platform.databaseUrls!.audit });
    await audit.connect();
    try {
      await audit.query(`UPDATE audit_records SET data = jsonb_set(data, '{name}', '"Forged"') WHERE event_id = $1`, [record!.id]);
    } finally {
      await audit.end();
    }
    const broken = must(await as(acme.admin.token)<{ verifyAuditChain: { ok: boolean; brokenAt: { id: string } | null } }>(verify)).verifyAuditChain;
    expect(broken).toMatchObject({ ok: false, brokenAt: { id: record!.id } });
    // The other tenant's chain is its own, and still verifies.
    expect(must(await as(globex.admin.token)<{ verifyAuditChain: { ok: boolean } }>(verify)).verifyAuditChain.ok).toBe(true);
  });
});
