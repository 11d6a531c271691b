import type { ApiKeyEntity } from '../store/api-key.entity';

/** An API key as identity's use cases see it. Neither the key nor its hash ever leaves the store layer. */
export interface ApiKey {
  id: string;
  /** Null for a platform key. */
  tenantId: string | null;
  name: string;
  permissions: string[];
  last4: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  version: number;
}

export function toApiKey(row: ApiKeyEntity): ApiKey {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    permissions: [...row.permissions],
    last4: row.last4,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    version: row.version,
  };
}
