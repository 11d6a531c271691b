import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { changedTenantIds } from './status-change';

function idsIn(source: string, variables: Record<string, unknown> = {}): string[] {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return changedTenantIds(operation.selectionSet, fragments, variables);
}

describe('which tenants a mutation changes the status of', () => {
  it('reads input.id from variables and from literals, under aliases', () => {
    expect(idsIn('mutation($in: SuspendTenantInput!) { suspendTenant(input: $in) { id } }', { in: { id: 't1', reason: 'r' } })).toEqual(['t1']);
    expect(idsIn('mutation($id: ID!) { a: reactivateTenant(input: { id: $id }) { id } b: suspendTenant(input: { id: "t3", reason: "r" }) { id } }', { id: 't2' })).toEqual(['t2', 't3']);
  });

  it('finds them inside inline fragments and fragment spreads', () => {
    expect(idsIn('mutation { ... on Mutation { suspendTenant(input: { id: "t1", reason: "r" }) { id } } ...F } fragment F on Mutation { reactivateTenant(input: { id: "t2" }) { id } }')).toEqual(['t1', 't2']);
  });

  it('ignores every other mutation', () => {
    expect(idsIn('mutation { createTenant(input: { slug: "acme", name: "Acme" }) { id } }')).toEqual([]);
  });
});
