/**
 * The in-memory data every subgraph of the differential suite serves, in one place so the expected answers in
 * cases.ts can be checked against it by eye. Ids are deliberately small and readable; nothing here changes at run time.
 */

export interface ProductRecord {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly price: number;
  /** @inaccessible in the supergraph: no client may read it, yet inventory's `margin` @requires it. */
  readonly internalCost: number;
  readonly category: string;
  readonly dimensions: { readonly size: string; readonly weight: number };
  readonly contract: { readonly supplier: string; readonly terms: string };
}

export const PRODUCTS: readonly ProductRecord[] = [
  { id: 'p1', sku: 'CHAIR-OAK', name: 'Oak chair', price: 4900, internalCost: 2100, category: 'furniture', dimensions: { size: 'medium', weight: 7.5 }, contract: { supplier: 'Nordwood', terms: 'net 30' } },
  { id: 'p2', sku: 'LAMP-DESK', name: 'Desk lamp', price: 2500, internalCost: 900, category: 'lighting', dimensions: { size: 'small', weight: 1.2 }, contract: { supplier: 'Lumen', terms: 'net 60' } },
  { id: 'p3', sku: 'DESK-STAND', name: 'Standing desk', price: 39900, internalCost: 25000, category: 'furniture', dimensions: { size: 'large', weight: 32 }, contract: { supplier: 'Liftco', terms: 'prepaid' } },
];

export const productById = (id: string): ProductRecord | undefined => PRODUCTS.find((p) => p.id === id);
export const productBySku = (sku: string): ProductRecord | undefined => PRODUCTS.find((p) => p.sku === sku);

export interface OrganizationRecord {
  readonly id: string;
  readonly name: string;
}

export const ORGANIZATIONS: readonly OrganizationRecord[] = [
  { id: 'o1', name: 'Acme' },
  { id: 'o2', name: 'Globex' },
];

/** A user id is unique only within its organization: (u1, o1) and (u1, o2) are two people, so the nested key matters. */
export interface UserRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
}

export const USERS: readonly UserRecord[] = [
  { id: 'u1', organizationId: 'o1', name: 'Ann' },
  { id: 'u2', organizationId: 'o1', name: 'Bob' },
  { id: 'u1', organizationId: 'o2', name: 'Cy' },
];

export interface ReviewRecord {
  readonly id: string;
  readonly productId: string;
  readonly rating: number;
  readonly body: string;
  readonly author: { readonly id: string; readonly organizationId: string };
}

export const REVIEWS: readonly ReviewRecord[] = [
  { id: 'r1', productId: 'p1', rating: 5, body: 'Sturdy and comfortable.', author: { id: 'u1', organizationId: 'o1' } },
  { id: 'r2', productId: 'p1', rating: 3, body: 'Wobbles a little.', author: { id: 'u2', organizationId: 'o1' } },
  { id: 'r3', productId: 'p2', rating: 4, body: 'Bright enough to read by.', author: { id: 'u1', organizationId: 'o2' } },
];

export type MediaRecord =
  | { readonly kind: 'Image'; readonly id: string; readonly title: string; readonly sku: string; readonly width: number }
  | { readonly kind: 'Video'; readonly id: string; readonly title: string; readonly sku: string; readonly durationSeconds: number };

export const MEDIA: readonly MediaRecord[] = [
  { kind: 'Image', id: 'm1', title: 'Oak chair, front', sku: 'CHAIR-OAK', width: 1200 },
  { kind: 'Video', id: 'm2', title: 'Lamp assembly', sku: 'LAMP-DESK', durationSeconds: 95 },
  { kind: 'Image', id: 'm3', title: 'Lamp at night', sku: 'LAMP-DESK', width: 800 },
];

/** Likes per media item, kept by reviews through its `@interfaceObject` Media. */
export const LIKES: Readonly<Record<string, number>> = { m1: 10, m2: 42, m3: 7 };
