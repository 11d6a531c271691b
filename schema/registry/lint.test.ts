import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINT_RULES, lintSubgraph } from './lint';

const COMMITTED_SUBGRAPHS = ['identity', 'tenancy', 'audit'];

function committedSdl(name: string): string {
  return readFileSync(join(__dirname, '..', 'subgraphs', `${name}.graphql`), 'utf8');
}

describe('lintSubgraph', () => {
  it.each(COMMITTED_SUBGRAPHS)('finds no error in the committed %s subgraph', (name) => {
    expect(lintSubgraph(committedSdl(name)).filter((m) => m.severity === 'error')).toEqual([]);
  });

  it('flags a type name that is not PascalCase and says what to rename it to', () => {
    expect(lintSubgraph('type Query {\n  """x"""\n  me: bad_type\n}\n"""A bad one."""\ntype bad_type { id: ID! }')).toEqual([
      {
        rule: 'naming/type-pascal-case',
        severity: 'error',
        message: 'Rename bad_type to BadType: type names are PascalCase.',
        coordinate: 'bad_type',
      },
    ]);
  });

  it('flags an enum value that is not UPPER_SNAKE_CASE', () => {
    expect(lintSubgraph('enum Status { ACTIVE lowercase }')).toEqual([
      {
        rule: 'naming/enum-value-upper-snake-case',
        severity: 'error',
        message: 'Rename Status.lowercase to LOWERCASE: enum values are UPPER_SNAKE_CASE.',
        coordinate: 'Status.lowercase',
      },
    ]);
  });

  it('flags field, input field and argument names that are not camelCase', () => {
    const messages = lintSubgraph('type Query {\n  """x"""\n  user_by_id(User_ID: ID!): String\n}\ninput UserInput { display_name: String }');
    expect(messages.map((m) => [m.rule, m.coordinate])).toEqual([
      ['naming/field-camel-case', 'Query.user_by_id'],
      ['naming/field-camel-case', 'UserInput.display_name'],
      ['naming/argument-camel-case', 'Query.user_by_id.User_ID'],
    ]);
  });

  it('accepts input names ending in Input or Filter and flags any other', () => {
    const messages = lintSubgraph('input CreateThingInput { a: Int } input ThingsFilter { a: Int } input ThingData { a: Int }');
    expect(messages.map((m) => [m.rule, m.severity, m.coordinate])).toEqual([['naming/input-type-suffix', 'error', 'ThingData']]);
  });

  it('flags a mutation whose arguments are not a single non-null input argument, and accepts one without arguments', () => {
    const messages = lintSubgraph(`
      type Mutation {
        """a"""
        renameThing(id: ID!, name: String!): Boolean!
        """b"""
        archiveThing(input: ArchiveThingInput): Boolean!
        """c"""
        createThing(input: CreateThingInput!): Boolean!
        """d"""
        signOut: Boolean!
      }
      input ArchiveThingInput { id: ID! }
      input CreateThingInput { id: ID! }
    `);
    expect(messages.map((m) => [m.rule, m.coordinate])).toEqual([
      ['mutation/single-input-argument', 'Mutation.renameThing'],
      ['mutation/single-input-argument', 'Mutation.archiveThing'],
    ]);
    expect(messages[0]!.message).toBe('Give Mutation.renameThing a single argument input: RenameThingInput! instead of (id, name).');
  });

  it('warns about undescribed object types and root fields, but not about Relay plumbing or entity references', () => {
    const messages = lintSubgraph(`
      type Query { things: ThingConnection! }
      type ThingConnection { edges: [ThingEdge!]! pageInfo: PageInfo! }
      type ThingEdge { node: Thing! }
      type PageInfo { hasNextPage: Boolean! }
      type Thing { id: ID! owner: Owner }
      type Owner @key(fields: "id", resolvable: false) { id: ID! }
    `);
    expect(messages).toEqual([
      { rule: 'description/object-type', severity: 'warning', message: expect.stringContaining('Describe type Thing') as string, coordinate: 'Thing' },
      { rule: 'description/root-field', severity: 'warning', message: expect.stringContaining('Describe Query.things') as string, coordinate: 'Query.things' },
    ]);
  });

  it('uses the root type names a schema definition gives', () => {
    const messages = lintSubgraph('schema { query: Root mutation: Change }\ntype Root { """x""" a: Int }\ntype Change { """y""" b(x: Int): Int }');
    expect(messages.map((m) => [m.rule, m.coordinate])).toEqual([['mutation/single-input-argument', 'Change.b']]);
  });

  it('gives one error when the SDL does not parse', () => {
    expect(lintSubgraph('type Query {')).toEqual([
      { rule: 'syntax/valid-graphql', severity: 'error', message: 'Syntax Error: Expected Name, found <EOF>.', coordinate: null },
    ]);
  });

  it('lists every rule once, with a description', () => {
    const ids = LINT_RULES.map((r) => r.rule);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['naming/type-pascal-case', 'naming/enum-value-upper-snake-case', 'syntax/valid-graphql']));
    for (const rule of LINT_RULES) expect(rule.description.length).toBeGreaterThan(10);
  });
});
