import { parse } from 'graphql';
import type { ForeignSubgraphDefinition } from './foreign-subgraph';

export interface ProductRecord {
  id: string;
  name: string;
  priceCents: number;
  supplierEmail: string;
}

export const PRODUCTS: readonly ProductRecord[] = [
  { id: 'p1', name: 'Oak chair', priceCents: 4900, supplierEmail: 'chairs@supplier.example' },
  { id: 'p2', name: 'Desk lamp', priceCents: 2500, supplierEmail: 'lamps@supplier.example' },
  { id: 'p3', name: 'Standing desk', priceCents: 39900, supplierEmail: 'desks@supplier.example' },
];

const byId = (id: string) => PRODUCTS.find((p) => p.id === id) ?? null;

/** The catalogue: owns `Product` and its name and price; who supplies it is for signed-in callers only. */
export const productsSubgraph: ForeignSubgraphDefinition = {
  name: 'products',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@authenticated", "@requiresScopes"])

    type Query {
      products: [Product!]!
      product(id: ID!): Product
    }

    type Product @key(fields: "id") {
      id: ID!
      name: String!
      priceCents: Int!
      supplierEmail: String! @authenticated
    }
  `),
  resolvers: {
    Query: {
      products: () => PRODUCTS,
      product: (_: unknown, args: { id: string }) => byId(args.id),
    },
    Product: {
      __resolveReference: (reference: { id: string }) => byId(reference.id),
    },
  },
};
