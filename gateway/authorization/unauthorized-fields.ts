import {
  Kind,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { FieldRequirements } from './field-requirements';
import { shortfallOf, type Caller, type Shortfall } from './requirement';

/** A field (or a fragment's type condition) the caller may not select. */
export interface FieldRefusal {
  /** Response path: response keys (aliases) from the root, no list indices, e.g. ["users", "edges", "node", "email"]. */
  readonly path: readonly string[];
  /** `Type.field`, or the type name for a refused type condition. */
  readonly coordinate: string;
  readonly shortfall: Shortfall;
  /** Where it is in the document, for the error's location. */
  readonly node: ASTNode;
}

const NONE: readonly FieldRefusal[] = Object.freeze([]);

/**
 * Every field of `operation` that `caller` may not select, found before anything runs. It follows inline fragments
 * and named fragments (each named fragment is walked once per request, however often it is spread), nested
 * entity fields through every subgraph, and type conditions. A refused field's own selections are not reported:
 * they cannot run without it. Selections that `@skip`/`@include` leave out are not checked, since they do not run;
 * a condition whose value cannot be read as a boolean counts as "runs".
 */
export function unauthorizedFields(
  requirements: FieldRequirements,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>>,
  caller: Caller,
): FieldRefusal[] {
  const walked = new Map<string, readonly FieldRefusal[]>();

  const variable = (name: string): unknown => {
    if (Object.prototype.hasOwnProperty.call(variables, name)) return variables[name];
    const definition = operation.variableDefinitions?.find((d) => d.variable.name.value === name);
    return definition?.defaultValue?.kind === Kind.BOOLEAN ? definition.defaultValue.value : undefined;
  };
  const booleanOf = (value: ValueNode): unknown =>
    value.kind === Kind.BOOLEAN ? value.value : value.kind === Kind.VARIABLE ? variable(value.name.value) : undefined;
  const leftOut = (node: FieldNode | InlineFragmentNode | FragmentSpreadNode): boolean => {
    if (!node.directives || node.directives.length === 0) return false;
    for (const directive of node.directives) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const condition = directive.arguments?.find((a) => a.name.value === 'if');
      const value = condition ? booleanOf(condition.value) : undefined;
      if ((name === 'skip' && value === true) || (name === 'include' && value === false)) return true;
    }
    return false;
  };

  /** A fragment's type condition may narrow to a type that has its own requirement. */
  const refusedCondition = (typeCondition: string, parentType: string, node: ASTNode): FieldRefusal | null => {
    if (typeCondition === parentType) return null;
    const requirement = requirements.ofType(typeCondition);
    const shortfall = requirement ? shortfallOf(requirement, caller) : null;
    return shortfall ? { path: [], coordinate: typeCondition, shortfall, node } : null;
  };

  /** Refusals under one selection set, with paths relative to it. Allocates nothing when all is allowed. */
  const walk = (selectionSet: SelectionSetNode, parentType: string): readonly FieldRefusal[] => {
    let found: FieldRefusal[] | undefined;
    const add = (refusals: readonly FieldRefusal[], prefix?: string) => {
      if (refusals.length === 0) return;
      found ??= [];
      for (const refusal of refusals) found.push(prefix === undefined ? refusal : { ...refusal, path: [prefix, ...refusal.path] });
    };
    for (const selection of selectionSet.selections) {
      if (leftOut(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        // __typename and introspection carry no requirement (introspection shows the schema, not data).
        if (name.startsWith('__')) continue;
        const entry = requirements.field(parentType, name);
        if (!entry) continue;
        const key = selection.alias?.value ?? name;
        const shortfall = entry.requirement ? shortfallOf(entry.requirement, caller) : null;
        if (shortfall) add([{ path: [key], coordinate: entry.coordinate, shortfall, node: selection }]);
        else if (selection.selectionSet) add(walk(selection.selectionSet, entry.returnType), key);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeCondition = selection.typeCondition?.name.value ?? parentType;
        const refused = refusedCondition(typeCondition, parentType, selection);
        add(refused ? [refused] : walk(selection.selectionSet, typeCondition));
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment) continue;
        const refused = refusedCondition(fragment.typeCondition.name.value, parentType, selection);
        if (refused) {
          add([refused]);
          continue;
        }
        let inside = walked.get(fragment.name.value);
        if (!inside) {
          // Validation has ruled out cycles; the placeholder only guards against a document that skipped it.
          walked.set(fragment.name.value, NONE);
          inside = walk(fragment.selectionSet, fragment.typeCondition.name.value);
          walked.set(fragment.name.value, inside);
        }
        add(inside);
      }
    }
    return found ?? NONE;
  };

  const refusals = walk(operation.selectionSet, requirements.rootType(operation.operation));
  if (refusals.length < 2) return [...refusals];
  // The same field selected twice (directly and through a fragment) is reported once.
  const unique = new Map<string, FieldRefusal>();
  for (const refusal of refusals) unique.set(`${refusal.path.join('.')} ${refusal.coordinate}`, refusal);
  return [...unique.values()];
}

/** The named fragments of a document, by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}
