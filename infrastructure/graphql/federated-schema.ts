import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { type GraphQLSchema, parse } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';
import type { Permission } from '../authorization/permissions';
import { NO_PUBSUB } from './gateway-served-subscriptions';
import type { IdFormats } from './ids/id-formats';
import { guardIds } from './ids/id-guard';

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@authenticated", "@requiresScopes"])';

/**
 * Federation's `@authenticated`, for type-graphql's `@Directive(AUTHENTICATED)`: only signed-in callers may select
 * the field (or any field returning the type). The gateway enforces it before any subgraph is called.
 */
export const AUTHENTICATED = '@authenticated';

/**
 * Federation's `@requiresScopes`, with Lattice permissions as scopes: `@Directive(requiresScopes(PERMISSIONS.usersWrite))`.
 * Each argument is one alternative, a permission or a list of permissions that must all be held:
 * `requiresScopes([a, b], c)` is `@requiresScopes(scopes: [["a", "b"], ["c"]])`, (a AND b) OR c.
 * The gateway enforces it before any subgraph is called; subgraphs still check which tenant and unit.
 */
export function requiresScopes(...anyOf: readonly (Permission | readonly Permission[])[]): string {
  if (anyOf.length === 0) throw new Error('requiresScopes needs at least one permission');
  const alternatives = anyOf.map((alternative) => (typeof alternative === 'string' ? [alternative] : [...alternative]));
  return `@requiresScopes(scopes: ${JSON.stringify(alternatives)})`;
}

export type ReferenceResolvers = Record<string, { __resolveReference: (reference: Record<string, unknown>, context: never) => unknown }>;

export interface FederatedSchemaOptions {
  /** The `ID` arguments and input fields that are not UUIDs, by schema coordinate (see `guardIds`). */
  idFormats?: IdFormats;
}

/**
 * type-graphql builds the schema from the classes, then @apollo/subgraph adds `_service` and `_entities`, and every
 * field taking an id refuses a malformed one before its resolver runs (`guardIds`).
 * The printed SDL (directives included) is what `npm run schema:compose` commits.
 */
export async function buildFederatedSchema(
  // type-graphql's own resolver list type: the classes are heterogeneous by design.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>,
  referenceResolvers: ReferenceResolvers = {},
  options: FederatedSchemaOptions = {},
): Promise<GraphQLSchema> {
  // Subscription fields are declared here but served by the gateway (see gateway-served-subscriptions.ts).
  const schema = await buildSchema({ resolvers, skipCheck: true, validate: false, pubSub: NO_PUBSUB });
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolverMap = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, reference] of Object.entries(referenceResolvers)) {
    const existing = (resolverMap[typeName] ?? {}) as Record<string, unknown>;
    resolverMap[typeName] = { ...existing, ...reference } as GraphQLResolverMap<unknown>[string];
  }
  return guardIds(buildSubgraphSchema({ typeDefs, resolvers: resolverMap }), options.idFormats);
}
