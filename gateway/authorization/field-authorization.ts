import { getLocation, type DocumentNode, type FragmentDefinitionNode, type GraphQLFormattedError } from 'graphql';
import { errors } from '../../infrastructure/errors/error-codes';
import type { Logger } from '../../infrastructure/logging/logger';
import type { GatewayContext, GatewayFeature } from '../core/feature';
import type { SupergraphVersion } from '../supergraph/supergraph-version';
import { FieldRequirements } from './field-requirements';
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
 * `useFieldAuthorization`: enforces the supergraph's `@authenticated` and `@requiresScopes` before the query planner
 * runs, so before any subgraph is called. If any selected field is refused, the whole operation is: the answer has
 * one error per refused field and no data. Apollo Router instead nulls the refused fields and runs the rest; we do
 * not, because a partial answer is easily read as "there is nothing there" (see docs/security.md, Field authorization).
 * The requirements are read from each supergraph version once, and a request is checked against its own version's.
 */
export function useFieldAuthorization(options: {
  logger: Logger;
  /** Told about each refused operation that was FORBIDDEN (a security event); must not throw. */
  onForbidden?: (context: GatewayContext, refusals: readonly FieldRefusal[]) => Promise<void>;
}): GatewayFeature {
  const { logger } = options;
  const requirements = new WeakMap<SupergraphVersion, FieldRequirements>();
  // Apollo Server keeps parsed documents in its document store, so fragments are indexed once per document.
  const fragmentIndex = new WeakMap<DocumentNode, Map<string, FragmentDefinitionNode>>();
  const fragmentsIn = (document: DocumentNode) => {
    let fragments = fragmentIndex.get(document);
    if (!fragments) fragmentIndex.set(document, (fragments = fragmentsOf(document)));
    return fragments;
  };
  return {
    name: 'field-authorization',
    onSupergraph(version, phase) {
      if (phase !== 'prepare' || requirements.has(version)) return;
      const derived = FieldRequirements.fromSupergraph(version.document);
      requirements.set(version, derived);
      logger.debug('field requirements read', { supergraph: version.id, guardedFields: derived.guardedFieldCount });
    },
    async checkOperation({ operation, document, variables, context, version }) {
      const forVersion = requirements.get(version);
      if (!forVersion) throw new Error(`no field requirements for supergraph ${version.id}`);
      const refusals = unauthorizedFields(forVersion, operation, fragmentsIn(document), variables, callerOf(context.request.principal));
      if (refusals.length === 0) return null;
      logger.info('operation refused by field authorization', {
        requestId: context.request.requestId,
        fields: refusals.map((r) => `${r.coordinate}: ${r.shortfall.code}`),
      });
      const forbidden = refusals.filter((r) => r.shortfall.code === 'FORBIDDEN');
      if (forbidden.length > 0 && options.onForbidden) await options.onForbidden(context, forbidden);
      return refusals.map(refusalError);
    },
  };
}
