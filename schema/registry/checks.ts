import { composeServices } from '@apollo/composition';
import { buildSubgraph, type ServiceDefinition, type SubgraphASTNode } from '@apollo/federation-internals';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { type ASTNode, getLocation, GraphQLError, type GraphQLSchema, parse, Source } from 'graphql';
import { type LintMessage, lintSubgraph } from './lint';
import { type RecordedOperation, usesCoordinate } from './operation-usage';

export { LINT_RULES, type LintMessage, type LintRuleInfo, lintSubgraph } from './lint';

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
