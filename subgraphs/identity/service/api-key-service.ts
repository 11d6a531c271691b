import type DataLoader from 'dataloader';
import { PERMISSIONS, SCHEMA_PERMISSIONS, hasPermission, reachesEveryTenant, requirePermission, requireSignedIn, requireTenantAccess } from '../../../infrastructure/authorization/permissions';
import { API_KEY_EVENTS } from '../../../infrastructure/authorization/api-key';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { EventType } from '../../../infrastructure/events/event-types';
import type { RequestEvents } from '../../../infrastructure/events/outbox/request-events';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { byIdLoader } from '../../../infrastructure/graphql/by-id-loader';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { ApiKeyStore } from '../store/api-key-store';
import { toApiKey, type ApiKey } from './api-key';
import { checkApiKeyPermissions, resolveApiKeyExpiry, validateApiKeyName } from './api-key-rules';
import { issueApiKey } from './api-key-secret';

export interface CreateApiKeyCommand {
  name: string;
  permissions: string[];
  expiresAt?: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Identity use cases about API keys, for one request. */
export class ApiKeyService {
  private readonly byId: DataLoader<string, ApiKey | null>;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly events: RequestEvents,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {
    this.byId = byIdLoader(async (ids) => (await store.findByIds(ids)).map(toApiKey), 'ApiKey');
  }

  private get principal() {
    return this.request.principal;
  }

  /**
   * Creates a key in the caller's tenant carrying some of the caller's permissions; the key is returned once. A
   * platform user's key belongs to no tenant and may carry only the schema registry's permissions (a team's CI
   * checking or publishing its subgraph): nothing that reaches a tenant's data.
   */
  async create(input: CreateApiKeyCommand): Promise<{ key: string; apiKey: ApiKey }> {
    const principal = this.principal;
    requireSignedIn(principal);
    requirePermission(principal, PERMISSIONS.apiKeysWrite);
    // A key minting keys could outlive its own revocation through them; only people create keys.
    if (principal.kind !== 'USER') throw errors.forbidden('API keys can only be created by a signed-in user, not by another API key');
    const tenantId = principal.tenantId;
    const name = validateApiKeyName('input.name', input.name);
    const permissions = checkApiKeyPermissions('input.permissions', input.permissions, principal.permissions);
    if (tenantId === null) {
      const other = permissions.filter((p) => !SCHEMA_PERMISSIONS.includes(p));
      if (other.length > 0) {
        throw errors.badInput('input.permissions', `a platform API key may carry only ${SCHEMA_PERMISSIONS.join(', ')} (tenant data needs a key of that tenant); not ${other.join(', ')}`);
      }
    }
    const now = new Date();
    const expiresAt = resolveApiKeyExpiry('input.expiresAt', input.expiresAt, now);
    const id = uuid7();
    const issued = issueApiKey(id);
    const apiKey: ApiKey = { id, tenantId, name, permissions, last4: issued.last4, createdBy: principal.subject, createdAt: now, expiresAt, revokedAt: null, lastUsedAt: null, version: 1 };
    await this.events.transaction(async () => {
      await this.store.insert({ ...apiKey, secretHash: issued.hash });
      await this.record(API_KEY_EVENTS.created, apiKey, { name, permissions, expiresAt: expiresAt.toISOString(), createdBy: apiKey.createdBy });
    });
    this.logger.info('API key created', { apiKeyId: id, tenantId });
    return { key: issued.key, apiKey };
  }

  /** One tenant's keys: the caller's own by default; another tenant needs platform:admin. */
  async list(args: { tenantId?: string | null; first?: number | null; after?: string | null }): Promise<Page<ApiKey>> {
    const page = parsePageRequest(args.first, args.after);
    requireSignedIn(this.principal);
    const tenantId = args.tenantId ?? this.principal.tenantId;
    // No tenant named by a platform user: the platform's own keys.
    if (tenantId === null) requirePermission(this.principal, PERMISSIONS.platformAdmin);
    else requireTenantAccess(this.principal, tenantId, PERMISSIONS.apiKeysRead);
    const rows = await this.store.list(tenantId, page.afterKey, page.limit + 1);
    return toPage(rows.map(toApiKey), page, (k) => k.id, (k) => k);
  }

  /**
   * Revokes a key of the caller's tenant (any tenant's for platform admins). Another tenant's key is NOT_FOUND,
   * exactly like a key that does not exist. Revoking a revoked key changes nothing and answers the same.
   */
  async revoke(id: string): Promise<ApiKey> {
    const principal = this.principal;
    requirePermission(principal, PERMISSIONS.apiKeysWrite);
    if (!UUID.test(id)) throw errors.notFound('API key', id);
    const everyTenant = reachesEveryTenant(principal);
    if (!everyTenant && principal.tenantId === null) throw errors.notFound('API key', id);
    // The tenant filter is the first wall; row-level security on the request's scope is the second.
    const result = await this.events.transaction(async () => {
      const revoked = await this.store.revoke(id, new Date(), everyTenant ? null : principal.tenantId);
      if (revoked?.changed) await this.record(API_KEY_EVENTS.revoked, toApiKey(revoked.key), { name: revoked.key.name });
      return revoked;
    });
    if (!result) throw errors.notFound('API key', id);
    const apiKey = toApiKey(result.key);
    if (result.changed) this.logger.info('API key revoked', { apiKeyId: id, tenantId: apiKey.tenantId });
    return apiKey;
  }

  /** Another subgraph's reference to a key: visible to readers of keys in its tenant, or to platform admins. */
  async resolveReference(id: string): Promise<ApiKey | null> {
    requireSignedIn(this.principal);
    if (!hasPermission(this.principal, PERMISSIONS.apiKeysRead) || !UUID.test(id)) return null;
    const key = await this.byId.load(id);
    if (!key) return null;
    return reachesEveryTenant(this.principal) || key.tenantId === this.principal.tenantId ? key : null;
  }

  private async record(type: EventType, apiKey: ApiKey, data: Record<string, unknown>): Promise<void> {
    await this.events.record({ type, aggregateType: 'ApiKey', aggregateId: apiKey.id, tenantId: apiKey.tenantId, data });
  }

}
