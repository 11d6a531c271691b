import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';
import { withoutSecurityFeatures } from './security-features';
import type { SupergraphVersion } from './supergraph-version';

const apiSchemas = new WeakMap<SupergraphVersion, GraphQLSchema>();

/**
 * The schema clients see for a version (federation's machinery left out), built once per version: what
 * subscriptions validate against and what operation reports name coordinates in.
 */
export function apiSchemaOf(version: SupergraphVersion): GraphQLSchema {
  let schema = apiSchemas.get(version);
  if (!schema) apiSchemas.set(version, (schema = Supergraph.build(withoutSecurityFeatures(version.sdl)).apiSchema().toGraphQLJSSchema()));
  return schema;
}
