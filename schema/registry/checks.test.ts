import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, type GraphQLSchema, parse } from 'graphql';
import { classifyChanges, composeSubgraphs, runCheck, type SubgraphInput } from './checks';
import { operationCoordinates, operationSignature, type RecordedOperation } from './operation-usage';

const ROUTING: Record<string, string> = {
  identity: 'http://identity:4001/graphql',
  tenancy: 'http://tenancy:4002/graphql',
  audit: 'http://audit:4003/graphql',
};

function committedSdl(name: string): string {
  return readFileSync(join(__dirname, '..', 'subgraphs', `${name}.graphql`), 'utf8');
}

const current: SubgraphInput[] = Object.entries(ROUTING).map(([name, url]) => ({ name, url, sdl: committedSdl(name) }));
const identity = current.find((s) => s.name === 'identity')!;

/** Replaces exactly one occurrence, so a test fails loudly when the committed SDL no longer has the text. */
function edit(sdl: string, from: string, to: string): string {
  const at = sdl.indexOf(from);
  if (at < 0 || sdl.indexOf(from, at + 1) >= 0) throw new Error(`expected exactly one ${JSON.stringify(from)} in the SDL`);
  return sdl.slice(0, at) + to + sdl.slice(at + from.length);
}

/** 1-based line and column of the first occurrence of `text` (plus `offset` characters). */
function positionOf(sdl: string, text: string, offset = 0): { line: number; column: number } {
  const before = sdl.slice(0, sdl.indexOf(text) + offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const USER_FIELDS = '  id: ID!\n  email: String!\n  displayName: String!\n  status: UserStatus!\n';
const withoutDisplayName = { ...identity, sdl: edit(identity.sdl, USER_FIELDS, '  id: ID!\n  email: String!\n  status: UserStatus!\n') };

let currentApi: GraphQLSchema;

beforeAll(() => {
  const composed = composeSubgraphs(current);
  if (!composed.ok) throw new Error(`committed subgraphs do not compose: ${JSON.stringify(composed.errors)}`);
  currentApi = composed.apiSchema;
});

/** An operation as the registry would have recorded it from traffic against the current API schema. */
function recorded(query: string, operationName: string, clientName = 'web', clientVersion = '3.2.1'): RecordedOperation {
  const document = parse(query);
  return {
    signatureHash: operationSignature(document, operationName).hash,
    operationName,
    clientName,
    clientVersion,
    count: 12,
    lastSeen: '2025-06-01',
    coordinates: operationCoordinates(currentApi, document, operationName),
  };
}

describe('composeSubgraphs', () => {
  it('composes the committed subgraphs into a supergraph and the API schema clients query', () => {
    const composed = composeSubgraphs(current);
    expect(composed.ok).toBe(true);
    if (!composed.ok) return;
    expect(composed.supergraphSdl).toContain('join__Graph');
    expect(composed.apiSchema.getQueryType()?.getFields().me).toBeDefined();
    expect(composed.apiSchema.getType('join__Graph')).toBeUndefined();
  });

  it('reports a field of an unknown type as INVALID_GRAPHQL at its line in the subgraph that wrote it', () => {
    const sdl = edit(identity.sdl, '  displayName: String!\n  status: UserStatus!', '  displayName: Strin!\n  status: UserStatus!');
    const composed = composeSubgraphs([...current.filter((s) => s.name !== 'identity'), { ...identity, sdl }]);
    expect(composed).toEqual({
      ok: false,
      errors: [{ code: 'INVALID_GRAPHQL', message: '[identity] Unknown type Strin', locations: [{ subgraph: 'identity', ...positionOf(sdl, 'Strin!') }] }],
    });
  });

  it('reports a non-shareable field resolved by two subgraphs as INVALID_FIELD_SHARING located in both', () => {
    const tenancy = current.find((s) => s.name === 'tenancy')!;
    const sdl = `${tenancy.sdl}\ntype User @key(fields: "id") {\n  id: ID!\n  email: String!\n}\n`;
    const composed = composeSubgraphs([...current.filter((s) => s.name !== 'tenancy'), { ...tenancy, sdl }]);
    expect(composed.ok).toBe(false);
    if (composed.ok) return;
    const sharing = composed.errors.find((e) => e.code === 'INVALID_FIELD_SHARING' && e.message.includes('"User.email"'));
    expect(sharing?.locations).toEqual([
      { subgraph: 'identity', ...positionOf(identity.sdl, 'email: String!\n  displayName') },
      { subgraph: 'tenancy', ...positionOf(sdl, '  email: String!\n}', 2) },
    ]);
  });

  it('turns an SDL that does not parse into one INVALID_GRAPHQL error with its line and column instead of throwing', () => {
    const sdl = edit(identity.sdl, '  email: String!\n  displayName: String!\n  status', '  email: String!!\n  displayName: String!\n  status');
    const composed = composeSubgraphs([...current.filter((s) => s.name !== 'identity'), { ...identity, sdl }]);
    expect(composed).toEqual({
      ok: false,
      errors: [
        {
          code: 'INVALID_GRAPHQL',
          message: '[identity] Syntax Error: Expected Name, found "!".',
          locations: [{ subgraph: 'identity', ...positionOf(sdl, 'String!!', 7) }],
        },
      ],
    });
  });
});

describe('classifyChanges', () => {
  it('reports each change with its path, as BREAKING, DANGEROUS or SAFE (inspector’s NON_BREAKING)', async () => {
    const before = buildSchema('type Query { a: String, b: Int } enum Color { RED }');
    const after = buildSchema('type Query { b: Int, c: String } enum Color { RED GREEN }');
    const changes = await classifyChanges(before, after);
    expect(changes).toEqual(
      expect.arrayContaining([
        { criticality: 'BREAKING', type: 'FIELD_REMOVED', message: "Field 'a' was removed from object type 'Query'", path: 'Query.a' },
        { criticality: 'SAFE', type: 'FIELD_ADDED', message: "Field 'c' was added to object type 'Query'", path: 'Query.c' },
        expect.objectContaining({ criticality: 'DANGEROUS', type: 'ENUM_VALUE_ADDED', path: 'Color.GREEN' }),
      ]),
    );
    expect(changes).toHaveLength(3);
  });

  it('reports nothing for identical schemas', async () => {
    expect(await classifyChanges(currentApi, currentApi)).toEqual([]);
  });
});

describe('runCheck', () => {
  const dashboard = (): RecordedOperation => recorded('query Dashboard { me { displayName } }', 'Dashboard', 'web-console', '2.4.0');

  it('fails when a breaking change removes a field a recorded operation uses, and names that operation', async () => {
    const operation = dashboard();
    const report = await runCheck({ current, proposed: withoutDisplayName, operations: [operation], windowDays: 30 });

    expect(report.passed).toBe(false);
    expect(report.composition).toEqual({ passed: true, errors: [] });
    expect(report.changes).toEqual([
      expect.objectContaining({ criticality: 'BREAKING', type: 'FIELD_REMOVED', path: 'User.displayName', affectedOperations: [operation] }),
    ]);
    expect(report.operations).toEqual({ passed: false, windowDays: 30, checked: 1, affected: [operation] });
    expect(report.operations.affected[0]).toMatchObject({ operationName: 'Dashboard', clientName: 'web-console', clientVersion: '2.4.0' });
    expect(report.lint.passed).toBe(true);
    expect(report.supergraphSdl).not.toBeNull();
    expect(report.supergraphSdl).not.toMatch(/displayName: String!\n\s+status/);
  });

  it('passes the same removal when no recorded operation uses the field, still listing the breaking change', async () => {
    const operation = recorded('query Me { me { id email } }', 'Me');
    const report = await runCheck({ current, proposed: withoutDisplayName, operations: [operation], windowDays: 7 });

    expect(report.passed).toBe(true);
    expect(report.changes).toEqual([expect.objectContaining({ criticality: 'BREAKING', path: 'User.displayName', affectedOperations: [] })]);
    expect(report.operations).toEqual({ passed: true, windowDays: 7, checked: 1, affected: [] });
  });

  it('passes a new nullable field as a SAFE change', async () => {
    const proposed = { ...identity, sdl: edit(identity.sdl, USER_FIELDS, `${USER_FIELDS}\n  """What the user likes to be called."""\n  nickname: String\n`) };
    const report = await runCheck({ current, proposed, operations: [dashboard()], windowDays: 30 });

    expect(report.passed).toBe(true);
    expect(report.changes).toContainEqual({
      criticality: 'SAFE',
      type: 'FIELD_ADDED',
      message: "Field 'nickname' was added to object type 'User'",
      path: 'User.nickname',
      affectedOperations: [],
    });
    // Inspector reports the new field's description as a change of its own.
    expect(report.changes.map((c) => [c.criticality, c.type])).toEqual([
      ['SAFE', 'FIELD_ADDED'],
      ['SAFE', 'FIELD_DESCRIPTION_ADDED'],
    ]);
  });

  it('fails when the proposal does not compose, and reports no changes when the subgraph does not build on its own either', async () => {
    const sdl = edit(withoutDisplayName.sdl, '  status: UserStatus!\n', '  status: UserStatus!\n  manager: Manager\n');
    const operation = dashboard();
    const report = await runCheck({ current, proposed: { ...identity, sdl }, operations: [operation], windowDays: 30 });

    expect(report.passed).toBe(false);
    expect(report.supergraphSdl).toBeNull();
    expect(report.composition.passed).toBe(false);
    expect(report.composition.errors).toEqual([
      { code: 'INVALID_GRAPHQL', message: '[identity] Unknown type Manager', locations: [{ subgraph: 'identity', ...positionOf(sdl, 'Manager') }] },
    ]);
    // The proposed subgraph does not build either, so there is nothing to diff it with.
    expect(report.changes).toEqual([]);
  });

  it('reports changes from the subgraph schemas when the proposal builds but does not compose', async () => {
    const tenancy = current.find((s) => s.name === 'tenancy')!;
    const sdl = `${edit(tenancy.sdl, '  """URL-safe unique handle, ^[a-z0-9-]{3,40}$."""\n  slug: String! @requiresScopes(scopes: [["tenants:read"]])\n', '')}
type User @key(fields: "id") {
  id: ID!
  email: String!
}
`;
    const operation = recorded('query Slug { tenant(id: "t1") { slug } }', 'Slug');
    const report = await runCheck({ current, proposed: { ...tenancy, sdl }, operations: [operation], windowDays: 30 });

    expect(report.composition.errors.map((e) => e.code)).toContain('INVALID_FIELD_SHARING');
    expect(report.supergraphSdl).toBeNull();
    expect(report.changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ criticality: 'BREAKING', path: 'Tenant.slug', affectedOperations: [operation] })]),
    );
    // Federation's machinery (the _Entity union gaining User) is not client-facing surface.
    expect(report.changes.map((c) => c.path)).not.toContain('_Entity');
    expect(report.operations.affected).toEqual([operation]);
    expect(report.passed).toBe(false);
  });

  it('fails on an SDL that does not parse with one INVALID_GRAPHQL error and a lint error', async () => {
    const report = await runCheck({ current, proposed: { ...identity, sdl: `${identity.sdl}\ntype Broken {\n` }, operations: [], windowDays: 30 });

    expect(report.passed).toBe(false);
    expect(report.composition.errors).toHaveLength(1);
    expect(report.composition.errors[0]).toMatchObject({ code: 'INVALID_GRAPHQL', locations: [{ subgraph: 'identity', column: 1 }] });
    expect(report.lint.messages.map((m) => m.rule)).toEqual(['syntax/valid-graphql']);
    expect(report.changes).toEqual([]);
  });

  it('fails on a lint error even when the proposal composes and breaks nothing', async () => {
    const proposed = { ...identity, sdl: `${identity.sdl}\n"""Unused."""\ntype legacy_thing {\n  id: ID!\n}\n` };
    const report = await runCheck({ current, proposed, operations: [dashboard()], windowDays: 30 });

    expect(report.composition.passed).toBe(true);
    expect(report.operations.passed).toBe(true);
    expect(report.lint.passed).toBe(false);
    expect(report.lint.messages.filter((m) => m.severity === 'error')).toEqual([
      expect.objectContaining({ rule: 'naming/type-pascal-case', coordinate: 'legacy_thing' }),
    ]);
    expect(report.passed).toBe(false);
  });

  it('treats an enum value removal as breaking for operations that send that enum in a variable', async () => {
    const proposed = { ...identity, sdl: edit(identity.sdl, '  DEACTIVATED\n  DELETED\n}', '  DEACTIVATED\n}') };
    const byStatus = recorded('query ByStatus($s: UserStatus) { users(filter: { status: $s }) { edges { node { id } } } }', 'ByStatus');
    const dash = dashboard();
    const report = await runCheck({ current, proposed, operations: [byStatus, dash], windowDays: 30 });

    expect(report.changes).toEqual([expect.objectContaining({ criticality: 'BREAKING', type: 'ENUM_VALUE_REMOVED', path: 'UserStatus.DELETED' })]);
    expect(report.operations.affected).toEqual([byStatus]);
    expect(report.passed).toBe(false);
  });

  it('lists operations a DANGEROUS change may affect without failing', async () => {
    const proposed = { ...identity, sdl: edit(identity.sdl, '  DEACTIVATED\n  DELETED\n}', '  DEACTIVATED\n  DELETED\n  PENDING\n}') };
    const byStatus = recorded('query ByStatus($s: UserStatus) { users(filter: { status: $s }) { edges { node { id } } } }', 'ByStatus');
    const report = await runCheck({ current, proposed, operations: [byStatus], windowDays: 30 });

    expect(report.changes).toEqual([expect.objectContaining({ criticality: 'DANGEROUS', path: 'UserStatus.PENDING', affectedOperations: [byStatus] })]);
    expect(report.operations).toEqual({ passed: true, windowDays: 30, checked: 1, affected: [] });
    expect(report.passed).toBe(true);
  });

  it('lists an operation hit by several breaking changes once', async () => {
    const proposed = { ...identity, sdl: edit(identity.sdl, USER_FIELDS, '  id: ID!\n  status: UserStatus!\n') };
    const profile = recorded('query Profile { me { email displayName } }', 'Profile');
    const report = await runCheck({ current, proposed, operations: [profile], windowDays: 30 });

    expect(report.changes.map((c) => [c.path, c.affectedOperations.length])).toEqual(
      expect.arrayContaining([
        ['User.displayName', 1],
        ['User.email', 1],
      ]),
    );
    expect(report.operations.affected).toEqual([profile]);
  });

  it('adds a subgraph with a new name instead of replacing one', async () => {
    const billing: SubgraphInput = {
      name: 'billing',
      url: 'http://billing:4004/graphql',
      sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

type Query {
  """The caller's tenant's invoices, newest first."""
  invoices: [Invoice!]!
}

"""A bill sent to a tenant."""
type Invoice @key(fields: "id") {
  id: ID!
  totalCents: Int!
}
`,
    };
    const report = await runCheck({ current, proposed: billing, operations: [dashboard()], windowDays: 30 });

    expect(report.passed).toBe(true);
    expect(report.supergraphSdl).toContain('BILLING');
    expect(report.supergraphSdl).toContain('IDENTITY');
    expect(report.changes.map((c) => [c.criticality, c.path])).toEqual(
      expect.arrayContaining([
        ['SAFE', 'Query.invoices'],
        ['SAFE', 'Invoice'],
      ]),
    );
  });
});
