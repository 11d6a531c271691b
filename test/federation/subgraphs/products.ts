import { parse } from 'graphql';
import type { ForeignSubgraphDefinition } from '../../foreign/foreign-subgraph';
import { PRODUCTS, productById, productBySku, type ProductRecord } from './catalog-data';
import { federationLink } from './link';

/** What products still answers for the field reviews took over with @override: a count nobody updates any more. */
export const STALE_REVIEW_COUNT = 42;

type ProductReference = { id: string } | { sku: string };

/**
 * The catalogue: owns `Product`, reachable by two keys (`id` and `sku`), its @shareable `category` and `Dimensions`,
 * and an @inaccessible cost and contract type that only other subgraphs' @requires may read.
 */
export const productsSubgraph: ForeignSubgraphDefinition = {
  name: 'products',
  typeDefs: parse(`
    ${federationLink('@key', '@shareable', '@inaccessible')}

    type Query {
      products: [Product!]!
      product(id: ID!): Product
      productBySku(sku: String!): Product
      productsByIds(ids: [ID!]!): [Product]!
    }

    type Product @key(fields: "id") @key(fields: "sku") {
      id: ID!
      sku: String!
      name: String! @shareable
      price: Int!
      category: String! @shareable
      dimensions: Dimensions!
      reviewCount: Int!
      internalCost: Int! @inaccessible
      contract: SupplierContract @inaccessible
    }

    type Dimensions @shareable {
      size: String!
      weight: Float!
    }

    type SupplierContract @inaccessible {
      supplier: String!
      terms: String!
    }
  `),
  resolvers: {
    Query: {
      products: () => PRODUCTS,
      product: (_: unknown, args: { id: string }) => productById(args.id) ?? null,
      productBySku: (_: unknown, args: { sku: string }) => productBySku(args.sku) ?? null,
      productsByIds: (_: unknown, args: { ids: string[] }) => args.ids.map((id) => productById(id) ?? null),
    },
    Product: {
      __resolveReference: (reference: ProductReference) => ('id' in reference ? productById(reference.id) : productBySku(reference.sku)) ?? null,
      // Overridden by reviews: a gateway that still asks products shows this stale number.
      reviewCount: (_product: ProductRecord) => STALE_REVIEW_COUNT,
    },
  },
};
