import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse, type ExecutionResult } from 'graphql';
import { ACTOR_ID, uuidOrOneOf, UUID_ID } from './id-formats';
import { guardIds } from './id-guard';
import { idInputsOf } from './id-inputs';

const TENANT = '01964d9e-7a1c-7b2e-8f00-2a1b3c4d5e6f';
const TYPE_DEFS = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  enum Level { TENANT ORGANIZATION }
  input ScopeInput { level: Level! id: ID! }
  input GrantInput { userId: ID! roleId: ID! scopes: [ScopeInput!]! note: String }
  input TreeInput { id: ID children: [TreeInput!] }
  input EventFilter { actorId: ID aggregateId: String }
  type Tenant @key(fields: "id") { id: ID! name: String! }
  type Role @key(fields: "id") { id: ID! }
  type Query {
    tenant(id: ID, slug: String): Tenant
    tenants(ids: [ID!]!): [Tenant!]!
    events(filter: EventFilter): Int!
    tree(input: TreeInput!): Int!
    echo(text: String!): String!
  }
  type Mutation { grant(input: GrantInput!): Boolean! }
`);

function guardedSchema() {
  const calls: string[] = [];
  const schema = buildSubgraphSchema({
    typeDefs: TYPE_DEFS,
    resolvers: {
      Query: {
        tenant: (_: unknown, args: { id?: string }) => (calls.push(`tenant ${args.id}`), { id: args.id, name: 'Acme' }),
        tenants: (_: unknown, args: { ids: string[] }) => (calls.push('tenants'), args.ids.map((id) => ({ id, name: 'Acme' }))),
        events: () => (calls.push('events'), 0),
        tree: () => (calls.push('tree'), 0),
        echo: (_: unknown, args: { text: string }) => args.text,
      },
      Mutation: { grant: () => (calls.push('grant'), true) },
      Tenant: { __resolveReference: (reference: { id: string }) => (calls.push(`reference ${reference.id}`), { id: reference.id, name: 'Acme' }) },
    },
  });
  const role = uuidOrOneOf('a built-in role name', ['member', 'tenant-admin']);
  return { schema: guardIds(schema, { 'GrantInput.roleId': role, 'Role.id': role }), calls };
}

async function run(source: string, variableValues: Record<string, unknown> = {}) {
  const { schema, calls } = guardedSchema();
  const result: ExecutionResult = await graphql({ schema, source, variableValues });
  return { result, calls, codes: (result.errors ?? []).map((e) => e.extensions.code), messages: (result.errors ?? []).map((e) => e.message) };
}

const grant = (input: Record<string, unknown>) => run('mutation($i: GrantInput!) { grant(input: $i) }', { i: input });

describe('the id guard', () => {
  it('refuses a malformed ID argument with BAD_USER_INPUT naming the argument and field, before the resolver runs', async () => {
    const { result, calls, codes, messages } = await run('{ tenant(id: "not-a-uuid") { id } }');
    expect(codes).toEqual(['BAD_USER_INPUT']);
    expect(messages[0]).toMatch(/^argument "id" of Query\.tenant must be a UUID .*\(got "not-a-uuid"\)$/);
    expect(result.errors?.[0]?.extensions).toMatchObject({ field: 'id', coordinate: 'Query.tenant(id:)' });
    expect(result.data).toEqual({ tenant: null });
    expect(calls).toEqual([]);
  });

  it('lets well-formed UUIDs of any version and case through to the resolver', async () => {
    const { codes, calls } = await run(`{ a: tenant(id: "${TENANT}") { id } b: tenant(id: "${TENANT.toUpperCase()}") { id } c: tenant(id: "6f1c2b3a-4d5e-4f60-8a1b-2c3d4e5f6a7b") { id } }`);
    expect(codes).toEqual([]);
    expect(calls).toHaveLength(3);
  });

  it('refuses ids that only look like UUIDs: braces, no hyphens, a number', async () => {
    for (const id of [`{${TENANT}}`, TENANT.replace(/-/g, ''), 42]) {
      const { codes, calls } = await run('query($id: ID) { tenant(id: $id) { id } }', { id });
      expect({ id, codes, calls }).toEqual({ id, codes: ['BAD_USER_INPUT'], calls: [] });
    }
  });

  it('names the position of a malformed id in a list argument', async () => {
    const { messages, calls } = await run('query($ids: [ID!]!) { tenants(ids: $ids) { id } }', { ids: [TENANT, 'nope'] });
    expect(messages).toEqual([expect.stringMatching(/^argument "ids\[1\]" of Query\.tenants must be a UUID/)]);
    expect(calls).toEqual([]);
  });

  it('names the path of a malformed id nested in input objects and their lists', async () => {
    const { messages, calls } = await grant({ userId: TENANT, roleId: 'member', scopes: [{ level: 'TENANT', id: TENANT }, { level: 'ORGANIZATION', id: "1'; DROP TABLE x" }] });
    expect(messages).toEqual([expect.stringMatching(/^argument "input\.scopes\[1\]\.id" of Mutation\.grant must be a UUID/)]);
    expect(calls).toEqual([]);
  });

  it('checks recursive input types at any depth', async () => {
    const { messages } = await run('query($t: TreeInput!) { tree(input: $t) }', { t: { id: TENANT, children: [{ children: [{ id: 'deep' }] }] } });
    expect(messages).toEqual([expect.stringMatching(/^argument "input\.children\[0\]\.children\[0\]\.id" of Query\.tree/)]);
  });

  it('accepts what a declared format allows at its coordinate (a built-in role name) and still refuses anything else', async () => {
    expect((await grant({ userId: TENANT, roleId: 'member', scopes: [] })).calls).toEqual(['grant']);
    expect((await grant({ userId: TENANT, roleId: TENANT, scopes: [] })).calls).toEqual(['grant']);
    const refused = await grant({ userId: TENANT, roleId: 'owner', scopes: [] });
    expect(refused.messages).toEqual([expect.stringContaining('argument "input.roleId" of Mutation.grant must be a UUID or a built-in role name ("member", "tenant-admin") (got "owner")')]);
    // The declared format is for roleId only: userId stays a UUID.
    expect((await grant({ userId: 'member', roleId: 'member', scopes: [] })).codes).toEqual(['BAD_USER_INPUT']);
  });

  it('accepts a service name as an actorId, since SYSTEM actors are recorded by name', async () => {
    expect((await run('{ events(filter: { actorId: "identity" }) }')).calls).toEqual(['events']);
    expect((await run(`{ events(filter: { actorId: "${TENANT}" }) }`)).calls).toEqual(['events']);
    const refused = await run('{ events(filter: { actorId: "not an actor" }) }');
    expect(refused.messages).toEqual([expect.stringContaining(`argument "filter.actorId" of Query.events must be ${ACTOR_ID.description}`)]);
  });

  it('refuses a malformed entity key in _entities before any reference is resolved', async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id name } } }';
    const refused = await run(query, { r: [{ __typename: 'Tenant', id: TENANT }, { __typename: 'Tenant', id: 'not-a-uuid' }] });
    expect(refused.messages).toEqual([expect.stringMatching(/^argument "representations\[1\]\.id" of Query\._entities must be a UUID/)]);
    expect(refused.calls).toEqual([]);
    const resolved = await run(query, { r: [{ __typename: 'Tenant', id: TENANT }] });
    expect(resolved.result.data).toEqual({ _entities: [{ id: TENANT, name: 'Acme' }] });
    expect((await run('query($r: [_Any!]!) { _entities(representations: $r) { ... on Role { id } } }', { r: [{ __typename: 'Role', id: 'member' }] })).codes).toEqual([]);
  });

  it('leaves fields without ids, and federation’s _service, as they were', async () => {
    expect((await run('{ echo(text: "not-a-uuid") }')).result.data).toEqual({ echo: 'not-a-uuid' });
    const service = await run('{ _service { sdl } }');
    expect(service.codes).toEqual([]);
    expect(JSON.stringify(service.result.data)).toContain('type Tenant');
  });

  it('quotes at most 64 characters of a long malformed value back', async () => {
    const { messages } = await run('query($id: ID) { tenant(id: $id) { id } }', { id: 'x'.repeat(10_000) });
    expect(messages[0]!.length).toBeLessThan(250);
    expect(messages[0]).toMatch(/x…\)$/);
  });
});

describe('the ID inputs of a schema', () => {
  it('lists every ID argument and input field by schema coordinate', () => {
    const { schema } = guardedSchema();
    expect(idInputsOf(schema).map((input) => input.coordinate)).toEqual([
      'EventFilter.actorId',
      'GrantInput.roleId',
      'GrantInput.userId',
      'Query.tenant(id:)',
      'Query.tenants(ids:)',
      'ScopeInput.id',
      'TreeInput.id',
    ]);
  });

  it('describes a UUID the way Lattice hands ids out', () => {
    expect(UUID_ID.accepts(TENANT)).toBe(true);
    expect(UUID_ID.accepts('not-a-uuid')).toBe(false);
  });
});
