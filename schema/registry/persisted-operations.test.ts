import { buildSchema } from 'graphql';
import { operationId, readManifest } from './persisted-operations';

const schema = buildSchema('type Query { me: User } type User { id: ID! email: String! } type Mutation { signOut: Boolean! }');
const entry = (name: string | null, type: string, body: string, id = operationId(body)) => ({ id, name, type, body });
const manifest = (operations: unknown[]) => JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations });

describe('readManifest', () => {
  it('reads every operation of an Apollo manifest that validates against the schema', () => {
    const me = entry('Me', 'query', 'query Me { me { email } }');
    const out = entry('SignOut', 'mutation', 'mutation SignOut { signOut }');
    expect(readManifest(manifest([me, out]), schema)).toEqual({ operations: [me, out], problems: [] });
  });

  it('reports each operation that does not belong, by index and reason', () => {
    const body = 'query Me { me { email } }';
    const { problems } = readManifest(
      manifest([
        entry('Me', 'query', body, 'b'.repeat(64)),
        entry('Me', 'mutation', body),
        entry('Ghost', 'query', 'query Ghost { me { ghost } }'),
        entry('Other', 'query', body),
        entry('Broken', 'query', 'query Broken {'),
      ]),
      schema,
    );
    expect(problems.map((p) => [p.index, p.message])).toEqual([
      [0, 'id is not the SHA-256 of the body'],
      [1, 'the body is a query, not a mutation'],
      [2, expect.stringMatching(/does not validate against the current supergraph: .*ghost/)],
      [3, 'the body has no operation named Other'],
      [4, expect.stringMatching(/^does not parse: /)],
    ]);
  });

  it('refuses what is not an Apollo manifest as a whole', () => {
    for (const text of ['{', JSON.stringify({ operations: [] }), manifest([])]) {
      const { operations, problems } = readManifest(text, schema);
      expect(operations).toEqual([]);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.index).toBe(-1);
    }
  });
});
