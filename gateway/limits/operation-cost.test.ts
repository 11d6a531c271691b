import { readFileSync } from 'node:fs';
import { buildSchema, parse, type GraphQLSchema } from 'graphql';
import { apiSchemaOf } from '../supergraph/api-schema';
import { parseSupergraph } from '../supergraph/supergraph-version';
import { operationCost } from './operation-cost';
import { selectOperation } from './selected-operation';

const shop = buildSchema(`
  type Query { item: Item items(limit: Int): [Item!]! feed(first: Int, last: Int): ItemConnection! grid: [[Item]] search: [Result] }
  type ItemConnection { nodes: [Item!]! edges: [ItemEdge!]! sub(first: Int): [Item!]! total: Int }
  type ItemEdge { cursor: String node: Item! }
  type Item { id: ID! name: String tags: [String!]! kind: Kind children(first: Int): [Item!]! }
  enum Kind { A B }
  union Result = Item
`);

function cost(query: string, options: { variables?: Record<string, unknown>; schema?: GraphQLSchema; maxCost?: number } = {}): number {
  const selected = selectOperation(parse(query), null)!;
  return operationCost({ selected, schema: options.schema ?? shop, variables: options.variables ?? {} }, { maxCost: options.maxCost ?? Number.MAX_SAFE_INTEGER, defaultListSize: 10 });
}

describe('operationCost', () => {
  it('costs 1 per object field and nothing for scalars, enums, lists of scalars and __typename', () => {
    expect(cost('{ item { __typename id name tags kind } }')).toBe(1);
  });

  it('multiplies what is inside a list by its limit argument', () => {
    expect(cost('{ items(limit: 7) { children { id } } }')).toBe(1 + 7);
  });

  it('passes a connection’s first or last to the lists directly below it (edges, nodes)', () => {
    expect(cost('{ feed(last: 4) { nodes { id } edges { node { id } } } }')).toBe(1 + 1 + 1 + 4);
    expect(cost('{ feed(first: 2, last: 4) { edges { node { id } } } }')).toBe(1 + 1 + 4);
  });

  it('passes the connection’s size no further than the lists directly below it', () => {
    expect(cost('{ feed(first: 4) { edges { node { children { children { id } } } } } }')).toBe(1 + 1 + 4 + 4 + 4 * 10);
    expect(cost('{ feed(first: 4) { sub(first: 2) { children { id } } } }')).toBe(1 + 1 + 2);
    expect(cost('{ feed(first: 4) { sub { children { id } } } }')).toBe(1 + 1 + 4);
  });

  it('passes the connection’s size through fragments at its level', () => {
    expect(cost('{ feed(first: 3) { ...Page } } fragment Page on ItemConnection { edges { node { id } } }')).toBe(1 + 1 + 3);
    expect(cost('{ feed(first: 3) { ... on ItemConnection { edges { node { id } } } } }')).toBe(1 + 1 + 3);
  });

  it('sizes a list with no size argument, or a connection without first, with the default list size', () => {
    expect(cost('{ search { ... on Item { children { id } } } }')).toBe(1 + 10);
    expect(cost('{ feed { edges { node { id } } } }')).toBe(1 + 1 + 10);
  });

  it('multiplies a list of lists by one size per level', () => {
    expect(cost('{ grid { children { id } } }')).toBe(1 + 100);
  });

  it('reads a size from a variable, from the variable’s default when it is missing, and uses the default list size for null or nonsense', () => {
    const query = 'query($n: Int = 3) { items(limit: $n) { children { id } } }';
    expect(cost(query, { variables: { n: 6 } })).toBe(1 + 6);
    expect(cost(query)).toBe(1 + 3);
    expect(cost(query, { variables: { n: null } })).toBe(1 + 10);
    expect(cost(query, { variables: { n: 'many' } })).toBe(1 + 10);
    expect(cost('{ items(limit: -1) { children { id } } }')).toBe(1 + 10);
  });

  it('counts nothing inside a list asked for zero items', () => {
    expect(cost('{ items(limit: 0) { children { id } } }')).toBe(1);
  });

  it('saturates at Number.MAX_SAFE_INTEGER instead of reaching Infinity', () => {
    const huge = '99999999999999999999999999';
    const query = `{ items(limit: ${huge}) { children(first: ${huge}) { children(first: ${huge}) { id } } } }`;
    expect(cost(query)).toBe(Number.MAX_SAFE_INTEGER);
    expect(cost(query, { maxCost: 5000 })).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('stops once over the limit, answering a cost above the limit and at most the true cost', () => {
    const query = '{ a: items(limit: 100) { children { id } } b: items(limit: 100) { children { id } } }';
    expect(cost(query)).toBe(2 * (1 + 100));
    const stopped = cost(query, { maxCost: 50 });
    expect(stopped).toBeGreaterThan(50);
    expect(stopped).toBeLessThanOrEqual(2 * (1 + 100));
  });

  it('costs the connections of the real schema as documented', () => {
    const schema = apiSchemaOf(parseSupergraph(readFileSync('schema/supergraph.graphql', 'utf8'), 'test'));
    expect(cost('{ users(first: 50) { edges { node { id department { name } roleAssignments { role { name } } } } pageInfo { hasNextPage } } }', { schema })).toBe(
      // users, edges, pageInfo; then per user: node, department, roleAssignments, and 10 roles
      1 + 1 + 1 + 50 * (1 + 1 + 1) + 50 * 10,
    );
  });
});
