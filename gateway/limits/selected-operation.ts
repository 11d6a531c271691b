import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** The operation that will run and the fragments it reaches: all the limits look at, since nothing else runs. */
export interface SelectedOperation {
  readonly operation: OperationDefinitionNode;
  /** Reachable fragments by name (the last definition of a name, as graphql-js's validation context picks). */
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** A document of just the operation and those fragments, for validation rules (graphql-armor) to run on. */
  readonly document: DocumentNode;
}

/**
 * The operation named by `operationName`, or the only one when none is named, as graphql-js's execution picks it;
 * null when none can be picked (validation or execution refuses the request then, before anything runs).
 */
export function selectOperation(document: DocumentNode, operationName: string | null): SelectedOperation | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName === null ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
  if (!operation) return null;

  const defined = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) defined.set(definition.name.value, definition);

  // An explicit stack, each fragment entered once: cycles and undefined spreads end the walk instead of looping.
  const fragments = new Map<string, FragmentDefinitionNode>();
  const pending: SelectionSetNode[] = [operation.selectionSet];
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind !== Kind.FRAGMENT_SPREAD) {
        if (selection.selectionSet) pending.push(selection.selectionSet);
        continue;
      }
      const name = selection.name.value;
      const fragment = defined.get(name);
      if (!fragment || fragments.has(name)) continue;
      fragments.set(name, fragment);
      pending.push(fragment.selectionSet);
    }
  }
  return { operation, fragments, document: { kind: Kind.DOCUMENT, definitions: [operation, ...fragments.values()] } };
}
