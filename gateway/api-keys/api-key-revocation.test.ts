import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { revokedApiKeyIds } from './api-key-revocation';

function idsIn(source: string, variables: Record<string, unknown> = {}): string[] {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  return revokedApiKeyIds(operation.selectionSet, fragments, variables);
}

describe('which API keys a mutation revokes, as the gateway reads it', () => {
  it('finds input.id given inline, through a variable, under an alias and in fragments', () => {
    expect(idsIn('mutation { revokeApiKey(input: { id: "k1" }) { id } }')).toEqual(['k1']);
    expect(idsIn('mutation($i: RevokeApiKeyInput!) { a: revokeApiKey(input: $i) { id } }', { i: { id: 'k2' } })).toEqual(['k2']);
    expect(idsIn('mutation($id: ID!) { ... on Mutation { revokeApiKey(input: { id: $id }) { id } } ...F } fragment F on Mutation { revokeApiKey(input: { id: "k4" }) { id } }', { id: 'k3' })).toEqual(['k3', 'k4']);
  });

  it('finds nothing in other mutations', () => {
    expect(idsIn('mutation { createApiKey(input: { name: "x", permissions: [] }) { secret } }')).toEqual([]);
  });
});
