import {
  defaultFieldResolver,
  execute,
  GraphQLError,
  Kind,
  OperationTypeNode,
  parseType,
  print,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { DomainEvent } from '../../infrastructure/events';
import { isRemoval, type SubscriptionField } from './subscription-fields';

/** Runs one query through the gateway's federated path with the subscriber's context. */
export type FetchQuery = (query: string, variables: Record<string, unknown>) => Promise<FormattedExecutionResult>;

export interface EventExecution {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly field: SubscriptionField;
  readonly event: DomainEvent;
  readonly fetch: FetchQuery;
}

/** Why the entity's read tells the subscriber nothing: not theirs to see (scope, permission) or not there. */
const HIDING_CODES: ReadonlySet<unknown> = new Set(['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED', 'TENANT_SUSPENDED']);
const ENTITY = '__entity';

/** A change wrapper (UserChange, …) being executed: its fields come from the event, its entity from a query. */
class Change {
  constructor(readonly event: DomainEvent) {}
}

/**
 * The answer one event gives one subscription document, or null when the subscriber may not see it. The document
 * is executed against the supergraph's API schema with graphql-js, as a subscription event is: the root field's
 * value is built from the event, and the entity in it is read now through one ordinary federated query per
 * selection of it (the subscriber's fields, fragments and variables, under an alias), so every field the
 * subscriber selected resolves across subgraphs exactly as in a query. When the entity is not selected, a probe
 * (`{ __typename }`) still asks its owner whether the subscriber may see it: nothing of an event out of scope
 * reaches the client, not even its type.
 */
export async function executeForEvent(input: EventExecution): Promise<ExecutionResult | null> {
  const { schema, document, field, event } = input;
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const prefetched = new WeakSet<object>();
  const extraErrors: GraphQLError[] = [];
  let hidden = false;
  let entityRead = false;

  const mark = (value: unknown): unknown => {
    if (value !== null && typeof value === 'object') prefetched.add(value);
    return value;
  };
  const readEntity = async (fieldNodes: readonly FieldNode[], responsePath: readonly (string | number)[]): Promise<unknown> => {
    entityRead = true;
    const result = await input.fetch(...entityQueryText(input, fieldNodes.flatMap((n) => n.selectionSet?.selections ?? []), fragments));
    const data = (result.data ?? null);
    const value = data?.[ENTITY] ?? null;
    for (const error of result.errors ?? []) {
      const path = error.path && error.path[0] === ENTITY ? [...responsePath, ...error.path.slice(1)] : [...responsePath];
      const atEntity = value === null && error.path?.length === 1;
      // After a removal the entity is gone: NOT_FOUND is the expected answer, delivered as a null entity.
      if (atEntity && isRemoval(event) && error.extensions?.code === 'NOT_FOUND') continue;
      if (atEntity && HIDING_CODES.has(error.extensions?.code)) hidden = true;
      extraErrors.push(new GraphQLError(error.message, { path, extensions: error.extensions ?? {} }));
    }
    // A null with no error is the owner saying "yours to see, and nothing there now" (a key set, then deleted before
    // this event's turn): the change is delivered with the entity as it is now. The entity queries answer NOT_FOUND
    // or FORBIDDEN, never a bare null, for what the subscriber may not see.
    return mark(value);
  };

  const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
    const responsePath = pathOf(info.path);
    if (info.parentType === schema.getSubscriptionType()) {
      return field.wrapperField === null ? readEntity(info.fieldNodes, responsePath) : new Change(event);
    }
    if (source instanceof Change) {
      if (info.fieldName === field.wrapperField) return readEntity(info.fieldNodes, responsePath);
      return field.wrapperValue?.(event, info.fieldName) ?? null;
    }
    if (source !== null && typeof source === 'object' && prefetched.has(source)) {
      // Read by response key: the entity query kept the subscriber's aliases.
      const value = (source as Record<string, unknown>)[info.path.key];
      if (Array.isArray(value)) value.forEach(mark);
      return mark(value);
    }
    return defaultFieldResolver(source, args, context, info);
  };

  const result = await execute({
    schema,
    document,
    operationName: input.operation.name?.value,
    variableValues: input.variables,
    rootValue: {},
    fieldResolver,
    typeResolver: (value) => (value as { __typename?: string }).__typename,
  });
  // Removals too: a deletion at a scope the subscriber may not read is refused there (FORBIDDEN), while a gone entry
  // the subscriber may read answers null or NOT_FOUND, and the deletion is delivered.
  if (!entityRead) await readEntity([], []).catch(() => (hidden = true));
  if (hidden) return null;
  const errors = [...(result.errors ?? []).filter((e) => !(e.path && extraErrors.some((x) => samePath(x.path, e.path)))), ...extraErrors];
  return errors.length > 0 ? { ...result, errors } : { data: result.data };
}

function pathOf(path: { prev: unknown; key: string | number } | undefined): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let at = path; at; at = at.prev as typeof path) keys.unshift(at.key);
  return keys;
}

const samePath = (a: readonly (string | number)[] | undefined, b: readonly (string | number)[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((k, i) => k === b[i]);

/**
 * `query LatticeSubscriptionEvent($__lattice0: ID!, …) { __entity: user(id: $__lattice0) { <selections> } }` with the
 * fragments and variables the selections use, and `__typename` in every selection set (abstract types resolve by it).
 */
export function entityQueryText(
  input: Pick<EventExecution, 'field' | 'event' | 'operation' | 'variables'>,
  selections: readonly SelectionNode[],
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): [string, Record<string, unknown>] {
  const { field: query, args } = input.field.entityQuery(input.event);
  const withTypename = (set: SelectionSetNode): SelectionSetNode => ({
    ...set,
    selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }, ...set.selections],
  });
  const selectionSet: SelectionSetNode = visit({ kind: Kind.SELECTION_SET, selections }, { SelectionSet: { leave: withTypename } });
  const usedFragments = new Map<string, FragmentDefinitionNode>();
  const usedVariables = new Set<string>();
  const collect = (node: SelectionSetNode | FragmentDefinitionNode) =>
    visit(node, {
      Variable: (v) => void usedVariables.add(v.name.value),
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (!fragment || usedFragments.has(name)) return;
        const typed = visit(fragment, { SelectionSet: { leave: (set: SelectionSetNode) => withTypename(set) } });
        usedFragments.set(name, typed);
        collect(fragment);
      },
    });
  collect(selectionSet);
  const variableDefinitions: VariableDefinitionNode[] = (input.operation.variableDefinitions ?? []).filter((d) => usedVariables.has(d.variable.name.value));
  const variables: Record<string, unknown> = {};
  for (const definition of variableDefinitions) {
    const name = definition.variable.name.value;
    if (Object.prototype.hasOwnProperty.call(input.variables, name)) variables[name] = input.variables[name];
  }
  args.forEach((arg, i) => {
    const name = `__lattice${i}`;
    variables[name] = arg.value;
    variableDefinitions.push({ kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } }, type: parseType(arg.type) });
  });
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: { kind: Kind.NAME, value: 'LatticeSubscriptionEvent' },
    variableDefinitions,
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [
        {
          kind: Kind.FIELD,
          alias: { kind: Kind.NAME, value: ENTITY },
          name: { kind: Kind.NAME, value: query },
          arguments: args.map((arg, i) => ({
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: arg.name },
            value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: `__lattice${i}` } },
          })),
          selectionSet,
        },
      ],
    },
  };
  const text = [operation, ...usedFragments.values()].map((d) => print(d)).join('\n');
  return [text, variables];
}
