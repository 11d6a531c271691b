import type { OperationInput } from './feature';
import { Kind, OperationTypeNode, valueFromASTUntyped, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** The `input.id` of every root field named in `fields`, reached directly or through fragments. */
export function rootInputIds(
  fields: ReadonlySet<string>,
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  seen: Set<string> = new Set(),
): string[] {
  const ids: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      ids.push(...rootInputIds(fields, selection.selectionSet, fragments, variables, seen));
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !seen.has(fragment.name.value)) {
        seen.add(fragment.name.value);
        ids.push(...rootInputIds(fields, fragment.selectionSet, fragments, variables, seen));
      }
    } else if (fields.has(selection.name.value)) {
      const input = selection.arguments?.find((argument) => argument.name.value === 'input');
      const value: unknown = input ? valueFromASTUntyped(input.value, variables) : undefined;
      const id = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).id : undefined;
      if (typeof id === 'string' || typeof id === 'number') ids.push(String(id));
    }
  }
  return ids;
}

/**
 * Once a mutation has been answered, hands `forget` the `input.id` of every root field in `fields` it ran: the
 * gateway that served a change drops its cached copy before the client can send the next request, instead of
 * waiting for the change's event like the other replicas.
 */
export function forgetAfterMutation(fields: ReadonlySet<string>, forget: (id: string) => void): (operation: OperationInput) => void {
  return ({ operation, document, variables }) => {
    if (operation.operation !== OperationTypeNode.MUTATION) return;
    for (const id of rootInputIds(fields, operation.selectionSet, fragmentsOf(document), variables)) forget(id);
  };
}
