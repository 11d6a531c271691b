import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { OperationLimitSettings } from '../../infrastructure/config/config';
import type { LimitViolation } from './limit-violation';
import { operationCost } from './operation-cost';
import { aliasCount, mostDirectives, operationDepth, rootFieldCount } from './operation-measures';
import { selectOperation } from './selected-operation';

export { violationError, type LimitCode, type LimitViolation } from './limit-violation';
export { parseWithinTokenLimit, type TokenLimitedParse } from './token-limit';

export interface LimitedOperation {
  readonly document: DocumentNode;
  readonly operationName: string | null;
  readonly variables: Readonly<Record<string, unknown>>;
  /** The client-facing schema (apiSchemaOf): what the cost reads field types and list sizes from. */
  readonly schema: GraphQLSchema;
}

/**
 * The first limit the operation that will run exceeds, or null. Only that operation and the fragments it reaches are
 * looked at (an expensive operation beside it in the document does not run); when none can be picked, null, and
 * validation refuses it. Cheapest check first. Runs before validation, so it must not throw, loop or overflow on an
 * invalid document (fragment cycles, undefined fragments, unknown fields): each such case counts once or not at all.
 */
export function checkOperationLimits(input: LimitedOperation, limits: OperationLimitSettings): LimitViolation | null {
  const selected = selectOperation(input.document, input.operationName);
  if (!selected) return null;

  const rootFields = rootFieldCount(selected);
  if (rootFields > limits.maxRootFields) {
    return exceeded('ROOT_FIELD_LIMIT_EXCEEDED', `operation root field count ${rootFields} exceeds the limit of ${limits.maxRootFields}; select fewer root fields or split the operation`, limits.maxRootFields, rootFields);
  }
  const aliases = aliasCount(selected, input.schema);
  if (aliases > limits.maxAliases) {
    return exceeded('ALIAS_LIMIT_EXCEEDED', `operation alias count ${aliases} exceeds the limit of ${limits.maxAliases}; use fewer aliases or split the operation`, limits.maxAliases, aliases);
  }
  const directives = mostDirectives(selected);
  if (directives.count > limits.maxDirectivesPerField) {
    return exceeded('DIRECTIVE_LIMIT_EXCEEDED', `directive count ${directives.count} on ${directives.where} exceeds the limit of ${limits.maxDirectivesPerField} per field`, limits.maxDirectivesPerField, directives.count);
  }
  const depth = operationDepth(selected);
  if (depth > limits.maxDepth) {
    return exceeded('DEPTH_LIMIT_EXCEEDED', `operation depth ${depth} exceeds the limit of ${limits.maxDepth}; select less deeply nested fields`, limits.maxDepth, depth);
  }
  const cost = operationCost({ selected, schema: input.schema, variables: input.variables }, limits);
  if (cost > limits.maxCost) {
    return exceeded('COST_LIMIT_EXCEEDED', `operation cost of at least ${cost} exceeds the limit of ${limits.maxCost}; ask for fewer items (first, last, limit) or fewer nested lists`, limits.maxCost, cost);
  }
  return null;
}

function exceeded(code: LimitViolation['code'], message: string, limit: number, actual: number): LimitViolation {
  return { code, message, limit, actual };
}
