import { randomUUID } from 'node:crypto';
import type { SubgraphName } from '../../infrastructure/config/config';
import type { Principal } from '../../infrastructure/context/request-context';
import { CONTEXT_HEADER, signContext } from '../../infrastructure/context/signed-context';
import { bearer, graphql, type GraphQLResponse } from '../support/graphql-client';
import { ADMIN_EMAIL, startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, SIGN_IN, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';

interface AuditNode {
  type: string;
  aggregateId: string;
  actorKind: 'USER' | 'PLATFORM' | 'API_KEY' | 'SYSTEM';
  actor: { email: string } | null;
  data: Record<string, unknown>;
}
type AuditPage = { auditEvents: { edges: { node: AuditNode }[] } };

const TRAIL = 'query($tenantId: ID) { auditEvents(first: 100, tenantId: $tenantId) { edges { node { type aggregateId data actor { email } actorKind } } } }';

/**
 * A field that references an entity another subgraph owns reads as a plain null when the caller may not see that
 * entity: no error anywhere in the response, and never a half-resolved object. One case per reference field of the
 * supergraph: AuditEvent.actor, AuditEvent.tenant, User.tenant, User.organization, User.department, ApiKey.tenant
 * (and ApiKey.createdBy, which identity resolves itself).
 *
 * Through the gateway, only AuditEvent.actor can point at something the caller may not see today (a platform admin
 * acting in a tenant): every other reference sits in an object the caller already may see, in the caller's tenant,
 * and every role that can see it holds the read permission tenant-wide. So each of those is also asked of the
 * subgraphs directly, as the gateway would with a signed context, for a caller the owner refuses: the owner's entity
 * resolver answers null without an error, and the referencing subgraph hands out no reference its owner would refuse.
 */
describe('references to entities of another subgraph', () => {
  let platform: RunningPlatform;
  let url: string;
  let platformToken: string;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;
  let member: { id: string; email: string; token: string };
  let unit: { organizationId: string; departmentId: string };
  let apiKeyId: string;

  const as = (token: string | null) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) =>
    graphql<T>(url, query, variables, token ? bearer(token) : {});

  /** A subgraph asked directly with a context signed for `principal`, exactly as the gateway asks it. */
  const subgraph = (name: SubgraphName, principal: Principal) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) =>
    graphql<T>(`${platform.subgraphs[name]}/graphql`, query, variables, {
      [CONTEXT_HEADER]: signContext({ principal, requestId: randomUUID(), ipAddress: null, userAgent: null }, platform.contextSecret),
    });

  /** The whole answer has data and not a single error: no `errors` key, no value-completion report. */
  function clean<T>(response: GraphQLResponse<T>): T {
    expect(response).not.toHaveProperty('errors');
    expect(JSON.stringify(response)).not.toContain('valueCompletion');
    expect(response.data).toBeTruthy();
    return response.data!;
  }

  /** Records reach audit through the outbox, relay and stream: ask until `done` holds (or 15 s have passed). */
  async function trailUntil(token: string, done: (nodes: AuditNode[]) => boolean, tenantId?: string): Promise<GraphQLResponse<AuditPage>> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const response = await as(token)<AuditPage>(TRAIL, tenantId ? { tenantId } : {});
      if (done(response.data?.auditEvents.edges.map((e) => e.node) ?? []) || Date.now() > deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const nodesOf = (response: GraphQLResponse<AuditPage>) => clean(response).auditEvents.edges.map((e) => e.node);
  const userCreated = (nodes: AuditNode[], userId: string) => nodes.find((n) => n.type === 'identity.user.created' && n.aggregateId === userId);

  /**
   * A caller of acme holding tenants:read and organizations:read only through a role assigned at one organization.
   * The gateway lets such a caller select Tenant and Organization fields; tenancy shows only tenant-wide holders.
   */
  const scopedReader = (): Principal => ({
    kind: 'USER',
    subject: acme.admin.id,
    tenantId: acme.tenant.id,
    roles: [],
    permissions: ['users:read', 'audit:read', 'apikeys:read'],
    grants: [{ level: 'ORGANIZATION', id: unit.organizationId, permissions: ['tenants:read', 'organizations:read'] }],
  });
  const globexAdmin = (): Principal => ({
    kind: 'USER',
    subject: globex.admin.id,
    tenantId: globex.tenant.id,
    roles: ['tenant-admin'],
    permissions: ['tenants:read', 'users:read', 'organizations:read', 'audit:read', 'apikeys:read'],
  });

  beforeAll(async () => {
    platform = await startEmbeddedPlatform();
    url = platform.graphqlUrl;
    platformToken = await signInAsAdmin(url);
    // The platform admin creates both tenants and their admins: those records of acme's trail are a platform user's.
    [acme, globex] = [await createTenantWithAdmin(url, platformToken), await createTenantWithAdmin(url, platformToken)];
    const admin = as(acme.admin.token);
    const organization = await admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "Research" }) { id } }');
    const organizationId = organization.data!.createOrganization.id;
    const department = await admin<{ createDepartment: { id: string } }>('mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id } }', {
      i: { organizationId, name: 'Lab' },
    });
    unit = { organizationId, departmentId: department.data!.createDepartment.id };
    const email = `${unique('member')}@example.test`;
    const created = await admin<{ createUser: { id: string } }>(CREATE_USER, {
      input: { tenantId: acme.tenant.id, email, displayName: 'Member', password: PASSWORD, roles: ['member'], ...unit },
    });
    member = { id: created.data!.createUser.id, email, token: await signIn(url, email, PASSWORD, acme.tenant.slug) };
    // The member acts once, so acme's trail has an actor placed in an organization and a department.
    await as(member.token)('mutation($i: ChangePasswordInput!) { changePassword(input: $i) }', { i: { currentPassword: PASSWORD, newPassword: `${PASSWORD}-2` } });
    const key = await admin<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }',
      { i: { name: 'robot', permissions: ['organizations:read', 'organizations:write'] } },
    );
    apiKeyId = key.data!.createApiKey.apiKey.id;
    await as(key.data!.createApiKey.secret)('mutation { createOrganization(input: { name: "Made by a robot" }) { id } }');
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  describe('AuditEvent.actor and actorKind', () => {
    it("shows a tenant admin a platform admin's event as actor null and actorKind PLATFORM, with no error in the response", async () => {
      const response = await trailUntil(acme.admin.token, (nodes) => userCreated(nodes, member.id) !== undefined);
      const byPlatformAdmin = userCreated(nodesOf(response), acme.admin.id);
      expect(byPlatformAdmin).toMatchObject({ actor: null, actorKind: 'PLATFORM' });
    });

    it("shows the tenant's own user as the actor, with actorKind USER", async () => {
      const nodes = nodesOf(await trailUntil(acme.admin.token, (n) => userCreated(n, member.id) !== undefined));
      expect(userCreated(nodes, member.id)).toMatchObject({ actor: { email: acme.admin.email }, actorKind: 'USER' });
    });

    it('shows a platform admin that same actor, still as PLATFORM', async () => {
      const nodes = nodesOf(await trailUntil(platformToken, (n) => userCreated(n, acme.admin.id) !== undefined, acme.tenant.id));
      expect(userCreated(nodes, acme.admin.id)).toMatchObject({ actor: { email: ADMIN_EMAIL }, actorKind: 'PLATFORM' });
    });

    it("tells API keys and sign-ins apart: API_KEY and SYSTEM, neither with a user actor", async () => {
      const done = (nodes: AuditNode[]) => nodes.some((n) => n.type === 'tenancy.organization.created' && n.actorKind === 'API_KEY');
      const nodes = nodesOf(await trailUntil(acme.admin.token, done));
      expect(nodes.find((n) => n.type === 'tenancy.organization.created' && n.data.name === 'Made by a robot')).toMatchObject({ actor: null, actorKind: 'API_KEY' });
      expect(nodes.find((n) => n.type === 'identity.signin.succeeded')).toMatchObject({ actor: null, actorKind: 'SYSTEM' });
    });

    it("resolves a visible actor's own references, and a hidden actor's not at all, without errors", async () => {
      const query = '{ auditEvents(first: 100) { edges { node { type aggregateId actorKind actor { email tenant { name } organization { name } department { name } } } } } }';
      type Page = { auditEvents: { edges: { node: { type: string; aggregateId: string; actorKind: string; actor: unknown } }[] } };
      const nodes = clean(await as(acme.admin.token)<Page>(query)).auditEvents.edges.map((e) => e.node);
      expect(nodes.find((n) => n.type === 'identity.user.password-changed')?.actor).toEqual({
        email: member.email,
        tenant: { name: acme.tenant.name },
        organization: { name: 'Research' },
        department: { name: 'Lab' },
      });
      expect(nodes.find((n) => n.type === 'identity.user.created' && n.aggregateId === acme.admin.id)).toMatchObject({ actorKind: 'PLATFORM', actor: null });
    });

    it("has identity resolve another tenant's user, or a platform user, to null without an error", async () => {
      const me = clean(await as(platformToken)<{ me: { id: string } }>('{ me { id } }')).me;
      const entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }';
      const representations = [me.id, globex.admin.id, member.id].map((id) => ({ __typename: 'User', id }));
      const answer = clean(await subgraph('identity', { ...scopedReader(), permissions: ['users:read'], grants: [] })<{ _entities: unknown[] }>(entities, { r: representations }));
      expect(answer._entities).toEqual([null, null, { id: member.id, email: member.email }]);
    });
  });

  describe('AuditEvent.tenant', () => {
    it("shows a tenant admin its own tenant, and a platform admin's own records no tenant, without errors", async () => {
      const query = '{ auditEvents(first: 5) { edges { node { tenant { id name } } } } }';
      type Page = { auditEvents: { edges: { node: { tenant: { id: string; name: string } | null } }[] } };
      const tenants = clean(await as(acme.admin.token)<Page>(query)).auditEvents.edges.map((e) => e.node.tenant);
      expect(tenants.length).toBeGreaterThan(0);
      expect(new Set(tenants.map((t) => t?.name))).toEqual(new Set([acme.tenant.name]));
      const platformRecords = clean(await as(platformToken)<Page>(query)).auditEvents.edges.map((e) => e.node.tenant);
      expect(platformRecords.length).toBeGreaterThan(0);
      expect(platformRecords.every((t) => t === null)).toBe(true);
    });

    it('is null for a caller tenancy would not show the tenant to', async () => {
      const query = '{ auditEvents(first: 5) { edges { node { type tenant { id } } } } }';
      const page = clean(await subgraph('audit', scopedReader())<{ auditEvents: { edges: { node: { tenant: unknown } }[] } }>(query)).auditEvents.edges;
      expect(page.length).toBeGreaterThan(0);
      expect(page.map((e) => e.node.tenant)).toEqual(page.map(() => null));
    });
  });

  describe('User.tenant, User.organization and User.department', () => {
    it('shows a tenant admin the tenant, organization and department of its users, without errors', async () => {
      const query = '{ users(first: 100) { edges { node { id tenant { name } organization { name } department { name } } } } }';
      type Page = { users: { edges: { node: { id: string } }[] } };
      const users = clean(await as(acme.admin.token)<Page>(query)).users.edges.map((e) => e.node);
      expect(users.find((u) => u.id === member.id)).toEqual({ id: member.id, tenant: { name: acme.tenant.name }, organization: { name: 'Research' }, department: { name: 'Lab' } });
    });

    it("gives an anonymous caller signing in the tenant's id, which needs no permission", async () => {
      const answer = clean(await as(null)<{ signIn: { user: { tenant: { id: string } | null } } }>(SIGN_IN, { input: { email: acme.admin.email, password: PASSWORD, tenantSlug: acme.tenant.slug } }));
      expect(answer.signIn.user.tenant).toEqual({ id: acme.tenant.id });
    });

    it("has tenancy resolve another tenant's tenant, organization and department to null without an error", async () => {
      const entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id name } ... on Organization { id name } ... on Department { id name } } }';
      const representations = [
        { __typename: 'Tenant', id: acme.tenant.id },
        { __typename: 'Organization', id: unit.organizationId },
        { __typename: 'Department', id: unit.departmentId },
      ];
      expect(clean(await subgraph('tenancy', globexAdmin())<{ _entities: unknown[] }>(entities, { r: representations }))._entities).toEqual([null, null, null]);
      // The same caller sees its own tenant: the answer above is the rule, not a broken resolver.
      const own = clean(await subgraph('tenancy', globexAdmin())<{ _entities: unknown[] }>(entities, { r: [{ __typename: 'Tenant', id: globex.tenant.id }] }));
      expect(own._entities).toEqual([{ id: globex.tenant.id, name: globex.tenant.name }]);
    });

    it('hands out no reference tenancy would refuse: null for a caller without tenants:read or organizations:read tenant-wide', async () => {
      const query = '{ users(first: 100) { edges { node { id tenant { id } organization { id } department { id } } } } }';
      const users = clean(await subgraph('identity', scopedReader())<{ users: { edges: { node: { id: string } }[] } }>(query)).users.edges.map((e) => e.node);
      expect(users.find((u) => u.id === member.id)).toEqual({ id: member.id, tenant: null, organization: null, department: null });
    });
  });

  describe('ApiKey.tenant and ApiKey.createdBy', () => {
    it("shows a tenant admin its keys' tenant and creator, without errors", async () => {
      const query = '{ apiKeys(first: 100) { edges { node { id tenant { name } createdBy { email } } } } }';
      const keys = clean(await as(acme.admin.token)<{ apiKeys: { edges: { node: { id: string } }[] } }>(query)).apiKeys.edges.map((e) => e.node);
      expect(keys.find((k) => k.id === apiKeyId)).toEqual({ id: apiKeyId, tenant: { name: acme.tenant.name }, createdBy: { email: acme.admin.email } });
    });

    it('is null for a caller tenancy would not show the tenant to', async () => {
      const query = '{ apiKeys(first: 100) { edges { node { id tenant { id } createdBy { id } } } } }';
      const keys = clean(await subgraph('identity', scopedReader())<{ apiKeys: { edges: { node: { id: string } }[] } }>(query)).apiKeys.edges.map((e) => e.node);
      expect(keys.find((k) => k.id === apiKeyId)).toEqual({ id: apiKeyId, tenant: null, createdBy: { id: acme.admin.id } });
    });
  });
});
