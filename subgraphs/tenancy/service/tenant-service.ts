import type { EventType } from '../../../infrastructure/events/event-types';
import type DataLoader from 'dataloader';
import { PERMISSIONS, hasPermission, reachesEveryTenant, requirePermission, requireSignedIn, requireTenantAccess } from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { byIdLoader } from '../../../infrastructure/graphql/by-id-loader';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import type { Logger } from '../../../infrastructure/logging/logger';
import { DuplicateSlugError, type TenantStore } from '../store/tenant-store';
import type { TenancyEvents } from './tenancy-events';
import { toTenant } from './tenant-mapping';
import { NAME_MAX_LENGTH, SLUG_PATTERN, SUSPENSION_REASON_MAX_LENGTH, TENANT_ID_PATTERN, type Tenant } from './tenant';

/** Tenancy use cases for one request: permission checks, invariants, events. */
export class TenantService {
  private readonly byId: DataLoader<string, Tenant | null>;

  constructor(
    private readonly store: TenantStore,
    private readonly events: TenancyEvents,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {
    this.byId = byIdLoader(async (ids) => (await store.findByIds(ids)).map(toTenant), 'Tenant');
  }

  private get principal() {
    return this.request.principal;
  }

  /** `tenant(id)` / `tenant(slug)`: your own tenant, or any with platform:admin. Another tenant is FORBIDDEN whether or not it exists. */
  async find(args: { id?: string | null; slug?: string | null }): Promise<Tenant | null> {
    if ((args.id ? 1 : 0) + (args.slug ? 1 : 0) !== 1) throw errors.badInput('tenant', 'pass exactly one of id or slug');
    requireSignedIn(this.principal);
    if (args.id) {
      requireTenantAccess(this.principal, args.id, PERMISSIONS.tenantsRead);
      return this.byId.load(args.id);
    }
    const row = await this.store.findBySlug(args.slug!);
    // Decide access before revealing anything: a slug of someone else's tenant is FORBIDDEN, an unknown one too.
    if (!hasPermission(this.principal, PERMISSIONS.platformAdmin) && (!row || row.id !== this.principal.tenantId)) {
      throw errors.forbidden('cross-tenant access is not allowed: you can only reach your own tenant');
    }
    return row ? toTenant(row) : null;
  }

  /**
   * Entity reference from another subgraph (e.g. `User.tenant`): the same visibility rule as `tenant(id)`, but a
   * tenant the caller may not see is null, never an error, so the referencing field reads as a plain null.
   */
  async resolveReference(id: string): Promise<Tenant | null> {
    const principal = this.principal;
    const visible = reachesEveryTenant(principal) || (principal.tenantId === id && hasPermission(principal, PERMISSIONS.tenantsRead));
    return visible ? this.byId.load(id) : null;
  }

  /** Platform admins page through every tenant; anyone else sees exactly their own. */
  async list(first: number | null | undefined, after: string | null | undefined): Promise<Page<Tenant>> {
    const page = parsePageRequest(first, after);
    const seesAll = hasPermission(this.principal, PERMISSIONS.platformAdmin);
    if (!seesAll) requirePermission(this.principal, PERMISSIONS.tenantsRead);
    const onlyId = seesAll ? undefined : this.principal.tenantId;
    if (onlyId === null) return toPage([], page, (t: Tenant) => t.id, (t) => t);
    const rows = await this.store.list({ afterId: page.afterKey, limit: page.limit + 1, ...(onlyId ? { onlyId } : {}) });
    return toPage(rows.map(toTenant), page, (t) => t.id, (t) => t);
  }

  async create(input: { slug: string; name: string }): Promise<Tenant> {
    requirePermission(this.principal, PERMISSIONS.tenantsWrite);
    const slug = input.slug.trim();
    const name = input.name.trim();
    if (!SLUG_PATTERN.test(slug)) throw errors.badInput('input.slug', `must match ${SLUG_PATTERN.source} (got ${JSON.stringify(input.slug)})`);
    if (name.length < 1 || name.length > NAME_MAX_LENGTH) {
      throw errors.badInput('input.name', `must be 1 to ${NAME_MAX_LENGTH} characters after trimming (got ${name.length})`);
    }
    const now = new Date();
    const tenant: Tenant = { id: uuid7(), slug, name, status: 'ACTIVE', version: 1, createdAt: now };
    try {
      await this.events.transaction(async () => {
        await this.store.insert({ ...tenant, updatedAt: now, suspendedReason: null, suspendedAt: null });
        await this.record('tenancy.tenant.created', tenant);
      });
    } catch (error) {
      if (error instanceof DuplicateSlugError) throw errors.conflict(`a tenant with slug ${JSON.stringify(slug)} already exists`);
      throw error;
    }
    this.logger.info('tenant created', { tenantId: tenant.id, slug });
    return tenant;
  }

  /**
   * Suspends a tenant: from the moment this returns, the gateway refuses its users (see gateway/tenancy).
   * Platform admins only. Suspending a suspended tenant changes nothing and publishes nothing.
   */
  async suspend(id: string, reason: string): Promise<Tenant> {
    requirePermission(this.principal, PERMISSIONS.tenantsWrite);
    const trimmed = reason.trim();
    if (trimmed.length < 1 || trimmed.length > SUSPENSION_REASON_MAX_LENGTH) {
      throw errors.badInput('input.reason', `must be 1 to ${SUSPENSION_REASON_MAX_LENGTH} characters after trimming (got ${trimmed.length})`);
    }
    return this.transition(id, 'SUSPENDED', trimmed);
  }

  /** Lifts a suspension; the gateway lets the tenant's users back in, with the tokens they already hold. */
  async reactivate(id: string): Promise<Tenant> {
    requirePermission(this.principal, PERMISSIONS.tenantsWrite);
    return this.transition(id, 'ACTIVE', null);
  }

  private async transition(id: string, status: Tenant['status'], reason: string | null): Promise<Tenant> {
    if (!TENANT_ID_PATTERN.test(id)) throw errors.notFound('tenant', id.slice(0, 80));
    const changed = await this.events.transaction(async () => {
      const row = await this.store.transitionStatus(id, { status, reason, at: new Date() });
      // The reason stays in tenancy: audit records are readable by the tenant's own admins.
      if (row) await this.record(status === 'SUSPENDED' ? 'tenancy.tenant.suspended' : 'tenancy.tenant.reactivated', toTenant(row));
      return row;
    });
    if (!changed) {
      // Unknown, or already in that status: the conditional UPDATE matched nothing.
      const [current] = await this.store.findByIds([id]);
      if (!current) throw errors.notFound('tenant', id);
      return toTenant(current);
    }
    const tenant = toTenant(changed);
    this.logger.info(status === 'SUSPENDED' ? 'tenant suspended' : 'tenant reactivated', { tenantId: tenant.id, slug: tenant.slug });
    return tenant;
  }

  private record(type: EventType, tenant: Tenant): Promise<void> {
    return this.events.record(type, { type: 'Tenant', id: tenant.id, tenantId: tenant.id }, {
      slug: tenant.slug,
      name: tenant.name,
      status: tenant.status,
    });
  }
}
