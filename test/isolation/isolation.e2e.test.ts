import { startPlatform, type RunningPlatform } from '../support/platform';
import { platformModes } from '../support/modes';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique } from '../support/scenario';
import { eventually } from '../foreign/eventually';
import { ISOLATION_CASES, type Attempt, type World } from './cases';
import { supergraphOperations } from './operations';

/**
 * The isolation suite. For every root operation of the supergraph, users of tenant A (its tenant admin, an
 * organization admin of another organization, a department admin of a sibling department) try to read or change
 * tenant B's objects through the gateway. Rule: naming a tenant that is not yours is FORBIDDEN; naming an object
 * by its own id that you may not see is NOT_FOUND, exactly as for an unknown id. Afterwards tenant B must be
 * byte-for-byte what it was.
 */
/** The same attempt with every id of tenant B replaced by a well-formed id that exists nowhere. */
function withUnknownIds(attempt: Attempt, world: World): Attempt | null {
  const ids = [world.b.tenantId, world.b.organizationId, world.b.departmentId, world.b.childDepartmentId, world.b.auditEventId];
  let text = JSON.stringify(attempt.variables ?? {});
  if (!ids.some((id) => text.includes(id))) return null;
  ids.forEach((id, i) => (text = text.split(id).join(`01a21000-0000-7000-8000-00000000000${i}`)));
  return { ...attempt, variables: JSON.parse(text) as Record<string, unknown> };
}

/** What a caller can tell apart: the codes and the messages with quoted values (ids, slugs) blanked. */
function shapeOf(response: GraphQLResponse) {
  return { codes: codesOf(response), messages: (response.errors ?? []).map((e) => e.message.replace(/"[^"]*"/g, '"…"')) };
}

describe('every operation has an isolation case', () => {
  it('lists a case for each root field of the supergraph, so a new operation cannot skip the suite', () => {
    const missing = supergraphOperations().filter((operation) => !(operation in ISOLATION_CASES));
    const stale = Object.keys(ISOLATION_CASES).filter((operation) => !supergraphOperations().includes(operation));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });
});

describe.each(platformModes())('tenant isolation through the gateway (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let world: World;
  let platformToken: string;

  const call = (token: string, attempt: Attempt): Promise<GraphQLResponse> => graphql(platform.graphqlUrl, attempt.query, attempt.variables ?? {}, bearer(token));

  /** Everything of tenant B a change could touch, read by a platform admin. */
  const snapshotOfB = async () =>
    graphql(
      platform.graphqlUrl,
      `query($t: ID!, $o: ID!, $d: ID!) {
        tenant(id: $t) { id slug name status }
        users(tenantId: $t, first: 100) { edges { node { id email displayName status roles organization { id } department { id } roleAssignments { id role { id } scope { level id } } } } }
        roles(tenantId: $t, first: 100) { edges { node { id name permissions version } } }
        t: configuration(scope: { level: TENANT, id: $t }, key: "probe") { value version }
        o: configuration(scope: { level: ORGANIZATION, id: $o }, key: "probe") { value version }
        d: configuration(scope: { level: DEPARTMENT, id: $d }, key: "probe") { value version }
        organizations(tenantId: $t, first: 100, includeArchived: true) {
          edges { node { id name status version departments(first: 100, includeArchived: true) { edges { node { id name status version parent { id } } } } } }
        }
      }`,
      { t: world.b.tenantId, o: world.b.organizationId, d: world.b.departmentId },
      bearer(platformToken),
    );

  const make = async (token: string, mutation: string, inputType: string, input: Record<string, unknown>): Promise<string> => {
    const response = await graphql<Record<string, { id: string }>>(platform.graphqlUrl, `mutation($i: ${inputType}!) { ${mutation}(input: $i) { id } }`, { i: input }, bearer(token));
    if (!response.data?.[mutation]) throw new Error(`${mutation} failed: ${JSON.stringify(response.errors)}`);
    return response.data[mutation].id;
  };

  beforeAll(async () => {
    platform = await startPlatform(mode);
    platformToken = await signInAsAdmin(platform.graphqlUrl);
    const [a, b] = await Promise.all([createTenantWithAdmin(platform.graphqlUrl, platformToken), createTenantWithAdmin(platform.graphqlUrl, platformToken)]);
    const aOrg = await make(a.admin.token, 'createOrganization', 'CreateOrganizationInput', { name: 'A main' });
    const aOtherOrg = await make(a.admin.token, 'createOrganization', 'CreateOrganizationInput', { name: 'A other' });
    await make(a.admin.token, 'createDepartment', 'CreateDepartmentInput', { organizationId: aOrg, name: 'A one' });
    const aSibling = await make(a.admin.token, 'createDepartment', 'CreateDepartmentInput', { organizationId: aOrg, name: 'A two' });
    const bOrg = await make(b.admin.token, 'createOrganization', 'CreateOrganizationInput', { name: 'B main' });
    const bDept = await make(b.admin.token, 'createDepartment', 'CreateDepartmentInput', { organizationId: bOrg, name: 'B one' });
    const bChild = await make(b.admin.token, 'createDepartment', 'CreateDepartmentInput', { organizationId: bOrg, name: 'B child', parentId: bDept });
    const bRole = await make(b.admin.token, 'createRole', 'CreateRoleInput', { name: 'B auditors', permissions: ['audit:read'] });
    // B's configuration at every level it owns, under the key the attacks use: reads must not leak it, writes must not touch it.
    const secret = unique('b-secret');
    for (const [level, id] of [['TENANT', b.tenant.id], ['ORGANIZATION', bOrg], ['DEPARTMENT', bDept]] as const) {
      const set = await graphql(
        platform.graphqlUrl,
        'mutation($i: SetConfigurationInput!) { setConfiguration(input: $i) { version } }',
        { i: { scope: { level, id }, key: 'probe', value: { secret, level } } },
        bearer(b.admin.token),
      );
      if (set.errors) throw new Error(JSON.stringify(set.errors));
    }
    const scopedAdmin = async (input: Record<string, unknown>) => {
      const email = `${unique('scoped')}@example.test`;
      const created = await graphql(platform.graphqlUrl, CREATE_USER, { input: { tenantId: a.tenant.id, email, displayName: 'S', password: PASSWORD, ...input } }, bearer(a.admin.token));
      if (created.errors) throw new Error(JSON.stringify(created.errors));
      return { email, token: await signIn(platform.graphqlUrl, email, PASSWORD, a.tenant.slug) };
    };
    // A record of B's audit trail, once audit has it (events arrive through the outbox, relay and stream).
    const bAuditEventId = await eventually(
      async () =>
        (
          await graphql<{ auditEvents: { edges: { node: { id: string } }[] } }>(
            platform.graphqlUrl,
            'query($t: ID) { auditEvents(tenantId: $t, first: 1) { edges { node { id } } } }',
            { t: b.tenant.id },
            bearer(platformToken),
          )
        ).data?.auditEvents.edges[0]?.node.id,
      { timeoutMs: 15_000, what: "a record of tenant B's audit trail" },
    );
    const orgAdmin = await scopedAdmin({ organizationId: aOtherOrg, roles: ['organization-admin'] });
    const deptAdmin = await scopedAdmin({ departmentId: aSibling, roles: ['department-admin'] });
    world = {
      a: { tenantId: a.tenant.id, slug: a.tenant.slug, organizationId: aOrg, departmentId: aSibling },
      b: { tenantId: b.tenant.id, slug: b.tenant.slug, organizationId: bOrg, departmentId: bDept, childDepartmentId: bChild, adminEmail: b.admin.email, adminId: b.admin.id, roleId: bRole, secret, auditEventId: bAuditEventId },
      attackers: [
        { name: 'tenant admin of A', email: a.admin.email, token: a.admin.token, writesOrganizations: true },
        { name: 'organization admin of another organization in A', ...orgAdmin, writesOrganizations: false },
        { name: 'department admin of a sibling department in A', ...deptAdmin, writesOrganizations: false },
      ],
    };
  }, 180_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it("refuses every read and change of tenant B's objects, for every operation, and leaves tenant B unchanged", async () => {
    const before = await snapshotOfB();
    expect(before.errors).toBeUndefined();
    expect(JSON.stringify(before.data)).toContain(world.b.secret);
    const failures: string[] = [];
    let attempts = 0;
    for (const [operation, makeAttempts] of Object.entries(ISOLATION_CASES)) {
      for (const attacker of world.attackers) {
        for (const attempt of makeAttempts(world, attacker)) {
          attempts += 1;
          const response = await call(attacker.token, attempt);
          const outcome = attempt.expect(response, world);
          if (outcome !== true) failures.push(`${operation} by ${attacker.name} (${attempt.name}): ${outcome}; got ${JSON.stringify(response).slice(0, 300)}`);
          // Every gateway refuses an ended session's token from then on: continue with a fresh one.
          if (attempt.endsSessions) attacker.token = await signIn(platform.graphqlUrl, attacker.email, PASSWORD, world.a.slug);
          // Never leak existence: the same attempt aimed at ids that do not exist must be refused identically.
          const probe = withUnknownIds(attempt, world);
          if (probe) {
            const unknownAnswer = await call(attacker.token, probe);
            if (JSON.stringify(shapeOf(unknownAnswer)) !== JSON.stringify(shapeOf(response))) {
              failures.push(`${operation} by ${attacker.name} (${attempt.name}): answers differently for an unknown id: ${JSON.stringify(shapeOf(unknownAnswer))} vs ${JSON.stringify(shapeOf(response))}`);
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshotOfB()).toEqual(before);
    console.log(`isolation suite (${mode}): ${attempts} attempts over ${Object.keys(ISOLATION_CASES).length} operations, 3 attackers`);
  });
});
