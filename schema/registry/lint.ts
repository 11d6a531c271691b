import {
  type DocumentNode,
  type FieldDefinitionNode,
  GraphQLError,
  isTypeDefinitionNode,
  isTypeExtensionNode,
  Kind,
  parse,
  type TypeDefinitionNode,
  type TypeExtensionNode,
} from 'graphql';

export interface LintMessage {
  /** Stable id of the rule (see LINT_RULES), e.g. naming/type-pascal-case. */
  rule: string;
  severity: 'error' | 'warning';
  message: string;
  /** The type, field, argument or enum value it is about; null when it is about the whole SDL. */
  coordinate: string | null;
}

export interface LintRuleInfo {
  rule: string;
  severity: 'error' | 'warning';
  description: string;
}

type NamedTypeNode = TypeDefinitionNode | TypeExtensionNode;

/** Something the SDL names, with the schema coordinate a message points at. */
interface Named {
  coordinate: string;
  name: string;
}

/** The SDL's definitions, flattened once so that each rule is a filter over one list. */
interface LintedSdl {
  types: readonly NamedTypeNode[];
  /** Fields of object and interface types, and fields of input types. */
  fields: readonly Named[];
  arguments: readonly Named[];
  enumValues: readonly Named[];
  /** Fields of the mutation type, with the arguments each declares. */
  mutations: readonly (Named & { field: FieldDefinitionNode })[];
  /** Fields of the query, mutation and subscription types, with their descriptions. */
  rootFields: readonly (Named & { field: FieldDefinitionNode })[];
  roots: { query: string; mutation: string; subscription: string };
}

interface LintRule extends LintRuleInfo {
  check: (sdl: LintedSdl) => { coordinate: string; message: string }[];
}

const SYNTAX_RULE = 'syntax/valid-graphql';
/** Relay's connection types say what they are by their shape; describing each one adds nothing. */
const RELAY_PLUMBING = /(?:Connection|Edge)$|^PageInfo$/;

/** A rule that every name in `pick(sdl)` matches `pattern`; the message suggests the conforming spelling. */
function namingRule(
  rule: string,
  description: string,
  pick: (sdl: LintedSdl) => readonly Named[],
  pattern: RegExp,
  respell: (name: string) => string,
  convention: string,
): LintRule {
  return {
    rule,
    severity: 'error',
    description,
    check: (sdl) =>
      pick(sdl)
        .filter(({ name }) => !pattern.test(name))
        .map(({ coordinate, name }) => ({ coordinate, message: `Rename ${coordinate} to ${respell(name)}: ${convention}.` })),
  };
}

/**
 * The conventions the committed subgraphs (identity, tenancy, audit) already follow. Errors are the ones all
 * three pass, so a new version fails one only by departing from the house style; descriptions are warnings
 * because several committed types and root fields have none.
 */
const RULES: readonly LintRule[] = [
  namingRule(
    'naming/type-pascal-case',
    'Type names are PascalCase, e.g. AuditEvent.',
    (sdl) => sdl.types.map((type) => ({ coordinate: type.name.value, name: type.name.value })),
    /^[A-Z][A-Za-z0-9]*$/,
    pascalCase,
    'type names are PascalCase',
  ),
  namingRule(
    'naming/field-camel-case',
    'Field and input field names are camelCase, e.g. displayName.',
    (sdl) => sdl.fields,
    /^[a-z][A-Za-z0-9]*$/,
    camelCase,
    'field names are camelCase',
  ),
  namingRule(
    'naming/argument-camel-case',
    'Argument names are camelCase, e.g. tenantId.',
    (sdl) => sdl.arguments,
    /^[a-z][A-Za-z0-9]*$/,
    camelCase,
    'argument names are camelCase',
  ),
  namingRule(
    'naming/enum-value-upper-snake-case',
    'Enum values are UPPER_SNAKE_CASE, e.g. API_KEY.',
    (sdl) => sdl.enumValues,
    /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/,
    upperSnakeCase,
    'enum values are UPPER_SNAKE_CASE',
  ),
  {
    rule: 'naming/input-type-suffix',
    severity: 'error',
    description: 'Input type names end in Input, or in Filter for an argument that narrows a list (UsersFilter).',
    check: ({ types }) =>
      types
        .filter((type) => type.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION && !/(?:Input|Filter)$/.test(type.name.value))
        .map(({ name: { value } }) => ({
          coordinate: value,
          message: `Rename ${value} to ${value}Input (or ${value}Filter if it narrows a list): input names end in Input or Filter.`,
        })),
  },
  {
    rule: 'mutation/single-input-argument',
    severity: 'error',
    description: 'A mutation takes no arguments or exactly one, `input: SomethingInput!`, so it can gain fields without breaking callers.',
    check: ({ mutations }) =>
      mutations
        .filter(({ field }) => !hasSingleInputArgument(field))
        .map(({ coordinate, name, field }) => ({
          coordinate,
          message: `Give ${coordinate} a single argument input: ${pascalCase(name)}Input! instead of (${argumentNames(field)}).`,
        })),
  },
  {
    rule: 'description/object-type',
    severity: 'warning',
    description:
      'Object types have a description, except root types, Relay plumbing (…Connection, …Edge, PageInfo) ' +
      'and @key(resolvable: false) references, which their owning subgraph describes.',
    check: ({ types, roots }) =>
      types
        .filter(
          (type) =>
            type.kind === Kind.OBJECT_TYPE_DEFINITION &&
            !type.description &&
            !isRoot(type.name.value, roots) &&
            !RELAY_PLUMBING.test(type.name.value) &&
            !isEntityReference(type),
        )
        .map(({ name: { value } }) => ({ coordinate: value, message: `Describe type ${value}: what one of it is, for readers of the API.` })),
  },
  {
    rule: 'description/root-field',
    severity: 'warning',
    description: 'Query, Mutation and Subscription fields have a description.',
    check: ({ rootFields }) =>
      rootFields
        .filter(({ field }) => !field.description)
        .map(({ coordinate }) => ({ coordinate, message: `Describe ${coordinate}: what it does, who may call it and how it fails.` })),
  },
];

/** Every rule lintSubgraph applies, so docs and the registry UI can list them. */
export const LINT_RULES: readonly LintRuleInfo[] = [
  { rule: SYNTAX_RULE, severity: 'error', description: 'The SDL parses as GraphQL.' },
  ...RULES.map(({ rule, severity, description }) => ({ rule, severity, description })),
];

/** Checks one subgraph's SDL against the house conventions (LINT_RULES); an SDL that does not parse gives one error. */
export function lintSubgraph(sdl: string): LintMessage[] {
  let document: DocumentNode;
  try {
    document = parse(sdl);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return [{ rule: SYNTAX_RULE, severity: 'error', message: error.message, coordinate: null }];
  }
  const linted = flatten(document);
  return RULES.flatMap(({ rule, severity, check }) => check(linted).map((finding) => ({ rule, severity, ...finding })));
}

function flatten(document: DocumentNode): LintedSdl {
  const roots = rootTypeNames(document);
  const types = document.definitions.filter((d): d is NamedTypeNode => isTypeDefinitionNode(d) || isTypeExtensionNode(d));
  const fields: Named[] = [];
  const args: Named[] = [];
  const enumValues: Named[] = [];
  const mutations: (Named & { field: FieldDefinitionNode })[] = [];
  const rootFields: (Named & { field: FieldDefinitionNode })[] = [];
  for (const type of types) {
    const typeName = type.name.value;
    const member = (name: string): Named => ({ coordinate: `${typeName}.${name}`, name });
    switch (type.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        for (const field of type.fields ?? []) {
          const named = member(field.name.value);
          fields.push(named);
          for (const arg of field.arguments ?? []) args.push({ coordinate: `${named.coordinate}.${arg.name.value}`, name: arg.name.value });
          if (typeName === roots.mutation) mutations.push({ ...named, field });
          if (isRoot(typeName, roots)) rootFields.push({ ...named, field });
        }
        break;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        for (const field of type.fields ?? []) fields.push(member(field.name.value));
        break;
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
        for (const value of type.values ?? []) enumValues.push(member(value.name.value));
        break;
      default:
        break;
    }
  }
  return { types, fields, arguments: args, enumValues, mutations, rootFields, roots };
}

function hasSingleInputArgument(field: FieldDefinitionNode): boolean {
  const args = field.arguments ?? [];
  return args.length === 0 || (args.length === 1 && args[0]!.name.value === 'input' && args[0]!.type.kind === Kind.NON_NULL_TYPE);
}

function argumentNames(field: FieldDefinitionNode): string {
  return (field.arguments ?? []).map((arg) => arg.name.value).join(', ');
}

function isRoot(typeName: string, roots: LintedSdl['roots']): boolean {
  return typeName === roots.query || typeName === roots.mutation || typeName === roots.subscription;
}

/** A stub another subgraph owns (and describes): `@key(fields: "id", resolvable: false)`. */
function isEntityReference(type: NamedTypeNode): boolean {
  return (type.directives ?? []).some(
    (directive) =>
      (directive.name.value === 'key' || directive.name.value === 'federation__key') &&
      (directive.arguments ?? []).some((arg) => arg.name.value === 'resolvable' && arg.value.kind === Kind.BOOLEAN && !arg.value.value),
  );
}

function rootTypeNames(document: DocumentNode): LintedSdl['roots'] {
  const roots = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const { operation, type } of definition.operationTypes ?? []) roots[operation] = type.name.value;
  }
  return roots;
}

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0);
}

function pascalCase(name: string): string {
  return words(name)
    .map((word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())
    .join('');
}

function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
}

function upperSnakeCase(name: string): string {
  return words(name)
    .map((word) => word.toUpperCase())
    .join('_');
}
