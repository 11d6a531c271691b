import type { OperationLimitSettings } from '../../infrastructure/config/config';
import type { GatewayFeature } from '../core/feature';
import { apiSchemaOf } from '../supergraph/api-schema';
import { checkOperationLimits, violationError } from './operation-limits';

/**
 * `useOperationLimits`: refuses an operation over any of the limits (root fields, aliases, directives per field,
 * depth, cost) on the parsed document, before it is validated or planned, so before any subgraph is called; HTTP and
 * WebSocket operations alike. The cost reads field types from the schema clients see on the operation's version.
 * The token limit is not here: the gateway applies it while it parses (parseWithinTokenLimit).
 */
export function useOperationLimits(limits: OperationLimitSettings): GatewayFeature {
  return {
    name: 'operation-limits',
    inspectDocument(operation) {
      const { document, operationName, variables, version } = operation;
      const violation = checkOperationLimits({ document, operationName, variables, schema: apiSchemaOf(version) }, limits);
      return violation ? violationError(violation) : null;
    },
  };
}
