import { GraphQLError, parse } from 'graphql';
import type { ForeignSubgraphDefinition } from '../../foreign/foreign-subgraph';
import { productById } from './catalog-data';
import { federationLink } from './link';

const STOCK: Readonly<Record<string, { inStock: boolean; level: number | null }>> = {
  p1: { inStock: true, level: 12 },
  p2: { inStock: false, level: 0 },
  // Being recounted: `stockLevel` (non-null) fails for it, and null propagates to the nearest nullable parent.
  p3: { inStock: true, level: null },
};

/** A product as the gateway hands it to inventory: the composite key, plus whatever @requires asked for. */
interface InventoryProduct {
  id: string;
  sku: string;
  price?: number;
  internalCost?: number;
  dimensions?: { size?: string; weight?: number };
}

/** A field that needs @requires data fails loudly when the gateway did not send it, instead of answering a guess. */
function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`inventory was not sent ${what}: @requires not honoured`);
  return value;
}

/**
 * Stock and shipping: extends `Product` with the composite key `id sku`, and computes shipping from fields it
 * @requires of products: `price` (for a field that takes an argument), `dimensions { size weight }` (nested), and
 * the @inaccessible `internalCost`. `category` is @shareable with products.
 */
export const inventorySubgraph: ForeignSubgraphDefinition = {
  name: 'inventory',
  typeDefs: parse(`
    ${federationLink('@key', '@shareable', '@external', '@requires')}

    type Query {
      lowStock: [Product!]!
    }

    type Product @key(fields: "id sku") {
      id: ID!
      sku: String!
      category: String! @shareable
      inStock: Boolean!
      stockLevel: Int!
      price: Int! @external
      internalCost: Int! @external
      dimensions: Dimensions! @external
      shippingEstimate(zone: String!): Int! @requires(fields: "price")
      packaging: String! @requires(fields: "dimensions { size weight }")
      margin: Int! @requires(fields: "price internalCost")
    }

    type Dimensions @shareable {
      size: String!
      weight: Float!
    }
  `),
  resolvers: {
    Query: {
      lowStock: () => ['p2', 'p3'].map((id) => ({ id, sku: productById(id)!.sku })),
    },
    Product: {
      __resolveReference: (reference: InventoryProduct) => {
        // The composite key must arrive whole and consistent: a gateway that sends half of it, or mixes two products, fails here.
        const product = productById(reference.id);
        if (!product || product.sku !== reference.sku) throw new Error(`no product with id ${reference.id} and sku ${reference.sku}`);
        return reference;
      },
      category: (product: InventoryProduct) => productById(product.id)!.category,
      inStock: (product: InventoryProduct) => STOCK[product.id]!.inStock,
      stockLevel: (product: InventoryProduct) => {
        const level = STOCK[product.id]!.level;
        if (level === null) throw new Error(`the stock of ${product.sku} is being recounted`);
        return level;
      },
      shippingEstimate: (product: InventoryProduct, args: { zone: string }) => {
        const price = required(product.price, 'price');
        if (args.zone === 'domestic') return price >= 10_000 ? 0 : 599;
        if (args.zone === 'international') return 1_500 + Math.floor(price / 20);
        throw new GraphQLError(`zone must be "domestic" or "international" (got ${JSON.stringify(args.zone)})`, { extensions: { code: 'BAD_USER_INPUT', argument: 'zone' } });
      },
      packaging: (product: InventoryProduct) => {
        const dimensions = required(product.dimensions, 'dimensions');
        return `${required(dimensions.size, 'dimensions.size')} ${required(dimensions.weight, 'dimensions.weight') >= 10 ? 'crate' : 'box'}`;
      },
      margin: (product: InventoryProduct) => required(product.price, 'price') - required(product.internalCost, 'internalCost'),
    },
  },
};
