import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import {
  Kind,
  print,
  TypeInfo,
  ValidationContext,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { saturated } from './limit-violation';
import type { SelectedOperation } from './selected-operation';

/** Introspection is answered from the schema in the gateway, without a subgraph call: depth and cost leave it out. */
export const INTROSPECTION_ROOTS: ReadonlySet<string> = new Set(['__schema', '__type']);

/**
 * Fields at the root of the operation, fragments at the root expanded, counted by response key: `a: me b: me` is two
 * root fields, `me me` one (execution merges them). Each fragment is entered once, so a cycle ends the walk.
 */
export function rootFieldCount({ operation, fragments }: SelectedOperation): number {
  const keys = new Set<string>();
  const entered = new Set<string>();
  const pending: SelectionSetNode[] = [operation.selectionSet];
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) keys.add((selection.alias ?? selection.name).value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) pending.push(selection.selectionSet);
      else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || entered.has(fragment.name.value)) continue;
        entered.add(fragment.name.value);
        pending.push(fragment.selectionSet);
      }
    }
  }
  return keys.size;
}

/**
 * Aliased fields, fragments expanded at each spread (a fragment with 10 aliases spread twice is 20), counted by
 * graphql-armor's max-aliases rule: run with no limit of its own, it reports its count to `onAccept`, and we compare.
 * `allowList: []` counts `__typename` aliases too, as every alias adds to the response. Armor remembers each
 * fragment's count, so a fragment bomb costs linear time; its answer for a fragment cycle is meaningless (it may even
 * go negative), which is harmless: validation refuses cycles before anything runs.
 */
export function aliasCount(selected: SelectedOperation, schema: GraphQLSchema): number {
  let count = 0;
  const rule = maxAliasesRule({ n: Infinity, allowList: [], onAccept: [(_context, details: { n: number }) => (count = details.n)] });
  // Armor's visitor is entered on the operation directly: a whole validate() pass over the document costs ~100 ms
  // for a 50 KB alias bomb, the walk of its selections alone a small part of that.
  const context = new ValidationContext(schema, selected.document, new TypeInfo(schema), () => undefined);
  (rule(context) as unknown as { OperationDefinition: { enter(node: OperationDefinitionNode): void } }).OperationDefinition.enter(selected.operation);
  return saturated(count);
}

/** The node carrying the most directives (operation, variable, field, fragment, spread or inline fragment), and how many. */
export interface MostDirectives {
  readonly count: number;
  readonly where: string;
}

/**
 * graphql-armor's max-directives counts across the whole document; our limit is per field, so this is ours. Each
 * reachable fragment is looked at once, where it is defined (its spreads carry their own directives).
 */
export function mostDirectives(selected: SelectedOperation): MostDirectives {
  let most: MostDirectives = { count: 0, where: 'the operation' };
  const consider = (node: DirectiveHolder) => {
    const count = node.directives?.length ?? 0;
    if (count > most.count) most = { count, where: describe(node) };
  };
  for (const definition of [selected.operation, ...selected.fragments.values()]) {
    consider(definition);
    for (const variable of definition.variableDefinitions ?? []) consider(variable);
    const pending: SelectionSetNode[] = [definition.selectionSet];
    for (let set = pending.pop(); set; set = pending.pop()) {
      for (const selection of set.selections) {
        consider(selection);
        if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) pending.push(selection.selectionSet);
      }
    }
  }
  return most;
}

type DirectiveHolder = OperationDefinitionNode | FragmentDefinitionNode | VariableDefinitionNode | SelectionNode;

function describe(node: DirectiveHolder): string {
  switch (node.kind) {
    case Kind.FIELD:
      return `field "${node.alias ? `${node.alias.value}: ` : ''}${node.name.value}"`;
    case Kind.FRAGMENT_SPREAD:
      return `fragment spread "...${node.name.value}"`;
    case Kind.INLINE_FRAGMENT:
      return node.typeCondition ? `inline fragment "... on ${node.typeCondition.name.value}"` : 'an inline fragment';
    case Kind.FRAGMENT_DEFINITION:
      return `fragment "${node.name.value}"`;
    case Kind.VARIABLE_DEFINITION:
      return `variable "${print(node.variable)}"`;
    case Kind.OPERATION_DEFINITION:
      return node.name ? `operation "${node.name.value}"` : 'the operation';
  }
}

/**
 * Nesting of fields, fragments flattened: `{ me { id } }` is 2. Ours rather than graphql-armor's max-depth, whose
 * `ignoreIntrospection` leaves out `__schema` but counts `__type`, so a tool's `__type(name:) { fields { type {
 * ofType … } } }` would be refused. Each fragment's depth is computed once (a fragment bomb stays linear); a fragment
 * already being walked (a cycle) counts 0, and an undefined one 0, both refused by validation afterwards.
 */
export function operationDepth({ operation, fragments }: SelectedOperation): number {
  const fragmentDepths = new Map<string, number>();
  const walking = new Set<string>();
  const depthOf = (set: SelectionSetNode): number => {
    let deepest = 0;
    for (const selection of set.selections) {
      let depth: number;
      if (selection.kind === Kind.FIELD) {
        if (INTROSPECTION_ROOTS.has(selection.name.value)) continue;
        depth = 1 + (selection.selectionSet ? depthOf(selection.selectionSet) : 0);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        depth = depthOf(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || walking.has(name)) continue;
        let known = fragmentDepths.get(name);
        if (known === undefined) {
          walking.add(name);
          known = depthOf(fragment.selectionSet);
          walking.delete(name);
          fragmentDepths.set(name, known);
        }
        depth = known;
      }
      if (depth > deepest) deepest = depth;
    }
    return deepest;
  };
  return depthOf(operation.selectionSet);
}
