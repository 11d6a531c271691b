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
