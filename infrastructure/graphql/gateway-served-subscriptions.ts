import { GraphQLError } from 'graphql';
import type { PubSub } from 'type-graphql';

/**
 * Lattice's subscription fields are declared by the subgraph that owns the events, so they compose into the
 * supergraph, and served by the gateway over graphql-ws: it hears the domain events on the live bus and, for each,
 * reads the entity with an ordinary federated query. A subgraph never runs one, and refuses to.
 */
export const SERVED_BY_GATEWAY = 'subscriptions are served by the gateway over graphql-ws';

/**
 * The `subscribe` of every subgraph subscription field: `@Subscription(() => UserChange, { subscribe: servedByGateway })`.
 * BAD_REQUEST is the code Apollo gives requests a server cannot serve; it is not a Lattice code, and
 * `formatErrorForClient` reports it to callers as BAD_USER_INPUT (reason BAD_REQUEST).
 */
export function servedByGateway(): never {
  throw new GraphQLError(SERVED_BY_GATEWAY, { extensions: { code: 'BAD_REQUEST' } });
}

const NEVER: AsyncIterable<never> = {
  [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => undefined) }),
};

/**
 * type-graphql builds subscription fields only when given a PubSub, even when each field brings its own `subscribe`.
 * Subgraphs publish nothing through it and nothing subscribes to it: every field's `subscribe` is servedByGateway.
 */
export const NO_PUBSUB: PubSub = {
  publish: () => undefined,
  subscribe: () => NEVER,
};
