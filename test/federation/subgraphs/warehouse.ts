import { parse } from 'graphql';
import type { ForeignSubgraphDefinition } from '../../foreign/foreign-subgraph';
import { federationLink } from './link';

/**
 * A subgraph that is down: composed into the supergraph (its schema is known) but routed to an address where
 * nothing listens, so every fetch to it fails to connect. Its resolvers never run.
 */
export const warehouseSubgraph: ForeignSubgraphDefinition = {
  name: 'warehouse',
  typeDefs: parse(`
    ${federationLink('@key')}

    type Query {
      warehouseStatus: String
    }

    type Product @key(fields: "id") {
      id: ID!
      warehouseCode: String
    }
  `),
  resolvers: {},
};
