import {
  isInputObjectType,
  isIntrospectionType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLInputType,
  type GraphQLNamedInputType,
  type GraphQLSchema,
} from 'graphql';
import { idFormatAt, type IdFormat, type IdFormats } from './id-formats';

/** One place a client can put an id: an argument (`Query.tenant(id:)`) or an input field (`CreateDepartmentInput.organizationId`). */
export interface IdInput {
  /** The schema coordinate (GraphQL spec, "Schema Coordinates"). */
  coordinate: string;
  kind: 'argument' | 'input field';
  /** For an argument, the field it belongs to, e.g. `Query.tenant`; for an input field, its input type. */
  owner: string;
  name: string;
}

export const argumentCoordinate = (field: string, argument: string) => `${field}(${argument}:)`;
export const inputFieldCoordinate = (inputType: string, field: string) => `${inputType}.${field}`;

function namedTypeOf(type: GraphQLInputType): GraphQLNamedInputType {
  let current = type;
  while (isNonNullType(current) || isListType(current)) current = current.ofType;
  return current;
}

/** Every `ID` argument of an object field and every `ID` input field of the schema, sorted by coordinate. */
export function idInputsOf(schema: GraphQLSchema): IdInput[] {
  const found: IdInput[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const owner = `${type.name}.${field.name}`;
        for (const argument of field.args) {
          if (namedTypeOf(argument.type).name === 'ID') {
            found.push({ coordinate: argumentCoordinate(owner, argument.name), kind: 'argument', owner, name: argument.name });
          }
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (namedTypeOf(field.type).name === 'ID') {
          found.push({ coordinate: inputFieldCoordinate(type.name, field.name), kind: 'input field', owner: type.name, name: field.name });
        }
      }
    }
  }
  return found.sort((a, b) => a.coordinate.localeCompare(b.coordinate));
}

const holdingBySchema = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/**
 * The input object types whose values can hold an id anywhere, however deep (a fixpoint, so cycles are fine).
 * Worked out once per schema object: a schema does not change, and each operation checked asks again.
 */
export function idHoldingInputTypes(schema: GraphQLSchema): ReadonlySet<string> {
  let holding = holdingBySchema.get(schema);
  if (!holding) holdingBySchema.set(schema, (holding = computeIdHoldingInputTypes(schema)));
  return holding;
}

function computeIdHoldingInputTypes(schema: GraphQLSchema): ReadonlySet<string> {
  const inputs = Object.values(schema.getTypeMap()).filter(isInputObjectType);
  const holding = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const input of inputs) {
      if (holding.has(input.name)) continue;
      if (Object.values(input.getFields()).some((field) => holdsId(field.type, holding))) {
        holding.add(input.name);
        changed = true;
      }
    }
  }
  return holding;
}

/** Whether a value of this type can hold an id, given the input types that can (`idHoldingInputTypes`). */
export function holdsId(type: GraphQLInputType, holding: ReadonlySet<string>): boolean {
  const named = namedTypeOf(type);
  return named.name === 'ID' || holding.has(named.name);
}

/** A refused id: where it was (`input.scope.id`), the coordinate whose format it broke, and what it was. */
export interface MalformedId {
  path: string;
  coordinate: string;
  format: IdFormat;
  value: unknown;
}

interface Place {
  path: string;
  coordinate: string;
  name: string;
}

/** The first id in `value` (already coerced to `type`) that is not well formed, or null. */
export function findMalformedId(type: GraphQLInputType, value: unknown, place: Place, formats: IdFormats): MalformedId | null {
  if (value === null || value === undefined) return null;
  if (isNonNullType(type)) return findMalformedId(type.ofType, value, place, formats);
  if (isListType(type)) {
    // Input coercion wraps a single value in a list; accept both shapes.
    const items: readonly unknown[] = Array.isArray(value) ? value : [value];
    for (const [index, item] of items.entries()) {
      const found = findMalformedId(type.ofType, item, { ...place, path: `${place.path}[${index}]` }, formats);
      if (found) return found;
    }
    return null;
  }
  if (isInputObjectType(type)) {
    if (typeof value !== 'object') return null;
    const fields = value as Record<string, unknown>;
    for (const field of Object.values(type.getFields())) {
      if (!Object.hasOwn(fields, field.name)) continue;
      const at = { path: `${place.path}.${field.name}`, coordinate: inputFieldCoordinate(type.name, field.name), name: field.name };
      const found = findMalformedId(field.type, fields[field.name], at, formats);
      if (found) return found;
    }
    return null;
  }
  if (type.name !== 'ID') return null;
  const format = idFormatAt(formats, place.coordinate, place.name);
  return typeof value === 'string' && format.accepts(value) ? null : { path: place.path, coordinate: place.coordinate, format, value };
}

/** The first malformed id among a field's coerced arguments. */
export function findMalformedArgument(
  field: string,
  definitions: readonly { name: string; type: GraphQLInputType }[],
  args: Readonly<Record<string, unknown>>,
  formats: IdFormats,
): MalformedId | null {
  for (const definition of definitions) {
    if (!Object.hasOwn(args, definition.name)) continue;
    const place = { path: definition.name, coordinate: argumentCoordinate(field, definition.name), name: definition.name };
    const found = findMalformedId(definition.type, args[definition.name], place, formats);
    if (found) return found;
  }
  return null;
}
