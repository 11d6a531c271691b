import { GraphQLError, parse } from 'graphql';
import type { ForeignSubgraphDefinition } from '../../foreign/foreign-subgraph';
import { LIKES, productById, REVIEWS, type ReviewRecord } from './catalog-data';
import { federationLink } from './link';

interface UserKey {
  id: string;
  organization: { id: string };
}

const reviewsOf = (productId: string) => REVIEWS.filter((r) => r.productId === productId);
const byMostLiked = Object.keys(LIKES).sort((a, b) => LIKES[b]! - LIKES[a]!);

/**
 * Reviews: adds `reviews` to `Product` and `User` (whose key nests its organization), @provides the product's
 * `name` on `Review.product`, took `Product.reviewCount` over from products (@override), keeps likes on the
 * `Media` interface as an @interfaceObject, and returns a `FeedItem` interface whose members have different owners.
 * Two of its fields fail on purpose: `averageRating` for p2, `moderationNote` (with a code of its own) for r2.
 */
export const reviewsSubgraph: ForeignSubgraphDefinition = {
  name: 'reviews',
  typeDefs: parse(`
    ${federationLink('@key', '@external', '@provides', '@override', '@interfaceObject')}

    type Query {
      reviews: [Review!]!
      review(id: ID!): Review
      mostLikedMedia: [Media!]!
      feed: [FeedItem!]!
    }

    type Mutation {
      "Checks a review without storing it (so the suite stays stateless): what it would look like, on which product."
      previewReview(productId: ID!, rating: Int!, body: String!): ReviewPreview!
    }

    type ReviewPreview {
      body: String!
      rating: Int!
      product: Product!
    }

    interface FeedItem {
      id: ID!
    }

    type Review implements FeedItem @key(fields: "id") {
      id: ID!
      body: String!
      rating: Int!
      product: Product! @provides(fields: "name")
      author: User!
      moderationNote: String
    }

    type Product implements FeedItem @key(fields: "id") {
      id: ID!
      name: String! @external
      reviews: [Review!]!
      reviewCount: Int! @override(from: "products")
      averageRating: Float
    }

    type User @key(fields: "id organization { id }") {
      id: ID!
      organization: Organization!
      reviews: [Review!]!
    }

    type Organization @key(fields: "id", resolvable: false) {
      id: ID!
    }

    type Media @key(fields: "id") @interfaceObject {
      id: ID!
      likes: Int!
    }
  `),
  resolvers: {
    Query: {
      reviews: () => REVIEWS,
      review: (_: unknown, args: { id: string }) => REVIEWS.find((r) => r.id === args.id) ?? null,
      mostLikedMedia: () => byMostLiked.map((id) => ({ id })),
      feed: () => [
        { __typename: 'Review', ...REVIEWS[2]! },
        { __typename: 'Product', id: 'p1' },
        { __typename: 'Review', ...REVIEWS[0]! },
      ],
    },
    Mutation: {
      previewReview: (_: unknown, args: { productId: string; rating: number; body: string }) => {
        if (args.rating < 1 || args.rating > 5) throw new GraphQLError(`rating must be 1 to 5 (got ${args.rating})`, { extensions: { code: 'BAD_USER_INPUT', argument: 'rating' } });
        return { body: args.body.trim(), rating: args.rating, product: { id: args.productId } };
      },
    },
    FeedItem: {
      __resolveType: (item: { __typename: string }) => item.__typename,
    },
    Review: {
      __resolveReference: (reference: { id: string }) => REVIEWS.find((r) => r.id === reference.id) ?? null,
      // What @provides promises: the name as products has it, so the gateway need not ask products.
      product: (review: ReviewRecord) => ({ id: review.productId, name: productById(review.productId)!.name }),
      author: (review: ReviewRecord) => ({ id: review.author.id, organization: { id: review.author.organizationId } }),
      moderationNote: (review: ReviewRecord) => {
        if (review.id === 'r2') throw new GraphQLError('this review is hidden pending moderation', { extensions: { code: 'CONTENT_HIDDEN' } });
        return review.id === 'r3' ? 'Verified purchase' : null;
      },
    },
    Product: {
      // Any id is a product reviews can extend: one without reviews has none.
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      reviews: (product: { id: string }) => reviewsOf(product.id),
      reviewCount: (product: { id: string }) => reviewsOf(product.id).length,
      averageRating: (product: { id: string }) => {
        if (product.id === 'p2') throw new Error('ratings of p2 could not be aggregated');
        const ratings = reviewsOf(product.id).map((r) => r.rating);
        return ratings.length === 0 ? null : ratings.reduce((a, b) => a + b, 0) / ratings.length;
      },
    },
    User: {
      __resolveReference: (reference: UserKey) => reference,
      reviews: (user: UserKey) => REVIEWS.filter((r) => r.author.id === user.id && r.author.organizationId === user.organization.id),
    },
    Media: {
      __resolveReference: (reference: { id: string }) => (reference.id in LIKES ? { id: reference.id } : null),
      likes: (media: { id: string }) => LIKES[media.id],
    },
  },
};
