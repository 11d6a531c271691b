import { parse } from 'graphql';
import type { ForeignSubgraphDefinition } from '../../foreign/foreign-subgraph';
import { MEDIA, PRODUCTS, type MediaRecord } from './catalog-data';
import { federationLink } from './link';

/** Search words per product sku: media's own index, so a search can name a product it knows only by sku. */
const KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  'CHAIR-OAK': ['oak', 'chair'],
  'LAMP-DESK': ['lamp', 'desk'],
  'DESK-STAND': ['desk', 'standing'],
};

const mediaById = (id: string) => MEDIA.find((m) => m.id === id) ?? null;

/**
 * Media: owns the entity interface `Media` (`Image`, `Video`), which reviews extends as an @interfaceObject;
 * knows `Product` only by its `sku` key; and answers a `SearchResult` union of its own types and products'.
 */
export const mediaSubgraph: ForeignSubgraphDefinition = {
  name: 'media',
  typeDefs: parse(`
    ${federationLink('@key')}

    type Query {
      media(id: ID!): Media
      allMedia: [Media!]!
      search(term: String!): [SearchResult!]!
    }

    interface Media @key(fields: "id") {
      id: ID!
      title: String!
    }

    type Image implements Media @key(fields: "id") {
      id: ID!
      title: String!
      width: Int!
    }

    type Video implements Media @key(fields: "id") {
      id: ID!
      title: String!
      durationSeconds: Int!
    }

    type Product @key(fields: "sku") {
      sku: String!
      media: [Media!]!
    }

    union SearchResult = Product | Image | Video
  `),
  resolvers: {
    Query: {
      media: (_: unknown, args: { id: string }) => mediaById(args.id),
      allMedia: () => MEDIA,
      search: (_: unknown, args: { term: string }) => {
        const term = args.term.toLowerCase();
        const products = PRODUCTS.filter((p) => KEYWORDS[p.sku]?.includes(term)).map((p) => ({ kind: 'Product', sku: p.sku }));
        return [...products, ...MEDIA.filter((m) => m.title.toLowerCase().includes(term))];
      },
    },
    Media: {
      __resolveType: (media: MediaRecord) => media.kind,
      // A reference to the interface (from reviews' @interfaceObject) is resolved to its concrete type here.
      __resolveReference: (reference: { id: string }) => mediaById(reference.id),
    },
    Image: { __resolveReference: (reference: { id: string }) => mediaById(reference.id) },
    Video: { __resolveReference: (reference: { id: string }) => mediaById(reference.id) },
    Product: {
      __resolveReference: (reference: { sku: string }) => ({ sku: reference.sku }),
      media: (product: { sku: string }) => MEDIA.filter((m) => m.sku === product.sku),
    },
    SearchResult: {
      __resolveType: (result: { kind: string }) => result.kind,
    },
  },
};
