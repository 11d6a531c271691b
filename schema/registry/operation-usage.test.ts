import { buildSchema, parse } from 'graphql';
import { operationCoordinates, operationSignature, type RecordedOperation, usesCoordinate } from './operation-usage';

const schema = buildSchema(`
  type Query {
    me: User!
    user(id: ID!): User
    users(first: Int, filter: UsersFilter): [User!]!
    node(id: ID!): Node
    search(text: String!): [SearchResult!]!
  }
  type Mutation {
    createUser(input: CreateUserInput!): User!
    assignRole(input: RoleAssignmentInput!): Boolean!
  }
  interface Node { id: ID! }
  type User implements Node { id: ID! displayName: String! status: Status! tenant: Tenant }
  type Tenant implements Node { id: ID! slug: String! }
  union SearchResult = User | Tenant
  enum Status { ACTIVE SUSPENDED }
  enum ScopeLevel { TENANT DEPARTMENT }
  input UsersFilter { status: Status search: String }
  input CreateUserInput { email: String! displayName: String! }
  input RoleAssignmentInput { userId: ID! scope: ScopeInput! }
  input ScopeInput { level: ScopeLevel! id: ID! }
`);

function recorded(coordinates: string[]): RecordedOperation {
  return { signatureHash: 'h', operationName: 'Op', clientName: 'web', clientVersion: '1.0.0', count: 1, lastSeen: '2025-01-01', coordinates };
}

describe('operationSignature', () => {
  it('never contains a string, number, list or object literal the client wrote', () => {
    const { signature } = operationSignature(
      parse('{ user(id: "secret-id") { id } users(first: 42, filter: { search: "alice@example.com" }) { id } }'),
      null,
    );
    expect(signature).not.toContain('secret-id');
    expect(signature).not.toContain('42');
    expect(signature).not.toContain('alice@example.com');
    expect(signature).toBe('{user(id:""){id}users(filter:{},first:0){id}}');
  });

  it('keeps enum and boolean literals, which are schema shape rather than user data', () => {
    const { signature } = operationSignature(parse('{ users(filter: { status: ACTIVE }) { id @include(if: true) } }'), null);
    // Object literals are emptied as a whole, so even the enum inside the filter disappears.
    expect(signature).toBe('{users(filter:{}){id@include(if:true)}}');
    expect(operationSignature(parse('query($s: Status = ACTIVE) { me { id } }'), null).signature).toContain('ACTIVE');
  });

  it('gives the same hash to documents that differ only in literals, whitespace, field order and aliases', () => {
    const a = operationSignature(parse('query Profile { user(id: "1") { id displayName } }'), 'Profile');
    const b = operationSignature(parse('query Profile {\n  person: user(id: "2") {\n    displayName\n    id\n  }\n}'), 'Profile');
    expect(b.hash).toBe(a.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a different hash when the selection differs', () => {
    const a = operationSignature(parse('query Profile { me { id } }'), 'Profile');
    const b = operationSignature(parse('query Profile { me { id displayName } }'), 'Profile');
    expect(b.hash).not.toBe(a.hash);
  });

  it('keeps only the named operation and the fragments it uses', () => {
    const document = parse(`
      query A { me { ...Name } }
      query B { me { id } }
      fragment Name on User { displayName }
      fragment Unused on User { status }
    `);
    expect(operationSignature(document, 'A').signature).toBe('fragment Name on User{displayName}query A{me{...Name}}');
    expect(operationSignature(document, 'B').signature).toBe('query B{me{id}}');
  });

  it('refuses a document without the named operation', () => {
    expect(() => operationSignature(parse('query A { me { id } }'), 'B')).toThrow('document must contain an operation named "B"');
  });
});

describe('operationCoordinates', () => {
  it('lists every selected field under its parent type, sorted and without duplicates', () => {
    expect(operationCoordinates(schema, parse('query Dashboard { me { displayName tenant { slug } } again: me { displayName } }'), 'Dashboard')).toEqual([
      'Query.me',
      'Tenant.slug',
      'User.displayName',
      'User.tenant',
    ]);
  });

  it('follows named fragments, inline fragments, interfaces and unions', () => {
    const document = parse(`
      query Find {
        node(id: "n1") { id ...TenantSlug }
        search(text: "x") { __typename ... on User { displayName } ... on Tenant { id } }
      }
      fragment TenantSlug on Tenant { slug }
    `);
    expect(operationCoordinates(schema, document, 'Find')).toEqual([
      'Node.id',
      'Query.node',
      'Query.node.id',
      'Query.search',
      'Query.search.text',
      'Tenant.id',
      'Tenant.slug',
      'User.displayName',
    ]);
  });

  it('records arguments, input object fields and enum values written as literals', () => {
    const document = parse('{ users(first: 10, filter: { status: SUSPENDED, search: "bo" }) { id } }');
    expect(operationCoordinates(schema, document, null)).toEqual([
      'Query.users',
      'Query.users.filter',
      'Query.users.first',
      'Status.SUSPENDED',
      'User.id',
      'UsersFilter.search',
      'UsersFilter.status',
    ]);
  });

  it('records the declared type of each variable and every input type reachable from it, as its value is never seen', () => {
    const document = parse(`
      mutation Setup($user: CreateUserInput!, $assignment: RoleAssignmentInput!, $status: Status) {
        createUser(input: $user) { id }
        assignRole(input: $assignment)
        alsoStatus: createUser(input: { email: "e", displayName: "d" }) { status }
      }
    `);
    expect(operationCoordinates(schema, document, 'Setup')).toEqual([
      'CreateUserInput',
      'CreateUserInput.displayName',
      'CreateUserInput.email',
      'ID',
      'Mutation.assignRole',
      'Mutation.assignRole.input',
      'Mutation.createUser',
      'Mutation.createUser.input',
      'RoleAssignmentInput',
      'ScopeInput',
      'ScopeLevel',
      'Status',
      'String',
      'User.id',
      'User.status',
    ]);
  });

  it('ignores __typename, introspection and directive arguments', () => {
    const document = parse('{ __schema { types { name } } __type(name: "User") { name } me { __typename id @include(if: true) } }');
    expect(operationCoordinates(schema, document, null)).toEqual(['Query.me', 'User.id']);
  });

  it('ignores operations and fragments other than the chosen one', () => {
    const document = parse('query A { me { id } } query B { me { ...Status } } fragment Status on User { status }');
    expect(operationCoordinates(schema, document, 'A')).toEqual(['Query.me', 'User.id']);
  });
});

describe('usesCoordinate', () => {
  it('matches the coordinate itself', () => {
    expect(usesCoordinate(recorded(['Query.me', 'User.displayName']), 'User.displayName')).toBe(true);
  });

  it('matches a type or field whose members the operation uses', () => {
    const operation = recorded(['Query.user', 'Query.user.id', 'User.displayName']);
    expect(usesCoordinate(operation, 'User')).toBe(true);
    expect(usesCoordinate(operation, 'Query.user')).toBe(true);
  });

  it('does not match a coordinate that merely shares a prefix', () => {
    expect(usesCoordinate(recorded(['Query.users']), 'Query.user')).toBe(false);
    expect(usesCoordinate(recorded(['User.displayNameV2']), 'User.displayName')).toBe(false);
  });

  it('matches any value or field of a type a variable is declared with', () => {
    const operation = recorded(['Query.users', 'Query.users.filter', 'Status']);
    expect(usesCoordinate(operation, 'Status.SUSPENDED')).toBe(true);
    expect(usesCoordinate(operation, 'UsersFilter.search')).toBe(false);
  });

  it('does not match an argument of a field the operation does not call', () => {
    expect(usesCoordinate(recorded(['Query.me', 'User.id']), 'Query.user.id')).toBe(false);
  });
});
