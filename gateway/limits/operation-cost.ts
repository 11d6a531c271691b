/**
 * The cost of an operation: an estimate of the objects it asks the subgraphs for, computed from the document and the
 * schema before anything runs.
 *
 * - A field whose type, lists and non-null unwrapped, is an object, interface or union costs 1; a scalar or enum
 *   field costs 0. `__typename` and the introspection fields (`__schema`, `__type`: answered by the gateway from its
 *   schema, no subgraph called) cost 0.
 * - A field's cost is multiplied by the sizes of the lists it is inside: in `users(first: 50) { edges { node } }`,
 *   `users` and `edges` cost 1 each and `node` 50.
 * - A list field's size is its `first`, `last` or `limit` argument (the largest given), a literal or a variable read
 *   from the request's variables (its default in the operation when missing). A field that is not a list but has such
 *   an argument (a connection) passes its size to the list fields directly below it with none of their own (`edges`,
 *   `nodes`). Any other list, or a size that is null, missing, negative or not an integer, counts
 *   `limits.defaultListSize`. A list of lists multiplies by one size per level (the argument sizes the outer one).
 * - A field the schema does not know costs 1 and is not a list (validation refuses it afterwards).
 * - Fragment spreads are expanded where they are spread; a fragment already being expanded (a cycle) or undefined
 *   counts 0, and validation refuses it afterwards.
 *
 * Arithmetic saturates at Number.MAX_SAFE_INTEGER, and the walk stops as soon as the running cost passes the limit,
 * so a bomb of nested lists costs no more to refuse than the limit allows; each fragment's cost is kept once known, so
 * a fragment spread many times (even with no objects in it) is walked once.
 */
import {
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  Kind,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type GraphQLType,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { INTROSPECTION_ROOTS } from './operation-measures';
import type { SelectedOperation } from './selected-operation';

const SIZE_ARGUMENTS: ReadonlySet<string> = new Set(['first', 'last', 'limit']);
const MAX = Number.MAX_SAFE_INTEGER;

const add = (a: number, b: number): number => Math.min(a + b, MAX);
const multiply = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : a > MAX / b ? MAX : Math.min(a * b, MAX));

export interface CostInput {
  readonly selected: SelectedOperation;
  readonly schema: GraphQLSchema;
  readonly variables: Readonly<Record<string, unknown>>;
}

/**
 * The operation's cost, exact while it is at most `maxCost`; once over, the cost counted when the walk stopped
 * (more than `maxCost`, and at most the true cost).
 */
export function operationCost(input: CostInput, settings: { maxCost: number; defaultListSize: number }): number {
  const { selected, schema, variables } = input;
  const { operation, fragments } = selected;
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  /** Fragment costs by `name/inherited size`, with a multiplier of 1; only costs walked to the end are kept. */
  const fragmentCosts = new Map<string, number>();
  const expanding = new Set<string>();

  const sizeOf = (value: ValueNode): number | null => {
    if (value.kind === Kind.INT) return asSize(Number(value.value));
    if (value.kind !== Kind.VARIABLE) return null;
    const name = value.name.value;
    if (Object.hasOwn(variables, name)) return asSize(variables[name]);
    const fallback = variableDefaults.get(name);
    return fallback?.kind === Kind.INT ? asSize(Number(fallback.value)) : null;
  };

  /** The largest `first`/`last`/`limit` the field was given, or null when it was given none usable. */
  const sizeArgument = (field: FieldNode): number | null => {
    let largest: number | null = null;
    for (const argument of field.arguments ?? []) {
      if (!SIZE_ARGUMENTS.has(argument.name.value)) continue;
      const size = sizeOf(argument.value);
      if (size !== null && (largest === null || size > largest)) largest = size;
    }
    return largest;
  };

  /** The cost of a selection set, each object counted once (the caller multiplies); over `budget`, it stops. */
  const setCost = (set: SelectionSetNode, parent: GraphQLCompositeType | null, inherited: number | null, budget: number): number => {
    let cost = 0;
    for (const selection of set.selections) {
      const remaining = budget - cost;
      if (selection.kind === Kind.FIELD) cost = add(cost, fieldCost(selection, parent, inherited, remaining));
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? compositeType(schema, selection.typeCondition.name.value) : parent;
        cost = add(cost, setCost(selection.selectionSet, type, inherited, remaining));
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || expanding.has(name)) continue;
        const key = `${name}/${inherited ?? ''}`;
        let known = fragmentCosts.get(key);
        if (known === undefined) {
          expanding.add(name);
          known = setCost(fragment.selectionSet, compositeType(schema, fragment.typeCondition.name.value), inherited, remaining);
          expanding.delete(name);
          if (known <= remaining) fragmentCosts.set(key, known);
        }
        cost = add(cost, known);
      }
      if (cost > budget) return cost;
    }
    return cost;
  };

  const fieldCost = (field: FieldNode, parent: GraphQLCompositeType | null, inherited: number | null, budget: number): number => {
    const name = field.name.value;
    if (name === '__typename' || INTROSPECTION_ROOTS.has(name)) return 0;
    const definition = fieldOf(parent, name);
    if (!definition) {
      if (!field.selectionSet || budget < 1) return 1;
      return add(1, setCost(field.selectionSet, null, null, budget - 1));
    }
    const type = getNamedType(definition.type);
    if (!isCompositeType(type)) return 0;
    if (!field.selectionSet || budget < 1) return 1;
    const own = sizeArgument(field);
    const lists = listLevels(definition.type);
    let factor = 1;
    for (let level = 0; level < lists; level += 1) {
      const size = level === 0 ? (own ?? inherited ?? settings.defaultListSize) : settings.defaultListSize;
      factor = multiply(factor, size);
    }
    if (factor === 0) return 1;
    const passed = lists === 0 ? own : null;
    const inside = setCost(field.selectionSet, type, passed, Math.floor((budget - 1) / factor));
    return add(1, multiply(factor, inside));
  };

  const root = schema.getRootType(operation.operation) ?? null;
  return setCost(operation.selectionSet, root, null, settings.maxCost);
}

/** A size from a literal or a variable's value: a non-negative integer, else unknown (null). */
function asSize(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return null;
  return Math.min(value, MAX);
}

function compositeType(schema: GraphQLSchema, name: string): GraphQLCompositeType | null {
  const type = schema.getType(name);
  return type && isCompositeType(type) ? type : null;
}

/** A field as the schema defines it; only objects and interfaces have fields (a union's members are reached by fragments). */
function fieldOf(parent: GraphQLCompositeType | null, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return undefined;
  return parent.getFields()[name];
}

function listLevels(type: GraphQLType): number {
  let levels = 0;
  for (let t = type; isListType(t) || isNonNullType(t); t = t.ofType) if (isListType(t)) levels += 1;
  return levels;
}
