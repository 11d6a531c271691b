import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { argumentCoordinate, idInputsOf, inputFieldCoordinate } from '../../infrastructure/graphql/ids/id-inputs';

/** The committed supergraph: what clients can send through the gateway, recomposed whenever a subgraph changes. */
export function supergraphSchema(): GraphQLSchema {
  return buildSchema(readFileSync(join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8'));
}

/** Every ID argument and ID input field of the supergraph, by schema coordinate. */
export function supergraphIdCoordinates(schema: GraphQLSchema = supergraphSchema()): string[] {
  return idInputsOf(schema).map((input) => input.coordinate);
}

/** One request that puts a chosen value at one id position of one root field; every other argument is valid. */
export interface IdProbe {
  coordinate: string;
  /** The root field, e.g. `Mutation.createDepartment`. */
  field: string;
  /** Where the value sits, as the refusal names it: `input.scope.id`, `ids[0]`. */
  argument: string;
  query: string;
  variables(value: string): Record<string, unknown>;
}

/** A well-formed id that exists nowhere: fills every id position but the one under test. */
export const WELL_FORMED_ID = '01a21000-0000-7000-8000-00000000abcd';

/** A value GraphQL coerces without complaint; its content does not matter, since ids are checked before anything else. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [];
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) value[field.name] = sample(field.type);
    }
    return value;
  }
  if (isEnumType(type)) return type.getValues()[0]!.value;
  switch (type.name) {
    case 'ID':
      return WELL_FORMED_ID;
    case 'String':
      return 'x';
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTimeISO':
      return new Date(Date.now() + 86_400_000).toISOString();
    case 'JSON':
      return {};
    default:
      throw new Error(`no sample value for scalar ${type.name}: teach test/malformed-ids/id-probes.ts one`);
  }
}

/** One step from a type to a place inside it: an input field by name, or the first item of a list. */
type Step = { field: string } | { item: true };

/** A valid value of `type` with `leaf` at `steps`. */
function valueWith(type: GraphQLInputType, steps: readonly Step[], leaf: string): unknown {
  if (isNonNullType(type)) return valueWith(type.ofType, steps, leaf);
  const [step, ...rest] = steps;
  if (!step) return leaf;
  if (isListType(type)) {
    if (!('item' in step)) throw new Error('a list step was expected');
    return [valueWith(type.ofType, rest, leaf)];
  }
  if (!isInputObjectType(type) || !('field' in step)) throw new Error(`cannot step into ${String(type)}`);
  const field = type.getFields()[step.field]!;
  return { ...(sample(type) as Record<string, unknown>), [step.field]: valueWith(field.type, rest, leaf) };
}

interface Route {
  coordinate: string;
  steps: Step[];
}

/** Every id position inside a value of `type`, each with the coordinate that defines it; no input type twice on one path. */
function routesInto(type: GraphQLInputType, coordinate: string, steps: Step[], visited: ReadonlySet<string>): Route[] {
  if (isNonNullType(type)) return routesInto(type.ofType, coordinate, steps, visited);
  if (isListType(type)) return routesInto(type.ofType, coordinate, [...steps, { item: true }], visited);
  if (isInputObjectType(type)) {
    if (visited.has(type.name)) return [];
    const inside = new Set([...visited, type.name]);
    return Object.values(type.getFields()).flatMap((field) =>
      routesInto(field.type, inputFieldCoordinate(type.name, field.name), [...steps, { field: field.name }], inside),
    );
  }
  return type.name === 'ID' ? [{ coordinate, steps }] : [];
}

const pathOf = (argument: string, steps: readonly Step[]) => steps.reduce((path, step) => ('item' in step ? `${path}[0]` : `${path}.${step.field}`), argument);

function probesOf(root: GraphQLObjectType, operation: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>): IdProbe[] {
  const owner = `${root.name}.${field.name}`;
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  return field.args.flatMap((argument: GraphQLArgument) =>
    routesInto(argument.type, argumentCoordinate(owner, argument.name), [], new Set()).map((route): IdProbe => {
      // The argument under test, and every other argument the field requires.
      const sent = field.args.filter((other) => other === argument || (isNonNullType(other.type) && other.defaultValue === undefined));
      const declarations = sent.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
      const passing = sent.map((a) => `${a.name}: $${a.name}`).join(', ');
      return {
        coordinate: route.coordinate,
        field: owner,
        argument: pathOf(argument.name, route.steps),
        query: `${operation}(${declarations}) { ${field.name}(${passing})${selection} }`,
        variables: (value) => Object.fromEntries(sent.map((a) => [a.name, a === argument ? valueWith(a.type, route.steps, value) : sample(a.type)])),
      };
    }),
  );
}

/**
 * Every way a client can put an id into a root field of the supergraph: each ID argument, and each ID input field
 * through every root field whose arguments reach it, however deep. Ids on fields below the root need a hand-written
 * probe (see cases.ts).
 */
export function rootFieldIdProbes(schema: GraphQLSchema = supergraphSchema()): IdProbe[] {
  const roots = [
    [schema.getQueryType(), 'query'],
    [schema.getMutationType(), 'mutation'],
    // Sent over the gateway's WebSocket (malformed-ids.e2e.test.ts): subscriptions are not served over HTTP.
    [schema.getSubscriptionType(), 'subscription'],
  ] as const;
  return roots.flatMap(([root, operation]) => (root ? Object.values(root.getFields()).flatMap((field) => probesOf(root, operation, field)) : []));
}
