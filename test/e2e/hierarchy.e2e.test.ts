import { startPlatform, type RunningPlatform } from '../support/platform';
import { platformModes } from '../support/modes';
import { bearer, codesOf, graphql, type GraphQLResponse } from '../support/graphql-client';
import { CREATE_USER, createTenantWithAdmin, PASSWORD, signIn, signInAsAdmin, unique, type TenantWithAdmin } from '../support/scenario';

const ORG_FIELDS = 'id name status version';
const DEPT_FIELDS = 'id name status version parent { id } organization { id }';

interface Node {
  id: string;
  name: string;
  status: string;
  version: number;
}

describe.each(platformModes())('organizations and departments (%s mode)', (mode) => {
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;
  let globex: TenantWithAdmin;
  let acmeMember: string;

  const as = (token: string) => <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> =>
    graphql<T>(platform.graphqlUrl, query, variables, bearer(token));

  const createOrganization = async (token: string, name = unique('Org')): Promise<Node> => {
    const response = await as(token)<{ createOrganization: Node }>(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { ${ORG_FIELDS} } }`, { i: { name } });
    if (!response.data?.createOrganization) throw new Error(JSON.stringify(response.errors));
    return response.data.createOrganization;
  };
  const createDepartment = async (token: string, organizationId: string, parentId: string | null, name = unique('Dept')) => {
    const response = await as(token)<{ createDepartment: Node }>(`mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { ${DEPT_FIELDS} } }`, {
      i: { organizationId, parentId, name },
    });
    return response;
  };
  const department = async (token: string, organizationId: string, parentId: string | null = null): Promise<Node> => {
    const response = await createDepartment(token, organizationId, parentId);
    if (!response.data?.createDepartment) throw new Error(JSON.stringify(response.errors));
    return response.data.createDepartment;
  };
  const readOrganization = async (id: string) =>
    (await as(acme.admin.token)<{ organization: Node }>(`query($id: ID!) { organization(id: $id) { ${ORG_FIELDS} } }`, { id })).data?.organization;
  const readDepartments = async (organizationId: string) =>
    (
      await as(acme.admin.token)<{ departments: { edges: { node: Node & { parent: { id: string } | null } }[] } }>(
        `query($o: ID!) { departments(organizationId: $o, first: 100, includeArchived: true) { edges { node { ${DEPT_FIELDS} } } } }`,
        { o: organizationId },
      )
    ).data?.departments.edges.map((e) => e.node);

  beforeAll(async () => {
    platform = await startPlatform(mode);
    const admin = await signInAsAdmin(platform.graphqlUrl);
    [acme, globex] = await Promise.all([createTenantWithAdmin(platform.graphqlUrl, admin), createTenantWithAdmin(platform.graphqlUrl, admin)]);
    const email = `${unique('member')}@example.test`;
    await graphql(platform.graphqlUrl, CREATE_USER, { input: { tenantId: acme.tenant.id, email, displayName: 'M', password: PASSWORD } }, bearer(acme.admin.token));
    acmeMember = await signIn(platform.graphqlUrl, email, PASSWORD, acme.tenant.slug);
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
  });

  it('builds a tree readable through Tenant.organizations, Organization.departments and Department.parent/children', async () => {
    const org = await createOrganization(acme.admin.token);
    const root = await department(acme.admin.token, org.id);
    const child = await department(acme.admin.token, org.id, root.id);
    const tree = await as(acme.admin.token)<{
      me: { tenant: { organizations: { edges: { node: { id: string; departments: { edges: { node: { id: string; parent: { id: string } | null; children: { edges: { node: { id: string } }[] } } }[] } } }[] } } };
    }>('{ me { tenant { organizations(first: 100) { edges { node { id departments { edges { node { id parent { id } children { edges { node { id } } } } } } } } } } } }');
    expect(tree.errors).toBeUndefined();
    const found = tree.data!.me.tenant.organizations.edges.find((e) => e.node.id === org.id)!;
    const departments = found.node.departments.edges.map((e) => e.node);
    expect(departments).toEqual([
      { id: root.id, parent: null, children: { edges: [{ node: { id: child.id } }] } },
      { id: child.id, parent: { id: root.id }, children: { edges: [] } },
    ]);
  });

  it('renames with the expected version, and answers CONFLICT for a stale one without changing anything', async () => {
    const org = await createOrganization(acme.admin.token);
    const renamed = await as(acme.admin.token)<{ renameOrganization: Node }>(
      `mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { ${ORG_FIELDS} } }`,
      { i: { id: org.id, name: 'Renamed once', expectedVersion: 1 } },
    );
    expect(renamed.data?.renameOrganization).toMatchObject({ name: 'Renamed once', version: 2 });
    const stale = await as(acme.admin.token)(`mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { id } }`, {
      i: { id: org.id, name: 'Lost update', expectedVersion: 1 },
    });
    expect(codesOf(stale)).toEqual(['CONFLICT']);
    expect(stale.errors?.[0]?.message).toMatch(/is at version 2, not 1/);
    expect(await readOrganization(org.id)).toMatchObject({ name: 'Renamed once', version: 2 });
  });

  it('lets exactly one of two concurrent updates with the same expected version win', async () => {
    const org = await createOrganization(acme.admin.token);
    const attempts = await Promise.all(
      ['First', 'Second', 'Third', 'Fourth'].map((name) =>
        as(acme.admin.token)<{ renameOrganization: Node }>(`mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { name version } }`, {
          i: { id: org.id, name: `${name} ${org.id.slice(-6)}`, expectedVersion: 1 },
        }),
      ),
    );
    const winners = attempts.filter((a) => a.data?.renameOrganization);
    expect(winners).toHaveLength(1);
    expect(attempts.filter((a) => codesOf(a)[0] === 'CONFLICT')).toHaveLength(3);
    expect(await readOrganization(org.id)).toMatchObject({ name: winners[0]!.data!.renameOrganization.name, version: 2 });
  });

  it('refuses a department cycle, a move across organizations and too deep a tree with BAD_USER_INPUT, leaving the tree unchanged', async () => {
    const org = await createOrganization(acme.admin.token);
    const other = await createOrganization(acme.admin.token);
    const a = await department(acme.admin.token, org.id);
    const b = await department(acme.admin.token, org.id, a.id);
    const c = await department(acme.admin.token, org.id, b.id);
    const foreign = await department(acme.admin.token, other.id);
    const before = await readDepartments(org.id);
    const move = (id: string, parentId: string | null) =>
      as(acme.admin.token)(`mutation($i: MoveDepartmentInput!) { moveDepartment(input: $i) { id } }`, { i: { id, parentId } });

    expect(codesOf(await move(a.id, c.id))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await move(a.id, a.id))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await move(b.id, foreign.id))).toEqual(['BAD_USER_INPUT']);
    expect(await readDepartments(org.id)).toEqual(before);

    let parent = c.id;
    const chain = [a, b, c];
    while (chain.length < 8) {
      const next = await department(acme.admin.token, org.id, parent);
      chain.push(next);
      parent = next.id;
    }
    const tooDeep = await createDepartment(acme.admin.token, org.id, parent);
    expect(codesOf(tooDeep)).toEqual(['BAD_USER_INPUT']);
    expect(tooDeep.errors?.[0]?.message).toMatch(/at most 8 deep/);
    // A one-level department fits under the 7th level but not under the 8th.
    const loner = await department(acme.admin.token, org.id);
    expect(codesOf(await move(loner.id, chain[7]!.id))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await move(loner.id, chain[6]!.id))).toEqual([]);
    // Moving c's 6-level subtree to the top re-roots every descendant: the deepest now has room for children.
    expect(codesOf(await move(c.id, null))).toEqual([]);
    expect((await createDepartment(acme.admin.token, org.id, chain[7]!.id)).errors).toBeUndefined();
  });

  it('moves a department with its subtree', async () => {
    const org = await createOrganization(acme.admin.token);
    const a = await department(acme.admin.token, org.id);
    const b = await department(acme.admin.token, org.id);
    const b1 = await department(acme.admin.token, org.id, b.id);
    const moved = await as(acme.admin.token)<{ moveDepartment: Node & { parent: { id: string } } }>(
      `mutation($i: MoveDepartmentInput!) { moveDepartment(input: $i) { ${DEPT_FIELDS} } }`,
      { i: { id: b.id, parentId: a.id, expectedVersion: 1 } },
    );
    expect(moved.data?.moveDepartment).toMatchObject({ id: b.id, parent: { id: a.id }, version: 2 });
    // The grandchild came along: moving a under b1 would now be a cycle.
    const cycle = await as(acme.admin.token)(`mutation($i: MoveDepartmentInput!) { moveDepartment(input: $i) { id } }`, { i: { id: a.id, parentId: b1.id } });
    expect(codesOf(cycle)).toEqual(['BAD_USER_INPUT']);
  });

  it('archives an organization with all its departments, and archived parents refuse new children', async () => {
    const org = await createOrganization(acme.admin.token);
    const a = await department(acme.admin.token, org.id);
    await department(acme.admin.token, org.id, a.id);
    const archived = await as(acme.admin.token)<{ archiveOrganization: Node }>(
      `mutation($i: ArchiveOrganizationInput!) { archiveOrganization(input: $i) { ${ORG_FIELDS} } }`,
      { i: { id: org.id } },
    );
    expect(archived.data?.archiveOrganization).toMatchObject({ status: 'ARCHIVED' });
    expect((await readDepartments(org.id))!.map((d) => d.status)).toEqual(['ARCHIVED', 'ARCHIVED']);
    expect(codesOf(await createDepartment(acme.admin.token, org.id, null))).toEqual(['BAD_USER_INPUT']);
    const liveOrg = await createOrganization(acme.admin.token);
    const dept = await department(acme.admin.token, liveOrg.id);
    await as(acme.admin.token)(`mutation($i: ArchiveDepartmentInput!) { archiveDepartment(input: $i) { id } }`, { i: { id: dept.id } });
    expect(codesOf(await createDepartment(acme.admin.token, liveOrg.id, dept.id))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers CONFLICT for a duplicate organization name in a tenant and a duplicate department name under one parent', async () => {
    const name = unique('Same');
    const org = await createOrganization(acme.admin.token, name);
    const duplicate = await as(acme.admin.token)(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: name.toUpperCase() } });
    expect(codesOf(duplicate)).toEqual(['CONFLICT']);
    expect((await createOrganization(globex.admin.token, name)).name).toBe(name);
    await department(acme.admin.token, org.id, null);
    const d = await createDepartment(acme.admin.token, org.id, null, 'Sales');
    expect(d.errors).toBeUndefined();
    expect(codesOf(await createDepartment(acme.admin.token, org.id, null, 'sales'))).toEqual(['CONFLICT']);
  });

  it("answers NOT_FOUND for another tenant's organization or department, exactly as for an unknown id, and changes nothing", async () => {
    const org = await createOrganization(acme.admin.token);
    const dept = await department(acme.admin.token, org.id);
    const unknown = '01a21000-0000-7000-8000-0000000000aa';
    const intruder = as(globex.admin.token);
    for (const id of [org.id, unknown]) {
      const read = await intruder(`query($id: ID!) { organization(id: $id) { id } }`, { id });
      expect(codesOf(read)).toEqual(['NOT_FOUND']);
      expect(read.errors?.[0]?.message).toBe(`organization ${JSON.stringify(id)} was not found`);
    }
    expect(codesOf(await intruder(`query($o: ID!) { departments(organizationId: $o) { edges { node { id } } } }`, { o: org.id }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await intruder(`mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { id } }`, { i: { id: org.id, name: 'Mine', expectedVersion: 1 } }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await intruder(`mutation($i: ArchiveOrganizationInput!) { archiveOrganization(input: $i) { id } }`, { i: { id: org.id } }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await intruder(`mutation($i: CreateDepartmentInput!) { createDepartment(input: $i) { id } }`, { i: { organizationId: org.id, name: 'X' } }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await intruder(`mutation($i: MoveDepartmentInput!) { moveDepartment(input: $i) { id } }`, { i: { id: dept.id, parentId: null } }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await intruder(`mutation($i: ArchiveDepartmentInput!) { archiveDepartment(input: $i) { id } }`, { i: { id: dept.id } }))).toEqual(['NOT_FOUND']);
    expect(await readOrganization(org.id)).toMatchObject({ name: org.name, version: 1, status: 'ACTIVE' });
    expect(await readDepartments(org.id)).toEqual([expect.objectContaining({ id: dept.id, version: 1, status: 'ACTIVE' })]);
    const list = await intruder<{ organizations: { edges: { node: { id: string } }[] } }>('{ organizations(first: 100) { edges { node { id } } } }');
    expect(list.data!.organizations.edges.map((e) => e.node.id)).not.toContain(org.id);
  });

  it('lets members read the tree but not change it', async () => {
    const org = await createOrganization(acme.admin.token);
    const member = as(acmeMember);
    expect((await member<{ organization: Node }>(`query($id: ID!) { organization(id: $id) { id } }`, { id: org.id })).data?.organization.id).toBe(org.id);
    const rename = await member(`mutation($i: RenameOrganizationInput!) { renameOrganization(input: $i) { id } }`, { i: { id: org.id, name: 'Nope', expectedVersion: 1 } });
    expect(codesOf(rename)).toEqual(['FORBIDDEN']);
    expect(codesOf(await member(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: unique('M') } }))).toEqual(['FORBIDDEN']);
    expect(await readOrganization(org.id)).toMatchObject({ name: org.name, version: 1 });
  });
});
