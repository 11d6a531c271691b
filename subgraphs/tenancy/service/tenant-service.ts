import type DataLoader from 'dataloader';
import { PERMISSIONS, hasPermission, requirePermission, requireSignedIn, requireTenantAccess } from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import { createDomainEvent, type EventBus } from '../../../infrastructure/events';
import { eventMetadataOf } from '../../../infrastructure/events/request-metadata';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { byIdLoader } from '../../../infrastructure/graphql/by-id-loader';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import type { Logger } from '../../../infrastructure/logging/logger';
import { DuplicateSlugError, type TenantStore } from '../store/tenant-store';
import { toTenant } from './tenant-mapping';
import { NAME_MAX_LENGTH, SLUG_PATTERN, type Tenant } from './tenant';

/** Tenancy use cases for one request: permission checks, invariants, events. */
export class TenantService {
  private readonly byId: DataLoader<string, Tenant | null>;

  constructor(
    private readonly store: TenantStore,
    private readonly bus: EventBus,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {
    this.byId = byIdLoader(async (ids) => (await store.findByIds(ids)).map(toTenant));
  }

  private get principal() {
    return this.request.principal;
  }

  /** `tenant(id)` / `tenant(slug)`: your own tenant, or any with tenant:read:any. Another tenant is FORBIDDEN whether or not it exists. */
  async find(args: { id?: string | null; slug?: string | null }): Promise<Tenant | null> {
    if ((args.id ? 1 : 0) + (args.slug ? 1 : 0) !== 1) throw errors.badInput('tenant', 'pass exactly one of id or slug');
    requireSignedIn(this.principal);
    if (args.id) {
      requireTenantAccess(this.principal, args.id, PERMISSIONS.tenantRead, PERMISSIONS.tenantReadAny);
      return this.byId.load(args.id);
    }
    const row = await this.store.findBySlug(args.slug!);
    // Decide access before revealing anything: a slug of someone else's tenant is FORBIDDEN, an unknown one too.
    if (!hasPermission(this.principal, PERMISSIONS.tenantReadAny) && (!row || row.id !== this.principal.tenantId)) {
      throw errors.forbidden('cross-tenant access is not allowed: you can only reach your own tenant');
    }
    return row ? toTenant(row) : null;
  }

  /** Entity reference from another subgraph (e.g. `User.tenant`), same visibility rule as `tenant(id)`. */
  async resolveReference(id: string): Promise<Tenant | null> {
    requireTenantAccess(this.principal, id, PERMISSIONS.tenantRead, PERMISSIONS.tenantReadAny);
    return this.byId.load(id);
  }

  /** Platform admins page through every tenant; anyone else sees exactly their own. */
  async list(first: number | null | undefined, after: string | null | undefined): Promise<Page<Tenant>> {
    const page = parsePageRequest(first, after);
    const seesAll = hasPermission(this.principal, PERMISSIONS.tenantReadAny);
    if (!seesAll) requirePermission(this.principal, PERMISSIONS.tenantRead);
    const onlyId = seesAll ? undefined : this.principal.tenantId;
    if (onlyId === null) return toPage([], page, (t: Tenant) => t.id, (t) => t);
    const rows = await this.store.list({ afterId: page.afterKey, limit: page.limit + 1, ...(onlyId ? { onlyId } : {}) });
    return toPage(rows.map(toTenant), page, (t) => t.id, (t) => t);
  }

  async create(input: { slug: string; name: string }): Promise<Tenant> {
    requirePermission(this.principal, PERMISSIONS.tenantCreate);
    const slug = input.slug.trim();
    const name = input.name.trim();
    if (!SLUG_PATTERN.test(slug)) throw errors.badInput('input.slug', `must match ${SLUG_PATTERN.source} (got ${JSON.stringify(input.slug)})`);
    if (name.length < 1 || name.length > NAME_MAX_LENGTH) {
      throw errors.badInput('input.name', `must be 1 to ${NAME_MAX_LENGTH} characters after trimming (got ${name.length})`);
    }
    const now = new Date();
    const tenant: Tenant = { id: uuid7(), slug, name, status: 'ACTIVE', version: 1, createdAt: now };
    try {
      await this.store.insert({ ...tenant, updatedAt: now });
    } catch (error) {
      if (error instanceof DuplicateSlugError) throw errors.conflict(`a tenant with slug ${JSON.stringify(slug)} already exists`);
      throw error;
    }
    this.logger.info('tenant created', { tenantId: tenant.id, slug });
    await this.publish('tenancy.tenant.created', tenant);
    return tenant;
  }

  // Until the transactional outbox lands (events issue), publishing happens after commit and a crash in between loses the event.
  private async publish(type: string, tenant: Tenant): Promise<void> {
    const event = createDomainEvent({
      type,
      source: 'tenancy',
      aggregateType: 'Tenant',
      aggregateId: tenant.id,
      aggregateVersion: tenant.version,
      tenantId: tenant.id,
      ...eventMetadataOf(this.request),
      data: { slug: tenant.slug, name: tenant.name, status: tenant.status },
    });
    await this.bus.publish(event).catch((error: unknown) => this.logger.error('could not publish event', { type, error }));
  }
}
