import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { getLocation, type DocumentNode, type FragmentDefinitionNode, type GraphQLFormattedError } from 'graphql';
import { errors } from '../../infrastructure/errors/error-codes';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayContext } from '../federation/signed-context-data-source';
import type { FieldRequirements } from './field-requirements';
import { callerOf, describeMissing } from './requirement';
import { fragmentsOf, unauthorizedFields, type FieldRefusal } from './unauthorized-fields';

/** One error per refused field, at its response path, naming what is missing. */
export function refusalError(refusal: FieldRefusal): GraphQLFormattedError {
  const { shortfall, coordinate } = refusal;
  const error =
    shortfall.code === 'UNAUTHENTICATED'
      ? errors.unauthenticated(`authentication required to select ${coordinate}: send a valid access token as "Authorization: Bearer <token>"`)
      : errors.forbidden(`missing permission ${describeMissing(shortfall.missing)} to select ${coordinate}`);
  const location = refusal.node.loc ? getLocation(refusal.node.loc.source, refusal.node.loc.start) : undefined;
  return {
    message: error.message,
    ...(location ? { locations: [{ line: location.line, column: location.column }] } : {}),
    ...(refusal.path.length > 0 ? { path: [...refusal.path] } : {}),
    extensions: { ...error.extensions },
  };
}

/**
 * Enforces the supergraph's `@authenticated` and `@requiresScopes` before the query planner runs, so before any
 * subgraph is called. If any selected field is refused, the whole operation is: the answer has one error per
 * refused field and no data. Apollo Router instead nulls the refused fields and runs the rest; we do not, because
 * a partial answer is easily read as "there is nothing there" (see docs/architecture.md).
 */
export function fieldAuthorizationPlugin(
  requirements: FieldRequirements,
  logger?: Logger,
  /** Told about each refused operation that was FORBIDDEN (a security event); must not throw. */
  onForbidden?: (context: GatewayContext, refusals: readonly FieldRefusal[]) => Promise<void>,
): ApolloServerPlugin<GatewayContext> {
  // Apollo Server keeps parsed documents in its document store, so fragments are indexed once per document.
  const fragmentIndex = new WeakMap<DocumentNode, Map<string, FragmentDefinitionNode>>();
  const fragmentsIn = (document: DocumentNode) => {
    let fragments = fragmentIndex.get(document);
    if (!fragments) fragmentIndex.set(document, (fragments = fragmentsOf(document)));
    return fragments;
  };
  const listener: GraphQLRequestListener<GatewayContext> = {
    async responseForOperation({ operation, document, request, contextValue }) {
      if (!operation) return null;
      const refusals = unauthorizedFields(requirements, operation, fragmentsIn(document), request.variables ?? {}, callerOf(contextValue.request.principal));
      if (refusals.length === 0) return null;
      logger?.info('operation refused by field authorization', {
        requestId: contextValue.request.requestId,
        fields: refusals.map((r) => `${r.coordinate}: ${r.shortfall.code}`),
      });
      const forbidden = refusals.filter((r) => r.shortfall.code === 'FORBIDDEN');
      if (forbidden.length > 0 && onForbidden) await onForbidden(contextValue, forbidden);
      return { http: { headers: new HeaderMap() }, body: { kind: 'single', singleResult: { errors: refusals.map(refusalError) } } };
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
