import { parseApiKey } from '../../infrastructure/authorization/api-key';
import type { Principal } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';
import type { ApiKeyCache } from './api-key-cache';
import type { ApiKeyUsageRecorder } from './api-key-usage';

const REFUSALS = {
  unknown: 'the API key is not valid',
  revoked: 'the API key has been revoked',
  expired: 'the API key has expired; create a new one',
} as const;

/**
 * Turns `Authorization: Bearer lat_…` into the key's principal: kind API_KEY, the key id as subject, the key's
 * tenant, no roles, and exactly the key's permissions. Unknown, revoked and expired keys are UNAUTHENTICATED.
 */
export class ApiKeyAuthenticator {
  constructor(
    private readonly cache: ApiKeyCache,
    private readonly usage: ApiKeyUsageRecorder,
  ) {}

  async authenticate(key: string): Promise<Principal> {
    // A malformed key costs identity nothing.
    if (!parseApiKey(key)) throw errors.unauthenticated(REFUSALS.unknown);
    const verdict = await this.cache.verify(key);
    if (!verdict.valid) throw errors.unauthenticated(REFUSALS[verdict.reason]);
    this.usage.record(verdict.apiKey.id);
    return {
      kind: 'API_KEY',
      subject: verdict.apiKey.id,
      tenantId: verdict.apiKey.tenantId,
      organizationId: null,
      departmentId: null,
      roles: [],
      permissions: [...verdict.apiKey.permissions],
    };
  }
}
