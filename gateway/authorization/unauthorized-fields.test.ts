import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { FieldRequirements } from './field-requirements';
import { refusalError } from './field-authorization';
import type { Caller } from './requirement';
import { fragmentsOf, unauthorizedFields } from './unauthorized-fields';

/** A small supergraph as composition prints one: the security features linked, directives on fields and types. */
const SUPERGRAPH = `
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
{
  query: Query
  mutation: Mutation
}

directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar requiresScopes__Scope
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }

type Query {
  me: User! @authenticated
  users: UserConnection! @requiresScopes(scopes: [["users:read"]])
  search(text: String!): [SearchResult!]!
  report: Report @requiresScopes(scopes: [["reports:read", "reports:export"], ["platform:admin"]])
  audited: AuditEvent @requiresScopes(scopes: [["reports:read"]])
  secret: Secret
  publicNote: String
}

type Mutation {
  createUser(name: String!): User! @requiresScopes(scopes: [["users:write"]])
  signIn(email: String!): String!
}

type User {
  id: ID!
  email: String! @requiresScopes(scopes: [["users:read"]])
  tenant: Tenant
  events: [AuditEvent!]!
}

type Tenant {
  id: ID!
  name: String! @requiresScopes(scopes: [["tenants:read"]])
}

type AuditEvent @requiresScopes(scopes: [["audit:read"]]) {
  id: ID!
  data: String
}

type UserConnection { edges: [UserEdge!]! }
type UserEdge { node: User! }
type Report { title: String }
union SearchResult = User | AuditEvent
scalar Secret @authenticated
`;

const requirements = FieldRequirements.fromSupergraph(SUPERGRAPH);
const apiSchema = buildSchema(SUPERGRAPH);

const anonymous: Caller = { signedIn: false, permissions: new Set() };
const holding = (...permissions: string[]): Caller => ({ signedIn: true, permissions: new Set(permissions) });

/** The refusals for `query`, which must be a valid operation (the gateway validates before authorizing). */
function refusalsOf(query: string, caller: Caller, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  expect(validate(apiSchema, document).map((e) => e.message)).toEqual([]);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return unauthorizedFields(requirements, operation, fragmentsOf(document), variables, caller).map((r) => ({ path: r.path, code: r.shortfall.code, field: r.coordinate }));
}

describe('field authorization walk', () => {
  it('refuses a mutation the caller lacks the permission for, at its response path', () => {
    expect(refusalsOf('mutation { createUser(name: "x") { id } }', holding('users:read'))).toEqual([{ path: ['createUser'], code: 'FORBIDDEN', field: 'Mutation.createUser' }]);
  });

  it('lets a caller holding the permission through, and leaves public fields open to anonymous callers', () => {
    expect(refusalsOf('mutation { createUser(name: "x") { id } }', holding('users:write'))).toEqual([]);
    expect(refusalsOf('mutation { signIn(email: "a@b.c") }', anonymous)).toEqual([]);
    expect(refusalsOf('{ publicNote }', anonymous)).toEqual([]);
  });

  it('answers UNAUTHENTICATED, not FORBIDDEN, to an anonymous caller for @authenticated and @requiresScopes fields', () => {
    expect(refusalsOf('{ me { id } users { edges { node { id } } } publicNote }', anonymous)).toEqual([
      { path: ['me'], code: 'UNAUTHENTICATED', field: 'Query.me' },
      { path: ['users'], code: 'UNAUTHENTICATED', field: 'Query.users' },
    ]);
    expect(refusalsOf('{ me { id } }', holding())).toEqual([]);
  });

  it('checks nested fields of other entities and reports the full response path, aliases included', () => {
    expect(refusalsOf('{ users { edges { node { id tenant { id label: name } } } } }', holding('users:read'))).toEqual([
      { path: ['users', 'edges', 'node', 'tenant', 'label'], code: 'FORBIDDEN', field: 'Tenant.name' },
    ]);
    expect(refusalsOf('{ me { tenant { id } } }', holding())).toEqual([]);
  });

  it('follows named fragments, nested fragments and inline fragments, reporting each place a fragment is spread', () => {
    const query = `
      query { me { ...Person } users { edges { node { ... on User { ...Person } } } } }
      fragment Person on User { id ...Contact }
      fragment Contact on User { email }`;
    expect(refusalsOf(query, holding())).toEqual([
      { path: ['me', 'email'], code: 'FORBIDDEN', field: 'User.email' },
      { path: ['users'], code: 'FORBIDDEN', field: 'Query.users' },
    ]);
    expect(refusalsOf(query, holding('users:read'))).toEqual([]);
    const twice = `query { me { ...Person } again: me { ...Person } } fragment Person on User { email }`;
    expect(refusalsOf(twice, holding()).map((r) => r.path)).toEqual([
      ['me', 'email'],
      ['again', 'email'],
    ]);
  });

  it('applies a directive on a type to every field returning it, and to fragments on that type', () => {
    expect(refusalsOf('{ me { events { id } } }', holding('users:read'))).toEqual([{ path: ['me', 'events'], code: 'FORBIDDEN', field: 'User.events' }]);
    expect(refusalsOf('{ me { events { id } } }', holding('audit:read'))).toEqual([]);
    // A union member with a type-level directive is refused where the fragment narrows to it.
    expect(refusalsOf('{ search(text: "a") { ... on User { id } ... on AuditEvent { data } } }', holding())).toEqual([
      { path: ['search'], code: 'FORBIDDEN', field: 'AuditEvent' },
    ]);
    expect(refusalsOf('{ search(text: "a") { ...E } } fragment E on AuditEvent { id }', holding('audit:read'))).toEqual([]);
    // On a scalar: any field returning it.
    expect(refusalsOf('{ secret }', anonymous)).toEqual([{ path: ['secret'], code: 'UNAUTHENTICATED', field: 'Query.secret' }]);
  });

  it('requires both the field\'s and its type\'s scopes', () => {
    expect(refusalsOf('{ audited { id } }', holding('reports:read'))).toEqual([{ path: ['audited'], code: 'FORBIDDEN', field: 'Query.audited' }]);
    expect(refusalsOf('{ audited { id } }', holding('audit:read'))).toEqual([{ path: ['audited'], code: 'FORBIDDEN', field: 'Query.audited' }]);
    expect(refusalsOf('{ audited { id } }', holding('audit:read', 'reports:read'))).toEqual([]);
  });

  it('reads scopes: [[a, b], [c]] as (a AND b) OR c', () => {
    const report = '{ report { title } }';
    expect(refusalsOf(report, holding('reports:read', 'reports:export'))).toEqual([]);
    expect(refusalsOf(report, holding('platform:admin'))).toEqual([]);
    expect(refusalsOf(report, holding('reports:read'))).toHaveLength(1);
    expect(refusalsOf(report, holding('reports:export', 'audit:read'))).toHaveLength(1);
  });

  it('does not report the selections under a refused field, and reports a field selected twice once', () => {
    expect(refusalsOf('{ users { edges { node { email tenant { name } } } } }', holding())).toEqual([{ path: ['users'], code: 'FORBIDDEN', field: 'Query.users' }]);
    expect(refusalsOf('query { me { email ...F } } fragment F on User { email }', holding())).toEqual([{ path: ['me', 'email'], code: 'FORBIDDEN', field: 'User.email' }]);
  });

  it('skips what @skip and @include leave out, reading variables and their defaults, and checks anything it cannot decide', () => {
    const query = 'query($full: Boolean = false, $hide: Boolean!) { me { id email @include(if: $full) tenant @skip(if: $hide) { name } } }';
    expect(refusalsOf(query, holding(), { hide: true })).toEqual([]);
    expect(refusalsOf(query, holding(), { full: true, hide: true })).toEqual([{ path: ['me', 'email'], code: 'FORBIDDEN', field: 'User.email' }]);
    expect(refusalsOf(query, holding(), { hide: false }).map((r) => r.field)).toEqual(['Tenant.name']);
    expect(refusalsOf('{ me { ... @skip(if: true) { email } } }', holding())).toEqual([]);
    expect(refusalsOf(query, holding(), { hide: 'yes' }).map((r) => r.field)).toEqual(['Tenant.name']);
  });

  it('leaves __typename and introspection open', () => {
    expect(refusalsOf('{ __typename __schema { queryType { name } } }', anonymous)).toEqual([]);
  });
});

describe('field refusal errors', () => {
  const errorFor = (query: string, caller: Caller) => {
    const document = parse(query);
    const operation = document.definitions[0] as OperationDefinitionNode;
    return unauthorizedFields(requirements, operation, fragmentsOf(document), {}, caller).map(refusalError);
  };

  it('names the missing permission, the field and its path, with a stable code', () => {
    expect(errorFor('mutation {\n  createUser(name: "x") { id }\n}', holding('users:read'))).toEqual([
      {
        message: 'missing permission users:write to select Mutation.createUser',
        locations: [{ line: 2, column: 3 }],
        path: ['createUser'],
        extensions: { code: 'FORBIDDEN' },
      },
    ]);
  });

  it('names only what is missing of each alternative', () => {
    expect(errorFor('{ report { title } }', holding('reports:read'))[0]?.message).toBe('missing permission reports:export, or platform:admin to select Query.report');
  });

  it('tells an anonymous caller to sign in', () => {
    const [error] = errorFor('{ me { id } }', anonymous);
    expect(error?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(error?.message).toMatch(/^authentication required to select Query.me/);
  });
});

describe("the committed supergraph's requirements", () => {
  const committed = FieldRequirements.fromSupergraph(readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'));
  /** Root operations anyone may call. Every other root field must say who may call it. */
  // The ways in: a caller of refreshToken holds a refresh token, not a valid access token.
  const PUBLIC_OPERATIONS = ['Mutation.signIn', 'Mutation.refreshToken'];

  it('guards every root operation except the public ones', () => {
    const document = parse(readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'));
    const unguarded: string[] = [];
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION || !['Query', 'Mutation', 'Subscription'].includes(definition.name.value)) continue;
      for (const field of definition.fields ?? []) {
        const coordinate = `${definition.name.value}.${field.name.value}`;
        if (!committed.field(definition.name.value, field.name.value)?.requirement && !PUBLIC_OPERATIONS.includes(coordinate)) unguarded.push(coordinate);
      }
    }
    expect(unguarded).toEqual([]);
  });

  it('matches the permissions the subgraphs check', () => {
    const scopes = (type: string, field: string) => committed.field(type, field)?.requirement?.scopes;
    expect(scopes('Mutation', 'createUser')).toEqual([[['users:write']]]);
    expect(scopes('Query', 'users')).toEqual([[['users:read']]]);
    expect(scopes('Mutation', 'suspendTenant')).toEqual([[['tenants:write']]]);
    expect(scopes('Query', 'auditEvents')).toEqual([[['audit:read']]]);
    expect(committed.field('Query', 'me')?.requirement).toEqual({ authenticated: true, scopes: [] });
    expect(committed.field('Mutation', 'signIn')?.requirement).toBeNull();
    // Keys stay free: signIn's answer and other subgraphs' references carry them without asking tenancy.
    expect(committed.field('Tenant', 'id')?.requirement).toBeNull();
    expect(scopes('Tenant', 'name')).toEqual([[['tenants:read']]]);
  });
});
