import { hasPermission, PERMISSIONS, requireSignedIn, requireTenantAccess } from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import type { AuditFilter, AuditRecord, AuditStore, ChainVerification } from '../store/audit-store';

export interface AuditEventsFilter {
  types?: readonly string[] | null;
  aggregateId?: string | null;
  actorId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const MAX_TYPES = 50;

/** Reads of one request: every one tenant-scoped, needing audit:read (another tenant's needs platform:admin). */
export class AuditQueryService {
  constructor(
    private readonly store: AuditStore,
    private readonly request: RequestContext,
  ) {}

  /** The audit trail of the caller's tenant (or of `tenantId`, for platform auditors), newest first. */
  async list(args: { tenantId?: string | null; filter?: AuditEventsFilter | null; first?: number | null; after?: string | null }): Promise<Page<AuditRecord>> {
    const page = parsePageRequest(args.first, args.after);
    const tenantId = this.readableTenant(args.tenantId);
    const filter = validateFilter(tenantId, args.filter ?? {});
    const rows = await this.store.list(filter, page.afterKey, page.limit + 1);
    return toPage(rows, page, (e) => e.eventId, (e) => e);
  }

  /** What happened to one user (the events of their User aggregate), in the caller's tenant, newest first. */
  async trailOf(userId: string, args: { first?: number | null; after?: string | null }): Promise<Page<AuditRecord>> {
    const page = parsePageRequest(args.first, args.after);
    const tenantId = this.readableTenant(null);
    const rows = await this.store.list({ tenantId, aggregateId: userId }, page.afterKey, page.limit + 1);
    return toPage(rows, page, (e) => e.eventId, (e) => e);
  }

  /**
   * `auditEvent(id)`: one record of the caller's tenant, read with audit:read (any tenant's, and the platform's, with
   * platform:admin). Anything else is NOT_FOUND, exactly like an unknown id, so probing ids tells nothing.
   */
  async find(id: string): Promise<AuditRecord> {
    const principal = this.request.principal;
    requireSignedIn(principal);
    const [record] = await this.store.findByIds([id]);
    const readable =
      record !== undefined &&
      (hasPermission(principal, PERMISSIONS.platformAdmin) ||
        (record.tenantId !== null && record.tenantId === principal.tenantId && hasPermission(principal, PERMISSIONS.auditRead)));
    if (!record || !readable) throw errors.notFound('audit event', id);
    return record;
  }

  async byIds(ids: readonly string[]): Promise<AuditRecord[]> {
    const principal = this.request.principal;
    requireSignedIn(principal);
    const records = await this.store.findByIds(ids);
    // Another tenant's record resolves like an unknown id.
    return records.filter((r) => r.tenantId === principal.tenantId || hasPermission(principal, PERMISSIONS.platformAdmin));
  }

  /** Recomputes the tenant's hash chain from its anchor; the first record that does not verify is brokenAt. */
  async verifyChain(tenantId: string | null | undefined): Promise<ChainVerification> {
    return this.store.verifyChain(this.readableTenant(tenantId));
  }

  private readableTenant(requested: string | null | undefined): string | null {
    const principal = this.request.principal;
    requireSignedIn(principal);
    const tenantId = requested ?? principal.tenantId;
    requireTenantAccess(principal, tenantId, PERMISSIONS.auditRead);
    return tenantId;
  }
}

function validateFilter(tenantId: string | null, input: AuditEventsFilter): AuditFilter {
  const filter: AuditFilter = { tenantId };
  if (input.types) {
    if (input.types.length > MAX_TYPES) throw errors.badInput('filter.types', `at most ${MAX_TYPES} types (got ${input.types.length})`);
    filter.types = input.types;
  }
  if (input.aggregateId) filter.aggregateId = input.aggregateId;
  if (input.actorId) filter.actorId = input.actorId;
  if (input.from) filter.from = input.from;
  if (input.to) filter.to = input.to;
  if (filter.from && filter.to && filter.from.getTime() > filter.to.getTime()) {
    throw errors.badInput('filter.from', `must not be after filter.to (${filter.from.toISOString()} > ${filter.to.toISOString()})`);
  }
  return filter;
}
