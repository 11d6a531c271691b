import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLOutputType, type GraphQLSchema, getNamedType } from 'graphql';
import { errors } from '../../errors/error-codes';
import { idFormatAt, type IdFormats } from './id-formats';
import { findMalformedArgument, holdsId, idHoldingInputTypes, type MalformedId } from './id-inputs';

type Resolver = GraphQLFieldResolver<unknown, unknown, Record<string, unknown>>;

const refusal = (field: string, malformed: MalformedId) => errors.malformedId(malformed.path, field, malformed.coordinate, malformed.format.description, malformed.value);

type Check = (args: Record<string, unknown>, schema: GraphQLSchema) => void;

function checkedFirst(resolve: Resolver, check: Check): Resolver {
  return (source, args, context, info) => {
    check(args, info.schema);
    return resolve(source, args, context, info);
  };
}

const isIdOutput = (type: GraphQLOutputType | undefined) => type !== undefined && getNamedType(type).name === 'ID';

/**
 * `_entities` takes `_Any` representations, not typed input: each key field of ID type is checked as if it were an
 * argument (`Role.id` in `formats` for a key that is not a UUID). Only the gateway calls it, with ids other
 * subgraphs returned; a malformed one means a bug or a forged call, and must not reach SQL either.
 */
function checkRepresentations(formats: IdFormats): Check {
  return (args, schema) => {
    const representations = Array.isArray(args.representations) ? (args.representations as unknown[]) : [];
    for (const [index, representation] of representations.entries()) {
      if (typeof representation !== 'object' || representation === null) continue;
      const { __typename, ...keys } = representation as Record<string, unknown>;
      const type = typeof __typename === 'string' ? schema.getType(__typename) : undefined;
      if (!isObjectType(type)) continue;
      const fields = type.getFields();
      for (const [name, value] of Object.entries(keys)) {
        if (!Object.hasOwn(fields, name) || !isIdOutput(fields[name]?.type) || value === null) continue;
        const coordinate = `${type.name}.${name}`;
        const format = idFormatAt(formats, coordinate, name);
        if (typeof value !== 'string' || !format.accepts(value)) {
          throw refusal('Query._entities', { path: `representations[${index}].${name}`, coordinate, format, value });
        }
      }
    }
  };
}

/**
 * Every field that takes an id (an `ID` argument, or an input object holding one at any depth, in lists too) checks
 * its coerced arguments before its resolver runs, and refuses a malformed id with BAD_USER_INPUT naming the argument.
 * Without it, "not-a-uuid" reaches PostgreSQL and comes back as its own error text. Fields added later are covered
 * without anyone remembering to: the schema says which arguments are ids.
 *
 * `formats` names the ids that are not UUIDs, by schema coordinate (`RoleAssignmentInput.roleId`); see `idFormatAt`.
 */
export function guardIds(schema: GraphQLSchema, formats: IdFormats = {}): GraphQLSchema {
  const holding = idHoldingInputTypes(schema);
  const queryType = schema.getQueryType()?.name;
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      const owner = `${typeName}.${fieldName}`;
      const resolve = (config.resolve ?? defaultFieldResolver) as Resolver;
      if (typeName === queryType && fieldName === '_entities') {
        return { ...config, resolve: checkedFirst(resolve, checkRepresentations(formats)) };
      }
      const definitions = Object.entries(config.args ?? {})
        .map(([name, argument]) => ({ name, type: argument.type }))
        .filter((definition) => holdsId(definition.type, holding));
      if (definitions.length === 0) return config;
      const check: Check = (args) => {
        const malformed = findMalformedArgument(owner, definitions, args, formats);
        if (malformed) throw refusal(owner, malformed);
      };
      return {
        ...config,
        resolve: checkedFirst(resolve, check),
        ...(config.subscribe ? { subscribe: checkedFirst(config.subscribe as Resolver, check) } : {}),
      };
    },
  });
}
