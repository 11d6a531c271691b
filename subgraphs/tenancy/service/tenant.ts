/** The tenant as the tenancy service hands it to its GraphQL layer and to events (never the entity itself). */
export interface Tenant {
  id: string;
  slug: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED';
  version: number;
  createdAt: Date;
}

export const SLUG_PATTERN = /^[a-z0-9-]{3,40}$/;
export const NAME_MAX_LENGTH = 100;
export const SUSPENSION_REASON_MAX_LENGTH = 500;
/** Tenant ids are UUIDs; anything else cannot name a tenant. */
export const TENANT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
