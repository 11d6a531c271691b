import type { ApiKey } from '../service/api-key';
import { ApiKeyType } from './api-key.type';

export function toApiKeyType(apiKey: ApiKey): ApiKeyType {
  return Object.assign(new ApiKeyType(), {
    id: apiKey.id,
    name: apiKey.name,
    permissions: apiKey.permissions,
    last4: apiKey.last4,
    tenantId: apiKey.tenantId,
    createdAt: apiKey.createdAt,
    expiresAt: apiKey.expiresAt,
    revokedAt: apiKey.revokedAt,
    lastUsedAt: apiKey.lastUsedAt,
    createdById: apiKey.createdBy,
  });
}
