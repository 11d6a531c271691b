import { composeServices } from '@apollo/composition';
import { buildSubgraph, type ServiceDefinition, type SubgraphASTNode } from '@apollo/federation-internals';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import {
  type ASTNode,
  type DocumentNode,
  type FieldDefinitionNode,
  getLocation,
  GraphQLError,
  type GraphQLSchema,
  isTypeDefinitionNode,
  isTypeExtensionNode,
  Kind,
  parse,
  Source,
  type TypeDefinitionNode,
  type TypeExtensionNode,
} from 'graphql';
import { type RecordedOperation, usesCoordinate } from './operation-usage';

/** One subgraph as a team publishes it: its name, where the gateway routes to it, and its SDL. */
export interface SubgraphInput {
  name: string;
  url: string;
  sdl: string;
}

/** A composition problem in a form the registry can store and show next to the SDL that caused it. */
export interface CompositionErrorInfo {
  /** Federation's error code, e.g. INVALID_GRAPHQL or INVALID_FIELD_SHARING. */
  code: string;
  message: string;
  /** Where in which subgraph's SDL; `subgraph` is null when federation does not say. */
  locations: { subgraph: string | null; line: number; column: number }[];
}

export type CompositionOutcome =
  | { ok: true; supergraphSdl: string; apiSchema: GraphQLSchema }
  | { ok: false; errors: CompositionErrorInfo[] };

export interface SchemaChangeInfo {
  criticality: 'BREAKING' | 'DANGEROUS' | 'SAFE';
  /** graphql-inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
  message: string;
  /** Schema coordinate the change is at (`Type`, `Type.field`, `Type.field.arg`, `Enum.VALUE`); null for schema-wide changes. */
  path: string | null;
}

export interface CheckedChange extends SchemaChangeInfo {
  /** Recorded operations that use the changed coordinate (see usesCoordinate); always empty for SAFE changes. */
  affectedOperations: RecordedOperation[];
}

export interface CheckReport {
  passed: boolean;
  composition: { passed: boolean; errors: CompositionErrorInfo[] };
  changes: CheckedChange[];
  operations: { passed: boolean; windowDays: number; checked: number; affected: RecordedOperation[] };
  lint: { passed: boolean; messages: LintMessage[] };
  /** The supergraph the proposal would publish; null when it does not compose. */
  supergraphSdl: string | null;
}

export interface CheckInput {
  /** The current version of every subgraph. */
  current: readonly SubgraphInput[];
  /** Replaces the current subgraph of the same name, or joins them when the name is new. */
  proposed: SubgraphInput;
  /** Operations recorded within the window; the caller filters them by `lastSeen`. */
  operations: readonly RecordedOperation[];
  windowDays: number;
}

/**
 * Composes the subgraphs into a supergraph and its API schema (what clients see). Never throws on bad SDL:
 * a subgraph that does not parse becomes an INVALID_GRAPHQL error located in that subgraph, so a check can
 * report it like any other composition error.
 */
export function composeSubgraphs(subgraphs: readonly SubgraphInput[]): CompositionOutcome {
  const services: ServiceDefinition[] = [];
  const syntaxErrors: CompositionErrorInfo[] = [];
  for (const subgraph of subgraphs) {
    try {
      // Naming the source after the subgraph lets error locations say which SDL they point into.
      services.push({ name: subgraph.name, url: subgraph.url, typeDefs: parse(new Source(subgraph.sdl, subgraph.name)) });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      syntaxErrors.push({
        code: 'INVALID_GRAPHQL',
        message: `[${subgraph.name}] ${error.message}`,
        locations: (error.locations ?? []).map(({ line, column }) => ({ subgraph: subgraph.name, line, column })),
      });
    }
  }
  if (syntaxErrors.length > 0) return { ok: false, errors: syntaxErrors };

  const result = composeServices(services);
  if (result.errors) {
    const names = new Set(subgraphs.map((s) => s.name));
    return { ok: false, errors: result.errors.map((error) => describeCompositionError(error, names)) };
  }
  return { ok: true, supergraphSdl: result.supergraphSdl, apiSchema: result.schema.toAPISchema().toGraphQLJSSchema() };
}

const CRITICALITY: Record<CriticalityLevel, SchemaChangeInfo['criticality']> = {
  [CriticalityLevel.Breaking]: 'BREAKING',
  [CriticalityLevel.Dangerous]: 'DANGEROUS',
  [CriticalityLevel.NonBreaking]: 'SAFE',
};

/**
 * Every difference from `before` to `after`, with graphql-inspector's judgement of how clients take it.
 * A null `before` stands for a schema that did not exist yet, so everything in `after` is an addition.
 */
export async function classifyChanges(before: GraphQLSchema | null, after: GraphQLSchema): Promise<SchemaChangeInfo[]> {
  const changes = await diff(before, after);
  return changes.map((change) => ({
    criticality: CRITICALITY[change.criticality.level],
    type: change.type as string,
    message: change.message,
    path: change.path ?? null,
  }));
}

/**
 * Checks a proposed subgraph version against the current ones: it must compose, must not break an operation
 * recorded in the window, and must pass lint. A BREAKING change fails the check only when a recorded
 * operation uses its coordinate, so unused surface can be removed freely; DANGEROUS changes list the
 * operations they may affect but never fail it.
 */
export async function runCheck(input: CheckInput): Promise<CheckReport> {
  const proposedSet = [...input.current.filter((s) => s.name !== input.proposed.name), input.proposed];
  const before = composeSubgraphs(input.current);
  const after = composeSubgraphs(proposedSet);

  const changes = (await changesOf(input, before, after)).map((change) => ({
    ...change,
    affectedOperations: operationsAffectedBy(change, input.operations),
  }));
  const affected = [...new Set(changes.filter((c) => c.criticality === 'BREAKING').flatMap((c) => c.affectedOperations))];
  const messages = lintSubgraph(input.proposed.sdl);

  const composition = { passed: after.ok, errors: after.ok ? [] : after.errors };
  const operations = { passed: affected.length === 0, windowDays: input.windowDays, checked: input.operations.length, affected };
  const lint = { passed: !messages.some((m) => m.severity === 'error'), messages };
  return {
    passed: composition.passed && operations.passed && lint.passed,
    composition,
    changes,
    operations,
    lint,
    supergraphSdl: after.ok ? after.supergraphSdl : null,
  };
}

function operationsAffectedBy(change: SchemaChangeInfo, operations: readonly RecordedOperation[]): RecordedOperation[] {
  const { path } = change;
  if (change.criticality === 'SAFE' || path === null) return [];
  return operations.filter((operation) => usesCoordinate(operation, path));
}

/**
 * Compares what clients see when both versions compose; otherwise falls back to the proposed subgraph's own
 * schema against its current version, so a proposal that breaks composition still shows what it changes.
 * That fallback leaves out federation's machinery (`_Entity`, `Query._entities`, `link__Purpose`), which
 * clients never see and which changes whenever an entity is added.
 */
async function changesOf(input: CheckInput, before: CompositionOutcome, after: CompositionOutcome): Promise<SchemaChangeInfo[]> {
  if (before.ok && after.ok) return classifyChanges(before.apiSchema, after.apiSchema);
  const proposed = subgraphSchema(input.proposed);
  if (!proposed) return [];
  const previousInput = input.current.find((s) => s.name === input.proposed.name);
  const previous = previousInput ? subgraphSchema(previousInput) : null;
  if (previousInput && !previous) return [];
  const changes = await classifyChanges(previous, proposed);
  return changes.filter(({ path }) => !path?.split('.').some((segment) => segment.startsWith('_') || segment.includes('__')));
}

/** The subgraph's schema as federation builds it, or null when its SDL is not a valid subgraph. */
function subgraphSchema(subgraph: SubgraphInput): GraphQLSchema | null {
  try {
    return buildSubgraph(subgraph.name, subgraph.url, subgraph.sdl).schema.toGraphQLJSSchema();
  } catch {
    return null;
  }
}

function describeCompositionError(error: GraphQLError, subgraphNames: ReadonlySet<string>): CompositionErrorInfo {
  const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'UNKNOWN';
  // Located node by node so that each location pairs with the subgraph its node came from.
  const located = (error.nodes ?? []).flatMap((node) =>
    node.loc ? [{ subgraph: subgraphOf(node, subgraphNames), ...getLocation(node.loc.source, node.loc.start) }] : [],
  );
  const locations =
    located.length > 0
      ? located
      : (error.locations ?? []).map(({ line, column }) => ({ subgraph: subgraphInMessage(error.message, subgraphNames), line, column }));
  return { code, message: error.message, locations };
}

function subgraphOf(node: ASTNode, subgraphNames: ReadonlySet<string>): string | null {
  // Federation tags nodes it copied between schemas with the subgraph they came from.
  const tagged = (node as Partial<SubgraphASTNode>).subgraph;
  if (tagged) return tagged;
  const sourceName = node.loc?.source.name;
  return sourceName !== undefined && subgraphNames.has(sourceName) ? sourceName : null;
}

/** Federation prefixes errors about one subgraph with `[name] `. */
function subgraphInMessage(message: string, subgraphNames: ReadonlySet<string>): string | null {
  const name = /^\[([^\]]+)\]/.exec(message)?.[1];
  return name !== undefined && subgraphNames.has(name) ? name : null;
}

// ---------------------------------------------------------------------------------------------------------
// Lint

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
