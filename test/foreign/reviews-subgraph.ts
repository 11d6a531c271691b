import { parse } from 'graphql';
import type { ForeignSubgraphDefinition } from './foreign-subgraph';

export interface ReviewRecord {
  id: string;
  productId: string;
  rating: number;
  body: string;
  authorEmail: string;
}

export const REVIEWS: readonly ReviewRecord[] = [
  { id: 'r1', productId: 'p1', rating: 5, body: 'Sturdy and comfortable.', authorEmail: 'ann@customer.example' },
  { id: 'r2', productId: 'p1', rating: 3, body: 'Wobbles a little.', authorEmail: 'bob@customer.example' },
  { id: 'r3', productId: 'p2', rating: 4, body: 'Bright enough to read by.', authorEmail: 'cy@customer.example' },
];

const reviewsOf = (productId: string) => REVIEWS.filter((r) => r.productId === productId);

/** Reviews: adds `reviews` to the catalogue's `Product`; who wrote a review needs the reviews:read scope. */
export const reviewsSubgraph: ForeignSubgraphDefinition = {
  name: 'reviews',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@authenticated", "@requiresScopes"])

    type Query {
      latestReviews(first: Int = 10): [Review!]!
    }

    type Product @key(fields: "id") {
      id: ID!
      reviews: [Review!]!
      averageRating: Float
    }

    type Review {
      id: ID!
      rating: Int!
      body: String!
      product: Product!
      authorEmail: String! @requiresScopes(scopes: [["reviews:read"]])
    }
  `),
  resolvers: {
    Query: {
      latestReviews: (_: unknown, args: { first: number }) => [...REVIEWS].reverse().slice(0, args.first),
    },
    Product: {
      // Any id is a product this subgraph can extend: one without reviews has an empty list.
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      reviews: (product: { id: string }) => reviewsOf(product.id),
      averageRating: (product: { id: string }) => {
        const ratings = reviewsOf(product.id).map((r) => r.rating);
        return ratings.length === 0 ? null : ratings.reduce((a, b) => a + b, 0) / ratings.length;
      },
    },
    Review: {
      product: (review: ReviewRecord) => ({ id: review.productId }),
    },
  },
};
