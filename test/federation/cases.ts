import type { ExpectedAnswer } from './answers';
import type { SubgraphName } from './federation';

/** One operation sent to both gateways, with the answer the in-memory data and the federation spec call for. */
export interface FederationCase {
  /** What a user would notice, as a sentence: the test's name. */
  readonly name: string;
  readonly query: string;
  readonly operationName?: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  /** Written by hand from subgraphs/catalog-data.ts, never copied from a gateway: a bug both gateways share still fails. */
  readonly expected: ExpectedAnswer;
  /** Subgraphs the plan must not call (what @provides and @skip / @include are for). */
  readonly untouched?: readonly SubgraphName[];
  readonly note?: string;
  /**
   * Lattice answers differently from stock @apollo/gateway and is wrong: what and why, and Lattice's answer today,
   * asserted as it is so the difference stays visible (the test fails once it is gone: then drop this).
   */
  readonly knownDifference?: { readonly why: string; readonly lattice: ExpectedAnswer };
  /**
   * Stock @apollo/gateway answers differently from Lattice and is the one that is wrong by the spec: why, and stock's
   * answer, asserted as it is (`expected` is then what Lattice answers and the spec calls for).
   */
  readonly stockDeviation?: { readonly why: string; readonly stock: ExpectedAnswer };
}

/**
 * Stock answers a request it cannot pick an operation from with HTTP 500 and INVALID_GRAPHQL: @apollo/gateway
 * throws while Apollo Server executes, so the client's mistake is reported as a server failure.
 */
const STOCK_OPERATION_SELECTION =
  'the GraphQL spec (6.1, GetOperation) makes this a request error, the caller\'s mistake: GraphQL over HTTP answers it with a 4xx ' +
  "status, while stock answers 500, as if the server had failed (Apollo Server executes before @apollo/gateway picks the operation and " +
  "throws INVALID_GRAPHQL); Lattice refuses it itself with 400 BAD_USER_INPUT";

const OAK = 'Oak chair';
const LAMP = 'Desk lamp';
const DESK = 'Standing desk';

export const CASES: readonly FederationCase[] = [
  // ── @key: several, composite, nested ──────────────────────────────────────────────────────────────────────
  {
    name: 'an entity with two keys is found by its sku and resolves its reviews through its id key',
    query: '{ productBySku(sku: "LAMP-DESK") { id name reviews { body } } }',
    expected: { data: { productBySku: { id: 'p2', name: LAMP, reviews: [{ body: 'Bright enough to read by.' }] } } },
  },
  {
    name: 'an entity a subgraph knows only by its sku key gets its id from the owner, then the fields keyed by id',
    query: '{ search(term: "oak") { __typename ... on Product { name reviewCount } ... on Image { title width } } }',
    expected: { data: { search: [{ __typename: 'Product', name: OAK, reviewCount: 2 }, { __typename: 'Image', title: 'Oak chair, front', width: 1200 }] } },
  },
  {
    name: 'a composite @key entity resolves its fields from both subgraphs',
    query: '{ products { name inStock } }',
    expected: { data: { products: [{ name: OAK, inStock: true }, { name: LAMP, inStock: false }, { name: DESK, inStock: true }] } },
    note: 'inventory rejects a representation whose id and sku are not one product, so the whole composite key must arrive',
  },
  {
    name: 'entities listed by the composite-key subgraph get their other fields from the owner',
    query: '{ lowStock { id sku name price } }',
    expected: { data: { lowStock: [{ id: 'p2', sku: 'LAMP-DESK', name: LAMP, price: 2500 }, { id: 'p3', sku: 'DESK-STAND', name: DESK, price: 39900 }] } },
  },
  {
    name: 'a nested @key tells apart two users with the same id in different organizations',
    query: '{ reviews { id author { id name organization { id name } } } }',
    expected: {
      data: {
        reviews: [
          { id: 'r1', author: { id: 'u1', name: 'Ann', organization: { id: 'o1', name: 'Acme' } } },
          { id: 'r2', author: { id: 'u2', name: 'Bob', organization: { id: 'o1', name: 'Acme' } } },
          { id: 'r3', author: { id: 'u1', name: 'Cy', organization: { id: 'o2', name: 'Globex' } } },
        ],
      },
    },
  },
  {
    name: 'a nested @key is sent whole from the owner to the extending subgraph',
    query: '{ me { name organization { name } reviews { body product { name } } } }',
    expected: { data: { me: { name: 'Cy', organization: { name: 'Globex' }, reviews: [{ body: 'Bright enough to read by.', product: { name: LAMP } }] } } },
    note: "reviews matches on both parts of the key: (u1, o1) is Ann, whose review r1 must not appear under Cy's",
  },
  {
    name: 'aliased entity fields of two products merge into the right aliases',
    query: '{ a: product(id: "p1") { n: name r: reviewCount } b: product(id: "p2") { n: name r: reviewCount } }',
    expected: { data: { a: { n: OAK, r: 2 }, b: { n: LAMP, r: 1 } } },
  },

  // ── @requires (with arguments, nested) and @external ─────────────────────────────────────────────────────
  {
    name: "@requires on a field with an argument fetches the required field first and passes the argument's variable through",
    query: 'query ($zone: String!) { product(id: "p1") { name shippingEstimate(zone: $zone) } }',
    variables: { zone: 'international' },
    expected: { data: { product: { name: OAK, shippingEstimate: 1500 + Math.floor(4900 / 20) } } },
  },
  {
    name: 'a @requires field asked twice with different arguments answers each alias',
    query: '{ products { id domestic: shippingEstimate(zone: "domestic") international: shippingEstimate(zone: "international") } }',
    expected: {
      data: {
        products: [
          { id: 'p1', domestic: 599, international: 1745 },
          { id: 'p2', domestic: 599, international: 1625 },
          { id: 'p3', domestic: 0, international: 3495 },
        ],
      },
    },
  },
  {
    name: 'a nested @requires sends the required sub-selection to the requiring subgraph',
    query: '{ products { id packaging } }',
    expected: { data: { products: [{ id: 'p1', packaging: 'medium box' }, { id: 'p2', packaging: 'small box' }, { id: 'p3', packaging: 'large crate' }] } },
  },
  {
    name: 'a nested @requires reached from a third subgraph chains reviews, products and inventory',
    query: '{ reviews { id product { packaging } } }',
    expected: { data: { reviews: [{ id: 'r1', product: { packaging: 'medium box' } }, { id: 'r2', product: { packaging: 'medium box' } }, { id: 'r3', product: { packaging: 'small box' } }] } },
  },
  {
    name: 'a @requires of an @inaccessible field is fetched for the plan though no client may select it',
    query: '{ product(id: "p3") { margin } }',
    expected: { data: { product: { margin: 39900 - 25000 } } },
  },
  {
    name: "a subgraph's BAD_USER_INPUT on a non-null @requires field nulls the parent and keeps the subgraph's message",
    query: 'query ($zone: String!) { product(id: "p1") { name shippingEstimate(zone: $zone) } }',
    variables: { zone: 'mars' },
    expected: {
      data: { product: null },
      errors: [{ path: ['product', 'shippingEstimate'], code: 'BAD_USER_INPUT', message: 'zone must be "domestic" or "international" (got "mars")' }],
    },
    note: "the subgraph's own extension (argument: \"zone\") is compared between the gateways too",
  },

  // ── @provides ─────────────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'a @provides field is answered by the providing subgraph without calling the owner',
    query: '{ reviews { body product { name } } }',
    expected: {
      data: {
        reviews: [
          { body: 'Sturdy and comfortable.', product: { name: OAK } },
          { body: 'Wobbles a little.', product: { name: OAK } },
          { body: 'Bright enough to read by.', product: { name: LAMP } },
        ],
      },
    },
    untouched: ['products'],
  },
  {
    name: 'a field beyond what @provides covers still comes from the owner',
    query: '{ review(id: "r3") { product { name price } } }',
    expected: { data: { review: { product: { name: LAMP, price: 2500 } } } },
  },

  // ── @override ─────────────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'a field taken over with @override is resolved by its new owner, never the old one',
    query: '{ products { id reviewCount } }',
    expected: { data: { products: [{ id: 'p1', reviewCount: 2 }, { id: 'p2', reviewCount: 1 }, { id: 'p3', reviewCount: 0 }] } },
    note: 'products still resolves reviewCount, always 42: a plan that asks the old owner shows 42',
  },

  // ── @interfaceObject and the entity interface it extends ──────────────────────────────────────────────────
  {
    name: "an @interfaceObject's list gets each member's concrete type and fields from the interface's owner",
    query: '{ mostLikedMedia { __typename id title likes ... on Video { durationSeconds } } }',
    expected: {
      data: {
        mostLikedMedia: [
          { __typename: 'Video', id: 'm2', title: 'Lamp assembly', likes: 42, durationSeconds: 95 },
          { __typename: 'Image', id: 'm1', title: 'Oak chair, front', likes: 10 },
          { __typename: 'Image', id: 'm3', title: 'Lamp at night', likes: 7 },
        ],
      },
    },
  },
  {
    name: "an entity interface's members pick up the fields an @interfaceObject adds",
    query: '{ allMedia { id title likes } }',
    expected: { data: { allMedia: [{ id: 'm1', title: 'Oak chair, front', likes: 10 }, { id: 'm2', title: 'Lamp assembly', likes: 42 }, { id: 'm3', title: 'Lamp at night', likes: 7 }] } },
  },
  {
    name: "an entity's interface-typed list resolves each concrete member's fragment",
    query: '{ product(id: "p2") { media { __typename title ... on Video { durationSeconds } ... on Image { width } likes } } }',
    expected: {
      data: {
        product: {
          media: [
            { __typename: 'Video', title: 'Lamp assembly', durationSeconds: 95, likes: 42 },
            { __typename: 'Image', title: 'Lamp at night', width: 800, likes: 7 },
          ],
        },
      },
    },
  },

  // ── abstract types across subgraphs ───────────────────────────────────────────────────────────────────────
  {
    name: "a union's members owned by different subgraphs each get their fields from their owner",
    query: '{ search(term: "lamp") { __typename ... on Product { id name inStock } ... on Video { title durationSeconds } ... on Image { title } } }',
    expected: {
      data: {
        search: [
          { __typename: 'Product', id: 'p2', name: LAMP, inStock: false },
          { __typename: 'Video', title: 'Lamp assembly', durationSeconds: 95 },
          { __typename: 'Image', title: 'Lamp at night' },
        ],
      },
    },
  },
  {
    name: "an interface whose members are owned by different subgraphs resolves each member's fields from its owner",
    query: '{ feed { __typename id ... on Review { body author { name } } ... on Product { name price } } }',
    expected: {
      data: {
        feed: [
          { __typename: 'Review', id: 'r3', body: 'Bright enough to read by.', author: { name: 'Cy' } },
          { __typename: 'Product', id: 'p1', name: OAK, price: 4900 },
          { __typename: 'Review', id: 'r1', body: 'Sturdy and comfortable.', author: { name: 'Ann' } },
        ],
      },
    },
  },

  // ── @inaccessible ─────────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'an @inaccessible field cannot be selected through the gateway',
    query: '{ product(id: "p1") { name internalCost } }',
    expected: { errors: [{ code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "internalCost" on type "Product".' }] },
    untouched: ['products', 'inventory', 'reviews', 'accounts', 'media'],
  },
  {
    name: 'an @inaccessible type cannot be named in a fragment',
    query: '{ product(id: "p1") { name ... on SupplierContract { terms } } }',
    expected: { errors: [{ code: 'GRAPHQL_VALIDATION_FAILED', message: 'Unknown type "SupplierContract".' }] },
  },
  {
    name: 'introspection shows neither the @inaccessible fields nor the @inaccessible type',
    query: '{ product: __type(name: "Product") { fields { name } } contract: __type(name: "SupplierContract") { name } }',
    expected: {
      data: {
        // Composition lists a type's fields subgraph by subgraph, in name order (inventory, media, products, reviews,
        // warehouse), each in its declaration order, a field where it is first met: internalCost (inventory,
        // products) and contract (products) are not among them.
        product: {
          fields: [
            ...['id', 'sku', 'category', 'inStock', 'stockLevel', 'price', 'dimensions', 'shippingEstimate', 'packaging', 'margin'],
            'media',
            ...['name', 'reviewCount'],
            ...['reviews', 'averageRating'],
            'warehouseCode',
          ].map((name) => ({ name })),
        },
        contract: null,
      },
    },
  },
  {
    name: "introspection lists every subgraph's root fields and none of federation's own",
    query: '{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { name } } }',
    expected: {
      data: {
        __schema: {
          // Subgraph by subgraph, in name order: accounts, inventory, media, products, reviews, warehouse.
          queryType: {
            fields: [
              ...['me', 'organizations'],
              'lowStock',
              ...['media', 'allMedia', 'search'],
              ...['products', 'product', 'productBySku', 'productsByIds'],
              ...['reviews', 'review', 'mostLikedMedia', 'feed'],
              'warehouseStatus',
            ].map((name) => ({ name })),
          },
          mutationType: { fields: [{ name: 'previewReview' }] },
          subscriptionType: null,
        },
      },
    },
  },
  {
    name: "the subgraphs' _entities and _service fields are not part of the gateway's API",
    query: '{ _service { sdl } }',
    expected: { errors: [{ code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "_service" on type "Query".' }] },
  },

  // ── @shareable ────────────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'a @shareable field is answered by the subgraph the plan starts in (inventory)',
    query: '{ lowStock { id category } }',
    expected: { data: { lowStock: [{ id: 'p2', category: 'lighting' }, { id: 'p3', category: 'furniture' }] } },
    untouched: ['products'],
  },
  {
    name: 'a @shareable field is answered by the subgraph the plan starts in (products)',
    query: '{ products { id category } }',
    expected: { data: { products: [{ id: 'p1', category: 'furniture' }, { id: 'p2', category: 'lighting' }, { id: 'p3', category: 'furniture' }] } },
    untouched: ['inventory'],
  },
  {
    name: 'a @shareable value type merges its fields with a nested @requires of it',
    query: '{ product(id: "p3") { dimensions { size weight } packaging } }',
    expected: { data: { product: { dimensions: { size: 'large', weight: 32 }, packaging: 'large crate' } } },
  },

  // ── @skip / @include with variables ───────────────────────────────────────────────────────────────────────
  {
    name: '@include(if: false) on an entity field leaves its subgraph uncalled',
    query: 'query ($withReviews: Boolean!) { product(id: "p1") { name reviews @include(if: $withReviews) { body } } }',
    variables: { withReviews: false },
    expected: { data: { product: { name: OAK } } },
    untouched: ['reviews'],
  },
  {
    name: '@include(if: true) on an entity field fetches it',
    query: 'query ($withReviews: Boolean!) { product(id: "p1") { name reviews @include(if: $withReviews) { body } } }',
    variables: { withReviews: true },
    expected: { data: { product: { name: OAK, reviews: [{ body: 'Sturdy and comfortable.' }, { body: 'Wobbles a little.' }] } } },
  },
  {
    name: "@skip(if: true) on an inline fragment of another subgraph's fields omits them all, even a failing one",
    query: 'query ($noStock: Boolean!) { products { name ... on Product @skip(if: $noStock) { inStock stockLevel } } }',
    variables: { noStock: true },
    expected: { data: { products: [{ name: OAK }, { name: LAMP }, { name: DESK }] } },
    untouched: ['inventory'],
  },
  {
    name: '@skip(if: true) on a @requires field fetches neither it nor what it requires',
    query: 'query ($skip: Boolean!, $zone: String!) { product(id: "p2") { name shippingEstimate(zone: $zone) @skip(if: $skip) } }',
    variables: { skip: true, zone: 'international' },
    expected: { data: { product: { name: LAMP } } },
    untouched: ['inventory'],
  },
  {
    name: '@skip(if: false) on a @requires field fetches it',
    query: 'query ($skip: Boolean!, $zone: String!) { product(id: "p2") { name shippingEstimate(zone: $zone) @skip(if: $skip) } }',
    variables: { skip: false, zone: 'international' },
    expected: { data: { product: { name: LAMP, shippingEstimate: 1625 } } },
  },
  {
    name: 'a field with both @skip(if: false) and @include(if: true) is included',
    query: 'query ($s: Boolean!, $i: Boolean!) { product(id: "p1") { name price @skip(if: $s) @include(if: $i) inStock @skip(if: $s) @include(if: $i) } }',
    variables: { s: false, i: true },
    expected: { data: { product: { name: OAK, price: 4900, inStock: true } } },
  },
  {
    name: 'a field with both @skip(if: true) and @include(if: true) is left out',
    query: 'query ($s: Boolean!, $i: Boolean!) { product(id: "p1") { name price @skip(if: $s) @include(if: $i) inStock @skip(if: $s) @include(if: $i) } }',
    variables: { s: true, i: true },
    expected: { data: { product: { name: OAK } } },
    untouched: ['inventory'],
  },
  {
    name: "@skip on a root field leaves that root field's subgraph uncalled",
    query: 'query ($s: Boolean!) { me @skip(if: $s) { name } product(id: "p1") { name } }',
    variables: { s: true },
    expected: { data: { product: { name: OAK } } },
    untouched: ['accounts'],
  },
  {
    name: "@include in a fragment follows a variable's default when the variable is not sent",
    query: 'query ($withMedia: Boolean = true) { product(id: "p1") { ...ProductMedia } } fragment ProductMedia on Product { name media @include(if: $withMedia) { title } }',
    expected: { data: { product: { name: OAK, media: [{ title: 'Oak chair, front' }] } } },
  },

  // ── operations: mutations, operation names ────────────────────────────────────────────────────────────────
  {
    name: "a mutation's result is completed with entity fields from another subgraph, each alias on its own",
    query:
      'mutation { good: previewReview(productId: "p3", rating: 5, body: " Rock solid. ") { body rating product { name } } bad: previewReview(productId: "p3", rating: 9, body: "!") { body } }',
    expected: {
      data: null,
      errors: [{ path: ['bad'], code: 'BAD_USER_INPUT', message: 'rating must be 1 to 5 (got 9)' }],
    },
    note: 'previewReview is non-null, so the failing alias nulls data: the good alias is lost with it',
  },
  {
    name: "a mutation's result is completed with entity fields from another subgraph",
    query: 'mutation ($body: String!) { previewReview(productId: "p3", rating: 5, body: $body) { body rating product { name price } } }',
    variables: { body: ' Rock solid. ' },
    expected: { data: { previewReview: { body: 'Rock solid.', rating: 5, product: { name: DESK, price: 39900 } } } },
  },
  {
    name: 'the operation named by operationName runs, of two in one document',
    query: 'query Me { me { name } } query Lamp { product(id: "p2") { name } }',
    operationName: 'Lamp',
    expected: { data: { product: { name: LAMP } } },
    untouched: ['accounts'],
  },
  {
    name: 'a document of two operations without an operationName is refused as a request error, with no data',
    query: 'query Me { me { name } } query Lamp { product(id: "p2") { name } }',
    expected: { status: 400, errors: [{ code: 'BAD_USER_INPUT', message: 'the document holds 2 operations: name the one to run in operationName' }] },
    untouched: ['products', 'inventory', 'reviews', 'accounts', 'media'],
    stockDeviation: {
      why: STOCK_OPERATION_SELECTION,
      stock: { status: 500, errors: [{ code: 'INVALID_GRAPHQL', message: 'Must provide operation name if query contains multiple operations.' }] },
    },
  },
  {
    name: 'an operationName that names no operation of the document is refused as a request error, with no data',
    query: 'query Me { me { name } }',
    operationName: 'Lamp',
    expected: { status: 400, errors: [{ code: 'BAD_USER_INPUT', message: 'the document has no operation named "Lamp"' }] },
    untouched: ['products', 'inventory', 'reviews', 'accounts', 'media'],
    stockDeviation: { why: STOCK_OPERATION_SELECTION, stock: { status: 500, errors: [{ code: 'INVALID_GRAPHQL', message: 'Unknown operation named "Lamp".' }] } },
  },

  // ── null propagation ──────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'a non-null field that fails in an entity fetch nulls its nearest nullable parent',
    query: '{ product(id: "p3") { name stockLevel } }',
    expected: { data: { product: null }, errors: [{ path: ['product', 'stockLevel'], code: 'INTERNAL_SERVER_ERROR' }] },
  },
  {
    name: 'a non-null field that fails under a list of non-null items nulls everything up to data',
    query: '{ products { id stockLevel } }',
    expected: { data: null, errors: [{ path: ['products', 2, 'stockLevel'], code: 'INTERNAL_SERVER_ERROR' }] },
    note: 'Query.products is [Product!]!: nothing between stockLevel and the root is nullable',
  },
  {
    name: 'a non-null field that fails in a list of nullable items nulls just that item',
    query: '{ productsByIds(ids: ["p1", "p3"]) { id stockLevel } }',
    expected: { data: { productsByIds: [{ id: 'p1', stockLevel: 12 }, null] }, errors: [{ path: ['productsByIds', 1, 'stockLevel'], code: 'INTERNAL_SERVER_ERROR' }] },
  },
  {
    name: 'a non-null field that fails in the root subgraph nulls data even when other subgraphs had answered',
    query: '{ lowStock { id name stockLevel } }',
    expected: { data: null, errors: [{ path: ['lowStock', 1, 'stockLevel'], code: 'INTERNAL_SERVER_ERROR' }] },
  },

  // ── error paths and partial data ──────────────────────────────────────────────────────────────────────────
  {
    name: 'a subgraph error for one entity keeps the other entities and points its path at that entity',
    query: '{ products { id averageRating } }',
    expected: {
      data: { products: [{ id: 'p1', averageRating: 4 }, { id: 'p2', averageRating: null }, { id: 'p3', averageRating: null }] },
      errors: [{ path: ['products', 1, 'averageRating'], code: 'INTERNAL_SERVER_ERROR' }],
    },
  },
  {
    name: 'a subgraph error with a code of its own reaches the client with that code and message',
    query: '{ reviews { id moderationNote } }',
    expected: {
      data: { reviews: [{ id: 'r1', moderationNote: null }, { id: 'r2', moderationNote: null }, { id: 'r3', moderationNote: 'Verified purchase' }] },
      errors: [{ path: ['reviews', 1, 'moderationNote'], code: 'CONTENT_HIDDEN', message: 'this review is hidden pending moderation' }],
    },
  },
  {
    name: "a subgraph that is down nulls the fields it owns and adds one error, keeping the other subgraphs' data",
    query: '{ product(id: "p1") { name warehouseCode } }',
    expected: { data: { product: { name: OAK, warehouseCode: null } }, errors: [{ code: 'SERVICE_UNAVAILABLE' }] },
    note:
      'neither gateway gives the failed fetch a path: one fetch can serve many fields of many entities, so it is not one ' +
      "field's error (GraphQL spec 7.1.2 asks for a path only when an error can be tied to one field). Stock's message " +
      "names the subgraph's address; Lattice's names only the subgraph",
  },
  {
    name: 'a root field of a subgraph that is down is null while the other root fields answer',
    query: '{ product(id: "p1") { name } warehouseStatus }',
    expected: { data: { product: { name: OAK }, warehouseStatus: null }, errors: [{ code: 'SERVICE_UNAVAILABLE' }] },
  },
  {
    name: 'an operation missing a required variable is refused before any subgraph is called',
    query: 'query ($zone: String!) { product(id: "p1") { shippingEstimate(zone: $zone) } }',
    expected: { errors: [{ code: 'BAD_USER_INPUT', message: 'Variable "$zone" of required type "String!" was not provided.' }] },
    untouched: ['products', 'inventory', 'reviews', 'accounts', 'media'],
  },
];
